//! The tutorial's server declares `rpc_queue` itself; newer versions of the tutorial declare it
//! durable or as a quorum queue, and AMQP refuses to redeclare a queue with other arguments
//! (`406 PRECONDITION_FAILED`, which also closes the channel). The question this answers:
//! **what if the queue already exists, declared differently?** Ask first (a passive declare works
//! for any queue), declare only when it is missing, and explain the 406 if it happens anyway.
//! Or ask for a **quorum** queue (`--queue-type quorum`), as the RabbitMQ tutorials now declare
//! it: replicated over the cluster's nodes, it keeps a confirmed request while a majority of them
//! lives (see [`crate::failover`]).

use amiquip::{AmqpValue, Channel, Connection, FieldTable, QueueDeclareOptions};

use crate::ServerError;

/// AMQP reply codes we explain (AMQP 0-9-1 §1.9 "constants").
const NOT_FOUND: u16 = 404;
const PRECONDITION_FAILED: u16 = 406;

/// Opens a channel on which `queue` exists, ready for [`crate::serve`].
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
    declare(channel, queue, QueueDeclareOptions::default())
}

/// Declares `queue` with `options`; a queue that exists with other arguments is explained.
fn declare(
    channel: &Channel,
    queue: &str,
    options: QueueDeclareOptions,
) -> Result<(), ServerError> {
    match channel.queue_declare(queue, options) {
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

/// How the server declares the request queue (`--queue-type`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, clap::ValueEnum)]
pub enum QueueType {
    /// The tutorial's: use whatever queue exists, or declare it classic and not durable.
    #[default]
    Classic,
    /// Durable, `x-queue-type: quorum`: replicated over the nodes of a cluster.
    Quorum,
}

/// Opens a channel on which `queue` exists as `queue_type` asks, ready for [`crate::serve`].
/// Declaring again is harmless: after a reconnect the server calls this once more.
pub fn ensure_queue(
    connection: &mut Connection,
    queue: &str,
    queue_type: QueueType,
) -> Result<Channel, ServerError> {
    match queue_type {
        QueueType::Classic => ensure_request_queue(connection, queue),
        QueueType::Quorum => {
            let channel = connection.open_channel(None)?;
            declare(&channel, queue, quorum_options())?;
            Ok(channel)
        }
    }
}

/// The options of a durable quorum queue (what newer versions of the tutorial declare).
pub fn quorum_options() -> QueueDeclareOptions {
    let mut arguments = FieldTable::new();
    let quorum = AmqpValue::LongString("quorum".to_string());
    arguments.insert("x-queue-type".to_string(), quorum);
    QueueDeclareOptions {
        durable: true,
        arguments,
        ..QueueDeclareOptions::default()
    }
}
