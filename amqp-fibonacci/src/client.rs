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

use crate::broker::stop_consuming;
use crate::questions::error_replies::{self, Answer};
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
        let publish = request(
            &self.request_queue,
            body,
            &self.callback_queue,
            &correlation_id,
        );
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
                return result_of(answer, &self.request_queue);
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

    /// The timeout passed: a last look at what already arrived, then the diagnosis
    /// ([`no_server::diagnose`]: does anyone consume the queue?).
    fn give_up(&mut self, call: PendingCall, timeout: Duration) -> Result<String, CallError> {
        while self.next_event(Duration::ZERO)? {}
        if let Some(answer) = self.calls.take(&call) {
            return result_of(answer, &self.request_queue);
        }
        self.calls.forget(&call); // a late reply will be discarded
        Err(no_server::diagnose(
            self.channel,
            &self.request_queue,
            timeout,
        ))
    }

    /// Many calls in flight at once ([`crate::questions::in_flight`]): publishes every body,
    /// then collects the answers (in the order of `bodies`) within one overall `timeout`.
    pub fn call_many<S: AsRef<str>>(
        &mut self,
        bodies: &[S],
        timeout: Duration,
    ) -> Result<Vec<Result<String, CallError>>, CallError> {
        let deadline = Instant::now() + timeout;
        let calls = bodies
            .iter()
            .map(|body| self.send(body.as_ref()))
            .collect::<Result<Vec<_>, _>>()?;
        Ok(calls
            .into_iter()
            .map(|call| self.wait_until(call, deadline, timeout))
            .collect())
    }

    /// How many replies were thrown away because no call was waiting for their correlation id.
    pub fn discarded(&self) -> u64 {
        self.calls.discarded()
    }

    /// How many calls are published and not answered yet.
    pub fn in_flight(&self) -> usize {
        self.calls.in_flight()
    }
}

impl Drop for RpcClient<'_> {
    /// Why not just let the fields drop? The consumer needs `stop_consuming` (amiquip 0.4 races
    /// otherwise, see `broker.rs`), and a program that keeps its connection and makes another
    /// client (the tour, the tests) should not pile up callback queues: the broker deletes an
    /// exclusive queue only with its connection.
    fn drop(&mut self) {
        stop_consuming(&self.replies);
        let queue = self.callback_queue.clone();
        let _ = self
            .channel
            .queue_delete(queue, amiquip::QueueDeleteOptions::default());
    }
}

/// One request as the tutorial publishes it: the decimal text of n to the default exchange,
/// routing key = the request queue, `reply_to` and `correlation_id`; `mandatory`, so that with
/// no queue to route to it comes back to us ([`no_server`]).
pub(crate) fn request<'a>(
    queue: &str,
    body: &'a str,
    reply_to: &str,
    correlation_id: &str,
) -> Publish<'a> {
    let properties = AmqpProperties::default()
        .with_reply_to(reply_to.to_string())
        .with_correlation_id(correlation_id.to_string());
    let mut publish = Publish::with_properties(body.as_bytes(), queue.to_string(), properties);
    publish.mandatory = true;
    publish
}

/// What the caller of `call`/`wait` gets for an answer.
fn result_of(answer: Answer, request_queue: &str) -> Result<String, CallError> {
    match answer {
        Answer::Value(value) => Ok(value),
        Answer::Error { kind, message } => Err(CallError::Server { kind, message }),
        Answer::Returned { code, text } => Err(CallError::NoQueue {
            queue: request_queue.to_string(),
            code,
            text,
        }),
    }
}
