//! The client half: **request/reply over a broker**, matched by correlation id — the tutorial's
//! `FibonacciRpcClient`.
//!
//! - One exclusive, server-named callback queue per client (`amq.gen-…`), consumed with auto-ack.
//! - Each call publishes the decimal text of n to the default exchange with routing key
//!   `rpc_queue` and the properties `reply_to = <callback queue>` and a fresh uuid4
//!   `correlation_id`; then it waits (bounded) for the reply that carries the same id.
//!
//! Wrapped around it, the tutorial's questions: no server running ([`no_server`]), several calls
//! in flight ([`crate::questions::in_flight`]), error replies ([`error_replies`]).

use std::time::{Duration, Instant};

use amiquip::{
    AmqpProperties, Channel, Consumer, ConsumerMessage, ConsumerOptions, Publish,
    QueueDeclareOptions, Return,
};
use crossbeam_channel::{select, Receiver};

use crate::questions::error_replies;
use crate::questions::in_flight::{Calls, PendingCall};
use crate::questions::no_server::{self, CallError};

/// An RPC client on an open channel. One client per channel at a time: amiquip delivers
/// returned messages to one listener per channel, the latest one set up.
pub struct RpcClient<'ch> {
    pub(crate) channel: &'ch Channel,
    pub(crate) request_queue: String,
    pub(crate) callback_queue: String,
    pub(crate) replies: Consumer<'ch>,
    /// Requests the broker could not route come back here ([`no_server`]).
    pub(crate) returns: Receiver<Return>,
    /// Calls published and not answered yet, and answers kept for them ([`crate::questions::in_flight`]).
    pub(crate) calls: Calls,
}

impl<'ch> RpcClient<'ch> {
    /// Declares this client's callback queue and starts consuming it.
    pub fn new(channel: &'ch Channel, request_queue: &str) -> Result<Self, amiquip::Error> {
        // Must be set up before the first mandatory publish, or a return could slip past us.
        let returns = channel.listen_for_returns()?;
        // Name "" = let the broker pick one (amq.gen-…); exclusive = ours alone, deleted when
        // our connection closes.
        let exclusive = QueueDeclareOptions {
            exclusive: true,
            ..QueueDeclareOptions::default()
        };
        let callback_queue = channel.queue_declare("", exclusive)?.name().to_string();
        // no_ack = true (pika's auto_ack): a reply is only useful to us, never redelivered.
        let auto_ack = ConsumerOptions {
            no_ack: true,
            ..ConsumerOptions::default()
        };
        let replies = channel.basic_consume(callback_queue.clone(), auto_ack)?;
        Ok(RpcClient {
            channel,
            request_queue: request_queue.to_string(),
            callback_queue,
            replies,
            returns,
            calls: Calls::default(),
        })
    }

    /// The broker-named queue replies come to (`amq.gen-…`).
    pub fn callback_queue(&self) -> &str {
        &self.callback_queue
    }

    /// One call: publish, then wait up to `timeout` (the tutorial's `call(n)`).
    pub fn call(&mut self, body: &str, timeout: Duration) -> Result<String, CallError> {
        let call = self.send(body)?;
        self.wait(call, timeout)
    }

    /// Publishes one request (`body` = the decimal text of n) and returns without waiting.
    pub fn send(&mut self, body: &str) -> Result<PendingCall, CallError> {
        let correlation_id = uuid::Uuid::new_v4().to_string(); // fresh per call
        let properties = AmqpProperties::default()
            .with_reply_to(self.callback_queue.clone())
            .with_correlation_id(correlation_id.clone());
        let mut publish =
            Publish::with_properties(body.as_bytes(), self.request_queue.clone(), properties);
        publish.mandatory = true; // no queue to route to: returned to us ([`no_server`])
        self.channel.basic_publish("", publish)?;
        Ok(self.calls.sent(correlation_id, body))
    }

    /// Waits up to `timeout` for the answer to `call`.
    pub fn wait(&mut self, call: PendingCall, timeout: Duration) -> Result<String, CallError> {
        self.wait_until(call, Instant::now() + timeout, timeout)
    }

    /// Takes replies as they come until the one for `call` is there, or `deadline` passes
    /// (`timeout` is what the caller asked for, for the message).
    pub(crate) fn wait_until(
        &mut self,
        call: PendingCall,
        deadline: Instant,
        timeout: Duration,
    ) -> Result<String, CallError> {
        loop {
            if let Some(answer) = self.calls.take(&call) {
                return answer.into_result(&self.request_queue);
            }
            let left = deadline.saturating_duration_since(Instant::now());
            if left.is_zero() {
                return self.give_up(call, timeout);
            }
            self.next_event(left)?;
        }
    }

    /// Waits up to `left` for one reply (or returned request) and files it for its call.
    /// `Ok(false)`: nothing came.
    pub(crate) fn next_event(&mut self, left: Duration) -> Result<bool, CallError> {
        let (id, answer) = select! {
            recv(self.replies.receiver()) -> message => match message {
                Ok(ConsumerMessage::Delivery(reply)) => error_replies::read(&reply),
                Ok(other) => return Err(CallError::Closed(format!("{other:?}"))),
                Err(_) => return Err(CallError::Closed("the connection is gone".to_string())),
            },
            recv(self.returns) -> returned => match returned {
                Ok(returned) => no_server::returned(returned),
                Err(_) => {
                    self.returns = no_server::listener_replaced();
                    return Ok(true);
                }
            },
            default(left) => return Ok(false),
        };
        self.calls.file(id, answer);
        Ok(true)
    }
}
