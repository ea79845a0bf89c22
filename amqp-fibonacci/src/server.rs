//! The server half: a **work queue consumer that answers**.
//!
//! 1. `basic.qos(prefetch_count = 1)`: the broker hands this server one request at a time, so
//!    several servers on one queue share the work fairly (`--prefetch` changes it: [`ServeOptions`]).
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
use crate::{parse_request, Function, ServerError, PREFETCH};

/// What one server did (counted by `serve`), for the tests and the tour.
#[derive(Debug, Default, Clone, PartialEq, Eq)]
pub struct ServeStats {
    /// Requests answered with a number.
    pub answered: u64,
    /// Requests answered with an error reply (bad input).
    pub errors: u64,
    /// Requests that had already been delivered to a server that died before acking them.
    pub redelivered: u64,
    /// Requests without `reply_to`: nobody to answer, acked and dropped.
    pub dropped: u64,
}

/// How often the loop looks at the stop flag while no request comes.
const POLL: Duration = Duration::from_millis(100);

/// How a server computes: the function, a pretend delay, and how many unacknowledged requests
/// the broker may push to it at once.
#[derive(Debug, Clone, Copy)]
pub struct ServeOptions {
    pub function: Function,
    /// Pretend each computation takes this long (to watch several servers share the work).
    pub delay: Duration,
    /// `basic.qos(prefetch_count)`: 1 (the tutorial's, [`PREFETCH`]) spreads the work evenly over
    /// servers and costs a round trip to the broker per call; more lets the broker push the next
    /// requests while we compute, at the price of one busy server holding several.
    pub prefetch: u16,
}

impl ServeOptions {
    /// The tutorial's server: `function`, no delay, prefetch 1.
    pub fn tutorial(function: Function) -> ServeOptions {
        ServeOptions {
            function,
            delay: Duration::ZERO,
            prefetch: PREFETCH,
        }
    }
}

/// Why [`serve`] returned without an error.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Stopped {
    /// `stop` was raised: the consumer is cancelled.
    Asked,
    /// The connection to the broker is gone (the node died?): time to reconnect.
    ConnectionLost(String),
}

/// Serves `queue` on `channel` until `stop` is raised or the connection drops, counting into
/// `stats`. The tutorial's console lines (` [x] Awaiting RPC requests`, ` [.] fib(30)`) go to
/// `console` (stdout in the binary).
pub fn serve(
    channel: &Channel,
    queue: &str,
    options: &ServeOptions,
    console: &mut impl Write,
    stop: &AtomicBool,
    stats: &mut ServeStats,
) -> Result<Stopped, ServerError> {
    channel.qos(0, options.prefetch, false)?;
    // no_ack = false: the broker keeps each request until we ack it.
    let consumer = channel.basic_consume(queue, ConsumerOptions::default())?;
    say(console, " [x] Awaiting RPC requests");

    while !stop.load(Ordering::Relaxed) {
        let message = match consumer.receiver().recv_timeout(POLL) {
            Ok(message) => message,
            Err(RecvTimeoutError::Timeout) => continue,
            Err(RecvTimeoutError::Disconnected) => {
                let why = "the connection's I/O thread is gone".to_string();
                return Ok(Stopped::ConnectionLost(why));
            }
        };
        match message {
            ConsumerMessage::Delivery(delivery) => {
                answer(channel, options, &delivery, console, stats)?;
                // Ack last: had we died before this line, the request would go to another server.
                consumer.ack(delivery)?;
            }
            ConsumerMessage::ServerCancelled => {
                let queue = queue.to_string();
                return Err(ServerError::Cancelled { queue });
            }
            ConsumerMessage::ServerClosedConnection(error) => {
                return Ok(Stopped::ConnectionLost(error.to_string()));
            }
            ConsumerMessage::ServerClosedChannel(error) => return Err(error.into()),
            _ => break, // we closed the channel or connection ourselves
        }
    }
    crate::broker::stop_consuming(&consumer);
    Ok(Stopped::Asked)
}

/// Computes one answer and publishes it to the caller's callback queue.
fn answer(
    channel: &Channel,
    options: &ServeOptions,
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
    let function = options.function;
    let outcome = parse_request(&delivery.body).and_then(|n| {
        say(console, &format!(" [.] {}({n})", function.name()));
        function.compute(n)
    });
    let body = match outcome {
        Ok(value) => {
            std::thread::sleep(options.delay);
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
