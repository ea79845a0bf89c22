//! The client half: **request/reply over a broker**, matched by correlation id.
//!
//! - One exclusive, server-named callback queue per client (`amq.gen-…`), consumed with auto-ack.
//! - Each call publishes the decimal text of n to the default exchange with routing key
//!   `rpc_queue` and the properties `reply_to = <callback queue>` and a fresh uuid4
//!   `correlation_id`. Replies come back in any order; the correlation id says whose they are.
//! - Publishing is `mandatory`: if no queue is bound to the routing key (no server ever declared
//!   `rpc_queue`), the broker *returns* the message (`basic.return`, 312 NO_ROUTE) at once, and we
//!   say so. If the queue exists but nobody consumes it, the request waits there; when our
//!   timeout passes we ask the broker (passive declare) how many consumers the queue has, to say
//!   "no server is running" rather than a vague "timed out".

use std::collections::{HashMap, HashSet};
use std::time::{Duration, Instant};

use amiquip::{
    AmqpProperties, AmqpValue, Channel, Consumer, ConsumerMessage, ConsumerOptions, Delivery,
    Publish, QueueDeclareOptions, QueueDeleteOptions, Return,
};
use common::endpoints::human;
use crossbeam_channel::{select, Receiver};

use crate::ERROR_HEADER;

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

/// A call that was published and not yet waited for. Hand it back to [`RpcClient::wait`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PendingCall {
    correlation_id: String,
    body: String,
}

impl PendingCall {
    /// The uuid4 text this call's reply must carry.
    pub fn correlation_id(&self) -> &str {
        &self.correlation_id
    }
    /// What was sent (the decimal text of n).
    pub fn body(&self) -> &str {
        &self.body
    }
}

/// What came back for one correlation id, kept until someone waits for it.
#[derive(Debug)]
enum Answer {
    Value(String),
    Error { kind: String, message: String },
    Returned { code: u16, text: String },
}

/// One thing the broker told us while we waited.
enum Event {
    Reply(Result<ConsumerMessage, crossbeam_channel::RecvError>),
    Returned(Result<Return, crossbeam_channel::RecvError>),
    Nothing,
}

/// An RPC client on an open channel (the tutorial's `FibonacciRpcClient`).
///
/// `send` publishes and returns a [`PendingCall`] at once, so many calls can be in flight;
/// `wait` returns that call's answer whatever order replies arrive in. `call` does both.
///
/// One client per channel at a time: amiquip delivers returned messages to one listener per
/// channel, the latest one set up.
pub struct RpcClient<'ch> {
    channel: &'ch Channel,
    request_queue: String,
    callback_queue: String,
    replies: Consumer<'ch>,
    returns: Receiver<Return>,
    /// Correlation ids published and not answered yet.
    pending: HashSet<String>,
    /// Answers that arrived while we were waiting for another call.
    arrived: HashMap<String, Answer>,
    /// Replies with an unknown or already-answered correlation id (see [`RpcClient::discarded`]).
    discarded: u64,
}

impl Drop for RpcClient<'_> {
    fn drop(&mut self) {
        crate::broker::stop_consuming(&self.replies);
        // The broker would delete our exclusive queue with the connection; a program that keeps
        // its connection and makes another client (the tour, the tests) should not pile them up.
        let _ = self
            .channel
            .queue_delete(self.callback_queue.clone(), QueueDeleteOptions::default());
    }
}

impl<'ch> RpcClient<'ch> {
    /// Declares this client's callback queue and starts consuming it.
    pub fn new(channel: &'ch Channel, request_queue: &str) -> Result<Self, amiquip::Error> {
        // Must be set up before the first mandatory publish, or a return could slip past us.
        let returns = channel.listen_for_returns()?;
        // Name "" = let the broker pick one (amq.gen-…); exclusive = ours alone, deleted when
        // our connection closes.
        let options = QueueDeclareOptions {
            exclusive: true,
            ..QueueDeclareOptions::default()
        };
        let callback_queue = channel.queue_declare("", options)?.name().to_string();
        // no_ack = true (pika's auto_ack): a reply is only useful to us, never redelivered.
        let replies = channel.basic_consume(
            callback_queue.clone(),
            ConsumerOptions {
                no_ack: true,
                ..ConsumerOptions::default()
            },
        )?;
        Ok(RpcClient {
            channel,
            request_queue: request_queue.to_string(),
            callback_queue,
            replies,
            returns,
            pending: HashSet::new(),
            arrived: HashMap::new(),
            discarded: 0,
        })
    }

    /// The broker-named queue replies come to (`amq.gen-…`).
    pub fn callback_queue(&self) -> &str {
        &self.callback_queue
    }

    /// The queue requests go to (`rpc_queue`).
    pub fn request_queue(&self) -> &str {
        &self.request_queue
    }

    /// How many replies were thrown away because no call was waiting for their correlation id
    /// (a duplicate after a server died between reply and ack, or a reply after our timeout).
    pub fn discarded(&self) -> u64 {
        self.discarded
    }

    /// How many calls are published and not answered yet.
    pub fn in_flight(&self) -> usize {
        self.pending.len()
    }

    /// Publishes one request (`body` = the decimal text of n) and returns without waiting.
    pub fn send(&mut self, body: &str) -> Result<PendingCall, CallError> {
        let correlation_id = uuid::Uuid::new_v4().to_string(); // fresh per call
        let properties = AmqpProperties::default()
            .with_reply_to(self.callback_queue.clone())
            .with_correlation_id(correlation_id.clone());
        let mut publish =
            Publish::with_properties(body.as_bytes(), self.request_queue.clone(), properties);
        publish.mandatory = true; // unroutable = returned to us, not silently dropped
        self.channel.basic_publish("", publish)?;
        self.pending.insert(correlation_id.clone());
        Ok(PendingCall {
            correlation_id,
            body: body.to_string(),
        })
    }

    /// Waits up to `timeout` for the answer to `call`.
    pub fn wait(&mut self, call: PendingCall, timeout: Duration) -> Result<String, CallError> {
        self.wait_until(call, Instant::now() + timeout, timeout)
    }

    /// Waits until `deadline`; `timeout` is what the caller asked for (for the message).
    fn wait_until(
        &mut self,
        call: PendingCall,
        deadline: Instant,
        timeout: Duration,
    ) -> Result<String, CallError> {
        loop {
            if let Some(answer) = self.arrived.remove(&call.correlation_id) {
                return self.outcome(answer);
            }
            let left = deadline.saturating_duration_since(Instant::now());
            if left.is_zero() {
                // Last look at what already arrived, then give up on this call: a late reply
                // will be discarded.
                self.drain()?;
                if let Some(answer) = self.arrived.remove(&call.correlation_id) {
                    return self.outcome(answer);
                }
                self.pending.remove(&call.correlation_id);
                return Err(self.no_reply(timeout));
            }
            self.next_event(left)?;
        }
    }

    /// One call: publish, then wait up to `timeout` (the tutorial's `call(n)`).
    pub fn call(&mut self, body: &str, timeout: Duration) -> Result<String, CallError> {
        let call = self.send(body)?;
        self.wait(call, timeout)
    }

    /// Many calls in flight at once: publishes every body, then collects the answers (in the
    /// order of `bodies`) within one overall `timeout`.
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

    fn outcome(&self, answer: Answer) -> Result<String, CallError> {
        match answer {
            Answer::Value(value) => Ok(value),
            Answer::Error { kind, message } => Err(CallError::Server { kind, message }),
            Answer::Returned { code, text } => Err(CallError::NoQueue {
                queue: self.request_queue.clone(),
                code,
                text,
            }),
        }
    }

    /// Waits up to `left` for one reply or return and files it.
    fn next_event(&mut self, left: Duration) -> Result<(), CallError> {
        let event = select! {
            recv(self.replies.receiver()) -> message => Event::Reply(message),
            recv(self.returns) -> returned => Event::Returned(returned),
            default(left) => Event::Nothing,
        };
        self.file(event)
    }

    /// Files everything that has already arrived, without waiting.
    fn drain(&mut self) -> Result<(), CallError> {
        loop {
            let event = select! {
                recv(self.replies.receiver()) -> message => Event::Reply(message),
                recv(self.returns) -> returned => Event::Returned(returned),
                default => Event::Nothing,
            };
            if matches!(event, Event::Nothing) {
                return Ok(());
            }
            self.file(event)?;
        }
    }

    fn file(&mut self, event: Event) -> Result<(), CallError> {
        match event {
            Event::Reply(Ok(ConsumerMessage::Delivery(reply))) => self.file_reply(reply),
            Event::Reply(Ok(other)) => return Err(CallError::Closed(format!("{other:?}"))),
            Event::Reply(Err(_)) => {
                return Err(CallError::Closed("the connection is gone".to_string()))
            }
            Event::Returned(Ok(returned)) => {
                let id = returned
                    .properties
                    .correlation_id()
                    .clone()
                    .unwrap_or_default();
                let answer = Answer::Returned {
                    code: returned.reply_code,
                    text: returned.reply_text,
                };
                self.file_answer(id, answer);
            }
            Event::Returned(Err(_)) => {
                // Another RpcClient took over this channel's return listener (amiquip keeps one
                // per channel): stop selecting on a receiver that will never deliver again.
                tracing::debug!("return listener replaced; use one RpcClient per channel");
                self.returns = crossbeam_channel::never();
            }
            Event::Nothing => {}
        }
        Ok(())
    }

    fn file_reply(&mut self, reply: Delivery) {
        let id = reply
            .properties
            .correlation_id()
            .clone()
            .unwrap_or_default();
        let body = String::from_utf8_lossy(&reply.body).into_owned();
        let error_kind = reply
            .properties
            .headers()
            .as_ref()
            .and_then(|headers| headers.get(ERROR_HEADER))
            .map(|kind| match kind {
                AmqpValue::LongString(kind) => kind.clone(),
                other => format!("{other:?}"),
            });
        let answer = match error_kind {
            Some(kind) => Answer::Error {
                kind,
                message: body,
            },
            None => Answer::Value(body),
        };
        self.file_answer(id, answer);
    }

    /// Keeps an answer for its call — if a call is still waiting for that correlation id.
    fn file_answer(&mut self, id: String, answer: Answer) {
        if self.pending.remove(&id) {
            self.arrived.insert(id, answer);
        } else {
            // Unknown, timed out, or answered already (a duplicate): not ours to return.
            self.discarded += 1;
            tracing::warn!(correlation_id = %id, ?answer, "discarding a reply nobody is waiting for");
        }
    }

    /// Explains a timeout: asks the broker whether anyone consumes the request queue.
    fn no_reply(&self, timeout: Duration) -> CallError {
        let queue = self.request_queue.clone();
        match self.channel.queue_declare_passive(queue.clone()) {
            Ok(found) => {
                let consumers = found.declared_consumer_count().unwrap_or(0);
                if consumers == 0 {
                    CallError::NoConsumer {
                        queue,
                        timeout,
                        waiting: found.declared_message_count().unwrap_or(0),
                    }
                } else {
                    CallError::Timeout {
                        queue,
                        timeout,
                        consumers,
                    }
                }
            }
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
}
