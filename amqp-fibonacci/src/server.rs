//! The server half: a **work queue consumer that answers**.
//!
//! 1. `basic.qos(prefetch_count = 1)`: the broker hands this server one request at a time, so
//!    several servers on one queue share the work fairly.
//! 2. For each request: compute, publish the answer to the request's `reply_to` queue with the
//!    same `correlation_id`, and only **then** ack it. A server that dies before its ack loses
//!    nothing: the broker gives the request to another server (`redelivered = true`).
//! 3. How a server stops: Ctrl-C raises `stop`; the request in hand is answered and acked, the
//!    consumer is cancelled, and whatever the broker had already pushed to us stays unacked —
//!    the broker requeues it for another server when our channel closes.
//!
//! (Making sure the queue exists comes first: [`crate::questions::existing_queue`].)

use std::io::Write;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Duration;

use amiquip::{AmqpProperties, Channel, ConsumerMessage, ConsumerOptions, Delivery, Publish};
use crossbeam_channel::RecvTimeoutError;

use crate::questions::error_replies;
use crate::{parse_request, Function, ServeStats, ServerError, PREFETCH};

/// How often the loop looks at the stop flag while no request comes.
const POLL: Duration = Duration::from_millis(100);

/// Serves `queue` on `channel` until `stop` is raised. The tutorial's console lines
/// (` [x] Awaiting RPC requests`, ` [.] fib(30)`) go to `console` (stdout in the binary).
/// `delay` pretends each computation takes that long (to watch several servers share the work).
pub fn serve(
    channel: &Channel,
    queue: &str,
    function: Function,
    delay: Duration,
    console: &mut impl Write,
    stop: &AtomicBool,
) -> Result<ServeStats, ServerError> {
    channel.qos(0, PREFETCH, false)?;
    // no_ack = false: the broker keeps each request until we ack it.
    let consumer = channel.basic_consume(queue, ConsumerOptions::default())?;
    say(console, " [x] Awaiting RPC requests");

    let mut stats = ServeStats::default();
    while !stop.load(Ordering::Relaxed) {
        let message = match consumer.receiver().recv_timeout(POLL) {
            Ok(message) => message,
            Err(RecvTimeoutError::Timeout) => continue,
            Err(RecvTimeoutError::Disconnected) => break, // the connection's I/O thread is gone
        };
        match message {
            ConsumerMessage::Delivery(delivery) => {
                answer(channel, function, delay, &delivery, console, &mut stats)?;
                // Ack last: had we died before this line, the request would go to another server.
                consumer.ack(delivery)?;
            }
            ConsumerMessage::ServerCancelled => {
                let queue = queue.to_string();
                return Err(ServerError::Cancelled { queue });
            }
            ConsumerMessage::ServerClosedChannel(error)
            | ConsumerMessage::ServerClosedConnection(error) => return Err(error.into()),
            _ => break, // we closed the channel or connection ourselves
        }
    }
    crate::broker::stop_consuming(&consumer);
    Ok(stats)
}

/// Computes one answer and publishes it to the caller's callback queue.
fn answer(
    channel: &Channel,
    function: Function,
    delay: Duration,
    delivery: &Delivery,
    console: &mut impl Write,
    stats: &mut ServeStats,
) -> Result<(), ServerError> {
    if delivery.redelivered {
        stats.redelivered += 1;
        tracing::info!("redelivered request: a server took it and died before acking it");
    }
    let Some(reply_to) = delivery.properties.reply_to().clone() else {
        stats.dropped += 1;
        tracing::warn!("request without reply_to: nobody to answer, dropped");
        return Ok(());
    };
    // The reply carries the request's correlation_id back, untouched: that is how the client
    // tells which of its calls this answers.
    let mut properties = AmqpProperties::default();
    if let Some(id) = delivery.properties.correlation_id() {
        properties = properties.with_correlation_id(id.clone());
    }
    let outcome = parse_request(&delivery.body).and_then(|n| {
        say(console, &format!(" [.] {}({n})", function.name()));
        function.compute(n)
    });
    let body = match outcome {
        Ok(value) => {
            std::thread::sleep(delay);
            stats.answered += 1;
            value
        }
        Err(error) => {
            stats.errors += 1;
            tracing::warn!(kind = error.kind(), "bad request, error reply: {error}");
            properties = error_replies::mark(properties, &error);
            error.to_string()
        }
    };
    // The default exchange "" routes by queue name: routing key = the caller's callback queue.
    // If the caller is gone, its exclusive queue is gone too and the broker drops the reply.
    let reply = Publish::with_properties(body.as_bytes(), reply_to, properties);
    channel.basic_publish("", reply)?;
    Ok(())
}

/// Prints one console line. A console that cannot be written to (a closed pipe) is no reason
/// to stop answering requests, so write errors are ignored.
fn say(console: &mut impl Write, line: &str) {
    let _ = writeln!(console, "{line}");
    let _ = console.flush();
}
