//! The tutorial asks: **what if no server is running?** and **should the client time out?**
//!
//! Two different situations, told apart for the person at the terminal:
//! - *no queue at all* (no server ever declared `rpc_queue`): the client publishes with
//!   `mandatory`, so the broker *returns* the request at once (`basic.return`, 312 NO_ROUTE)
//!   instead of dropping it silently; the client says so without waiting for its timeout;
//! - *a queue nobody consumes*: the request waits in it. When the call's timeout (yes, always
//!   one; `--timeout`) passes, we ask the broker (a passive declare) how many consumers the
//!   queue has, to say "no server is running" rather than a vague "timed out".

use std::time::Duration;

use amiquip::{Channel, Return};
use common::endpoints::human;
use crossbeam_channel::Receiver;

use crate::questions::error_replies::Answer;

/// Why a call produced no number. The texts are meant for a person at a terminal.
#[derive(Debug, thiserror::Error)]
pub enum CallError {
    #[error(
        "no queue `{queue}` on the broker: the request came back ({code} {text}) — no server has \
         declared it yet; start amqp-rpc-server first"
    )]
    NoQueue {
        queue: String,
        code: u16,
        text: String,
    },
    #[error(
        "no reply within {}: queue `{queue}` exists but no server consumes it ({waiting} \
         request(s) waiting in it) — is amqp-rpc-server running?", human(*.timeout)
    )]
    NoConsumer {
        queue: String,
        timeout: Duration,
        waiting: u32,
    },
    #[error(
        "no reply within {}: {consumers} server(s) consume `{queue}` but none answered in time — \
         they may be busy; try a longer --timeout", human(*.timeout)
    )]
    Timeout {
        queue: String,
        timeout: Duration,
        consumers: u32,
    },
    #[error("the server could not answer ({kind}): {message}")]
    Server { kind: String, message: String },
    #[error("the broker stopped our reply consumer: {0}")]
    Closed(String),
    #[error("AMQP error: {0}")]
    Amqp(#[from] amiquip::Error),
}

/// A request the broker returned: the answer for its call is "no queue".
pub(crate) fn returned(returned: Return) -> (String, Answer) {
    let id = returned.properties.correlation_id().clone();
    let answer = Answer::Returned {
        code: returned.reply_code,
        text: returned.reply_text,
    };
    (id.unwrap_or_default(), answer)
}

/// Another RpcClient took over this channel's return listener (amiquip keeps one per channel):
/// stop selecting on a receiver that will never deliver again.
pub(crate) fn listener_replaced() -> Receiver<Return> {
    tracing::debug!("return listener replaced; use one RpcClient per channel");
    crossbeam_channel::never()
}

/// Explains a timeout: asks the broker whether anyone consumes the request queue.
pub(crate) fn diagnose(channel: &Channel, queue: &str, timeout: Duration) -> CallError {
    let queue = queue.to_string();
    match channel.queue_declare_passive(queue.clone()) {
        Ok(found) => match found.declared_consumer_count().unwrap_or(0) {
            0 => CallError::NoConsumer {
                queue,
                timeout,
                waiting: found.declared_message_count().unwrap_or(0),
            },
            consumers => CallError::Timeout {
                queue,
                timeout,
                consumers,
            },
        },
        // Deleted after our publish was routed. (The 404 also closed this channel.)
        Err(amiquip::Error::ServerClosedChannel { code, message, .. }) if code == 404 => {
            CallError::NoQueue {
                queue,
                code,
                text: message,
            }
        }
        Err(other) => other.into(),
    }
}
