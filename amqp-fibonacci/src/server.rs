//! The server half: a **work queue consumer that answers**.
//!
//! 1. Make sure the request queue exists — reuse it whatever its arguments, else declare it the
//!    way the tutorial does ([`ensure_request_queue`]).
//! 2. `basic.qos(prefetch_count = 1)`: the broker hands this server one request at a time, so
//!    several servers on one queue share the work fairly.
//! 3. For each request: compute, publish the answer to the request's `reply_to` queue with the
//!    same `correlation_id`, and only **then** ack it ([`serve`]). A server that dies before its
//!    ack loses nothing: the broker gives the request to another server (`redelivered = true`).

use std::io::Write;
use std::time::Duration;

use amiquip::{
    AmqpProperties, AmqpValue, Channel, Connection, ConsumerMessage, ConsumerOptions, Delivery,
    FieldTable, Publish, QueueDeclareOptions,
};
use crossbeam_channel::{select, Receiver, Sender};

use crate::{parse_request, Function, ERROR_HEADER, PREFETCH};

/// AMQP reply codes we explain (AMQP 0-9-1 §1.9 "constants").
const NOT_FOUND: u16 = 404;
const PRECONDITION_FAILED: u16 = 406;

/// Why a server stops. A bad *request* is never one of these: it gets an error reply.
#[derive(Debug, thiserror::Error)]
pub enum ServerError {
    #[error(
        "queue `{queue}` already exists with other arguments (406 PRECONDITION_FAILED: {message}). \
         The tutorial declares it classic and not durable; newer versions of the tutorial declare \
         it durable or as a quorum queue, and AMQP refuses to redeclare a queue differently. \
         Delete it (`rabbitmqctl delete_queue {queue}`) or pick another name with --queue"
    )]
    QueueMismatch { queue: String, message: String },
    #[error("the broker cancelled our consumer on `{queue}` (was the queue deleted?)")]
    Cancelled { queue: String },
    #[error("AMQP error: {0}")]
    Amqp(#[from] amiquip::Error),
    #[error(transparent)]
    Connect(Box<crate::ConnectError>),
    #[error("the server thread panicked")]
    Panicked,
}

impl From<crate::ConnectError> for ServerError {
    fn from(error: crate::ConnectError) -> Self {
        ServerError::Connect(Box::new(error)) // boxed: keeps every `Result<_, ServerError>` small
    }
}

/// What one server did, for tests and the tour.
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

/// Opens a channel on which `queue` exists, ready for [`serve`].
///
/// First a **passive** declare: "does it exist?" — that succeeds for any existing queue, durable,
/// quorum or not, so we never fight over its arguments. Only if the broker says 404 do we declare
/// it ourselves, like the tutorial's `channel.queue_declare(queue='rpc_queue')`.
pub fn ensure_request_queue(
    connection: &mut Connection,
    queue: &str,
) -> Result<Channel, ServerError> {
    let channel = connection.open_channel(None)?;
    match channel.queue_declare_passive(queue) {
        Ok(existing) => {
            tracing::info!(
                queue,
                waiting = existing.declared_message_count(),
                consumers = existing.declared_consumer_count(),
                "using the existing request queue"
            );
            return Ok(channel);
        }
        Err(amiquip::Error::ServerClosedChannel {
            code: NOT_FOUND, ..
        }) => {}
        Err(other) => return Err(other.into()),
    }
    // In AMQP an error closes the channel it happened on: the 404 cost us that channel.
    drop(channel);
    let channel = connection.open_channel(None)?;
    declare_like_tutorial(&channel, queue)?;
    tracing::info!(
        queue,
        "the request queue did not exist (the 404 above); declared it the tutorial's way: \
         classic, not durable"
    );
    Ok(channel)
}

/// Declares `queue` exactly as the tutorial's Python server does: classic, not durable, not
/// exclusive, not auto-delete, no arguments. Explains the 406 a differently declared queue causes.
pub fn declare_like_tutorial(channel: &Channel, queue: &str) -> Result<(), ServerError> {
    match channel.queue_declare(queue, QueueDeclareOptions::default()) {
        Ok(_) => Ok(()),
        Err(amiquip::Error::ServerClosedChannel {
            code: PRECONDITION_FAILED,
            message,
            ..
        }) => Err(ServerError::QueueMismatch {
            queue: queue.to_string(),
            message,
        }),
        Err(other) => Err(other.into()),
    }
}

/// Serves `queue` on `channel` until `shutdown` receives a message or its sender is dropped.
/// The tutorial's console lines (` [x] Awaiting RPC requests`, ` [.] fib(30)`) go to `console`
/// (stdout in the binary).
///
/// Each request is answered (number or error reply) and then acked, so a bad request is
/// consumed once — no crash and no redelivery loop. `delay` pretends each computation takes that
/// long (to watch several servers share the work).
pub fn serve(
    channel: &Channel,
    queue: &str,
    function: Function,
    delay: Duration,
    console: &mut impl Write,
    shutdown: &Receiver<()>,
) -> Result<ServeStats, ServerError> {
    channel.qos(0, PREFETCH, false)?;
    // no_ack = false: the broker keeps each request until we ack it.
    let consumer = channel.basic_consume(queue, ConsumerOptions::default())?;
    say(console, " [x] Awaiting RPC requests");

    let mut stats = ServeStats::default();
    loop {
        let message = select! {
            recv(consumer.receiver()) -> message => match message {
                Ok(message) => message,
                Err(_) => break, // the connection's I/O thread is gone
            },
            recv(shutdown) -> _ => break,
        };
        match message {
            ConsumerMessage::Delivery(delivery) => {
                answer(channel, function, delay, &delivery, console, &mut stats)?;
                // Ack last: had we died before this line, the request would go to another server.
                consumer.ack(delivery)?;
            }
            ConsumerMessage::ServerCancelled => {
                return Err(ServerError::Cancelled {
                    queue: queue.to_string(),
                })
            }
            ConsumerMessage::ServerClosedChannel(error)
            | ConsumerMessage::ServerClosedConnection(error) => return Err(error.into()),
            ConsumerMessage::ClientCancelled
            | ConsumerMessage::ClientClosedChannel
            | ConsumerMessage::ClientClosedConnection => break,
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
        tracing::warn!(
            bytes = delivery.body.len(),
            "request without reply_to: nobody to answer, dropped"
        );
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
            tracing::warn!(
                bytes = delivery.body.len(),
                kind = error.kind(),
                "bad request, answering with an error reply: {error}"
            );
            let mut headers = FieldTable::new();
            headers.insert(
                ERROR_HEADER.to_string(),
                AmqpValue::LongString(error.kind().to_string()),
            );
            properties = properties.with_headers(headers);
            error.to_string()
        }
    };
    // The default exchange "" routes by queue name: routing key = the caller's callback queue.
    // If the caller is gone, its exclusive queue is gone too and the broker drops the reply.
    channel.basic_publish(
        "",
        Publish::with_properties(body.as_bytes(), reply_to, properties),
    )?;
    Ok(())
}

/// Prints one console line. A console that cannot be written to (a closed pipe) is no reason
/// to stop answering requests, so write errors are ignored.
fn say(console: &mut impl Write, line: &str) {
    let _ = writeln!(console, "{line}");
    let _ = console.flush();
}

/// A server running in a thread on its own connection — as if it were another process. Tests and
/// the tour use it; dropping it stops the server.
pub struct ServerThread {
    shutdown: Option<Sender<()>>,
    handle: Option<std::thread::JoinHandle<Result<ServeStats, ServerError>>>,
}

impl ServerThread {
    /// Connects to `amqp_url`, makes sure `queue` exists and serves it until stopped.
    pub fn spawn(
        amqp_url: &str,
        queue: &str,
        function: Function,
        delay: Duration,
        mut console: impl Write + Send + 'static,
    ) -> ServerThread {
        let (shutdown, stop) = crossbeam_channel::bounded(1);
        let (amqp_url, queue) = (amqp_url.to_string(), queue.to_string());
        let handle = std::thread::spawn(move || {
            let mut connection = crate::connect(&amqp_url)?;
            let channel = ensure_request_queue(&mut connection, &queue)?;
            let stats = serve(&channel, &queue, function, delay, &mut console, &stop)?;
            drop(channel);
            connection.close()?;
            Ok(stats)
        });
        ServerThread {
            shutdown: Some(shutdown),
            handle: Some(handle),
        }
    }

    /// Stops the server (after the request in hand, if any) and returns what it did.
    pub fn stop(mut self) -> Result<ServeStats, ServerError> {
        self.shutdown.take(); // a dropped sender wakes `serve` up
        match self.handle.take().map(|handle| handle.join()) {
            Some(Ok(outcome)) => outcome,
            Some(Err(_)) | None => Err(ServerError::Panicked),
        }
    }
}

impl Drop for ServerThread {
    fn drop(&mut self) {
        self.shutdown.take();
        if let Some(handle) = self.handle.take() {
            let _ = handle.join();
        }
    }
}
