//! The client when a broker node dies, and many calls in flight (`--calls N --in-flight K`):
//!
//! - **publisher confirms** (`confirm.select`): a request counts as sent when the broker confirms
//!   it; a `basic.nack`, or a `basic.return` (no queue to route to, yet), means publish it again;
//! - after a **reconnect**: a new reply queue (the old one was exclusive to the dead connection,
//!   on its node, and is gone) and every call not answered yet published again with its
//!   **original `correlation_id`**;
//! - a second reply to the same call (the request was delivered twice: re-sent, or redelivered
//!   after a server died between its reply and its ack) is **dropped and counted**: the caller
//!   sees each answer exactly once, although delivery is at-least-once;
//! - `--reply-to direct`: RabbitMQ's direct reply-to (`amq.rabbitmq.reply-to`) instead of a
//!   reply queue: nothing to declare, consumed (no-ack) on the same channel before publishing;
//!   a reply to a requester that has gone is dropped by the broker, so only our re-send saves it.

use std::collections::{HashMap, HashSet};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{Duration, Instant};

use amiquip::{
    Channel, Confirm, ConfirmSmoother, Connection, ConsumerMessage, ConsumerOptions,
    QueueDeclareOptions,
};
use crossbeam_channel::select;

use crate::broker::close_within;
use crate::client::request;
use crate::failover::brokers::Brokers;
use crate::questions::error_replies::{self, Answer};
use crate::{fib, NoBroker, RpcClient};

/// The pseudo-queue of RabbitMQ's direct reply-to.
pub const DIRECT_REPLY_TO: &str = "amq.rabbitmq.reply-to";
/// How long a returned request waits before it is published again (its queue may be on its way).
const RETURN_PAUSE: Duration = Duration::from_millis(200);
/// A request the broker neither confirms nor nacks within this is given up on this connection.
const CONFIRM_WITHIN: Duration = Duration::from_secs(3);
/// How long a finished run waits for its connection to close.
const CLOSE_WITHIN: Duration = Duration::from_secs(1);
/// How often the loop looks at the clock while nothing comes.
const TICK: Duration = Duration::from_millis(100);

/// Where replies come back (`--reply-to`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, clap::ValueEnum)]
pub enum ReplyTo {
    /// The tutorial's: an exclusive, server-named callback queue per connection.
    #[default]
    Queue,
    /// RabbitMQ's direct reply-to, `amq.rabbitmq.reply-to`: no queue at all.
    Direct,
}

/// What a load run does.
#[derive(Debug, Clone, Copy)]
pub struct LoadOptions {
    /// How many calls in all (n cycles over 0..=99; each answer is checked against `fib`).
    pub calls: usize,
    /// At most this many calls published and not answered yet.
    pub in_flight: usize,
    /// A call unanswered this long is published again; the run gives up when no answer at all
    /// has come for twice this long.
    pub timeout: Duration,
    pub reply_to: ReplyTo,
}

/// What a load run saw. Its `Display` is the one line the client ends with.
#[derive(Debug, Clone, Default)]
pub struct LoadReport {
    pub calls: usize,
    /// Calls with an answer (handed to the caller once each).
    pub answered: usize,
    /// Answers that were not `fib(n)`.
    pub wrong: usize,
    /// Requests published again: after a nack, a return, a reconnect or a long silence.
    pub resent: usize,
    /// Replies to calls answered already, dropped.
    pub duplicates: usize,
    /// Connections lost (and made again).
    pub reconnects: usize,
    /// When each answer arrived, in order (for "time from a node's death to the next answer").
    pub answer_times: Vec<Instant>,
}

impl LoadReport {
    /// Every call answered, and right.
    pub fn ok(&self) -> bool {
        self.answered == self.calls && self.wrong == 0
    }
}

impl std::fmt::Display for LoadReport {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "calls: {}, answered: {}, unanswered: {}, wrong: {}, re-sent: {}, duplicates dropped: {}",
            self.calls,
            self.answered,
            self.calls - self.answered,
            self.wrong,
            self.resent,
            self.duplicates
        )
    }
}

/// One call of the run: what it asks, and when it was last published.
#[derive(Debug)]
struct Call {
    n: u64,
    published: Instant,
}

/// Everything that outlives a connection.
#[derive(Debug)]
struct Run {
    options: LoadOptions,
    queue: String,
    created: usize,
    /// Correlation id → call, for every call not answered yet.
    outstanding: HashMap<String, Call>,
    answered: HashSet<String>,
    /// Returned requests, to publish again at the given time.
    returned: Vec<(Instant, String)>,
    last_answer: Instant,
    report: LoadReport,
}

/// How one connection's session ended.
enum Session {
    Finished,
    /// The broker nacked a request, or confirmed nothing for too long: the connection is
    /// alive but no use (see [`session`]); start again on the next broker.
    Refused(String),
    Lost(String),
}

/// Runs `options.calls` calls against `queue` on the first broker that answers, moving to the
/// next one whenever the connection drops. `answered` counts the answers as they come (for a
/// test that waits for the middle of the run). Fails only when no broker answers.
pub fn run_load(
    brokers: &mut Brokers,
    queue: &str,
    options: LoadOptions,
    answered: &AtomicUsize,
) -> Result<LoadReport, NoBroker> {
    let mut run = Run {
        options,
        queue: queue.to_string(),
        created: 0,
        outstanding: HashMap::new(),
        answered: HashSet::new(),
        returned: Vec::new(),
        last_answer: Instant::now(),
        report: LoadReport {
            calls: options.calls,
            ..LoadReport::default()
        },
    };
    let mut connection = brokers.connect()?;
    loop {
        match session(&mut connection, &mut run, answered) {
            Ok(Session::Finished) => {
                close_within(connection, CLOSE_WITHIN);
                return Ok(run.report);
            }
            Ok(Session::Refused(why)) => {
                run.report.reconnects += 1;
                close_within(connection, Duration::ZERO); // its close may wait on a stuck queue
                std::thread::sleep(RETURN_PAUSE); // a leader election takes a moment
                connection = brokers.reconnect(&why)?;
            }
            Ok(Session::Lost(why)) => {
                run.report.reconnects += 1;
                drop(connection);
                connection = brokers.reconnect(&why)?;
            }
            Err(error) => {
                run.report.reconnects += 1;
                drop(connection);
                connection = brokers.reconnect(&error.to_string())?;
            }
        }
    }
}

/// One connection's worth of the run: declare where replies come, publish again what is
/// outstanding, then keep `in_flight` calls going until every call is answered.
///
/// Why a nack (or a confirm that does not come) ends the connection: RabbitMQ 3.10 nacks what a
/// channel publishes to a quorum queue whose leader it believes dead, and a connection opened
/// during the leader's election went on believing so — nacking everything, then confirming
/// nothing — long after a new leader was there. The next broker, a moment later, knows better.
fn session(
    connection: &mut Connection,
    run: &mut Run,
    answered: &AtomicUsize,
) -> Result<Session, amiquip::Error> {
    let channel = connection.open_channel(None)?;
    let returns = channel.listen_for_returns()?;
    let confirms = channel.listen_for_publisher_confirms()?;
    channel.enable_publisher_confirms()?;
    let no_ack = ConsumerOptions {
        no_ack: true,
        ..ConsumerOptions::default()
    };
    // Direct reply-to must be consumed on this channel before the first publish.
    let reply_to = match run.options.reply_to {
        ReplyTo::Queue => {
            let exclusive = QueueDeclareOptions {
                exclusive: true,
                ..QueueDeclareOptions::default()
            };
            channel.queue_declare("", exclusive)?.name().to_string()
        }
        ReplyTo::Direct => DIRECT_REPLY_TO.to_string(),
    };
    let replies = channel.basic_consume(reply_to.clone(), no_ack)?;
    let mut publisher = Publisher {
        channel: &channel,
        reply_to,
        next_tag: 1, // confirm tags count from 1 on each channel
        unconfirmed: HashMap::new(),
        smoother: ConfirmSmoother::new(),
    };
    // The calls the last connection left unanswered: their replies (if any) went to a reply
    // queue that is gone. Same correlation id, so a late duplicate is recognised.
    let mut again: Vec<String> = run.outstanding.keys().cloned().collect();
    again.sort(); // any order will do; a fixed one is easier to follow in a log
    for id in again {
        run.report.resent += 1;
        publisher.publish(run, &id)?;
    }

    loop {
        run.top_up(&mut publisher)?;
        if run.answered.len() == run.options.calls
            || run.last_answer.elapsed() > 2 * run.options.timeout
        {
            crate::broker::stop_consuming(&replies);
            return Ok(Session::Finished);
        }
        select! {
            recv(replies.receiver()) -> message => match message {
                Ok(ConsumerMessage::Delivery(reply)) => {
                    run.take_reply(error_replies::read(&reply), answered);
                }
                Ok(other) => return Ok(Session::Lost(format!("{other:?}"))),
                Err(_) => return Ok(Session::Lost("the connection is gone".to_string())),
            },
            recv(confirms) -> confirm => match confirm {
                Ok(confirm) => {
                    if publisher.confirmed(confirm) {
                        return Ok(Session::Refused("the broker nacked a request".to_string()));
                    }
                }
                Err(_) => return Ok(Session::Lost("the connection is gone".to_string())),
            },
            recv(returns) -> returned => match returned {
                Ok(returned) => {
                    let (code, text) = (returned.reply_code, &returned.reply_text);
                    tracing::info!(code, text, "request returned by the broker: publishing it again");
                    if let Some(id) = returned.properties.correlation_id() {
                        run.returned.push((Instant::now() + RETURN_PAUSE, id.clone()));
                    }
                }
                Err(_) => return Ok(Session::Lost("the connection is gone".to_string())),
            },
            default(TICK) => {}
        }
        if publisher
            .oldest_unconfirmed()
            .is_some_and(|age| age > CONFIRM_WITHIN)
        {
            let why = format!("no confirm within {CONFIRM_WITHIN:?}");
            return Ok(Session::Refused(why));
        }
    }
}

/// Publishes requests on one channel with confirms on, remembering which tag is which call.
struct Publisher<'ch> {
    channel: &'ch Channel,
    reply_to: String,
    next_tag: u64,
    /// Delivery tag → (correlation id, when published).
    unconfirmed: HashMap<u64, (String, Instant)>,
    smoother: ConfirmSmoother,
}

impl Publisher<'_> {
    fn publish(&mut self, run: &mut Run, id: &str) -> Result<(), amiquip::Error> {
        let Some(call) = run.outstanding.get_mut(id) else {
            return Ok(()); // answered in the meantime
        };
        call.published = Instant::now();
        let body = call.n.to_string();
        let publish = request(&run.queue, &body, &self.reply_to, id);
        self.channel.basic_publish("", publish)?;
        self.unconfirmed
            .insert(self.next_tag, (id.to_string(), Instant::now()));
        self.next_tag += 1;
        Ok(())
    }

    /// A confirm (perhaps for several tags): an ack ends our worry, a nack means publish again
    /// (every unanswered call is, on the next channel). True when there was a nack.
    fn confirmed(&mut self, confirm: Confirm) -> bool {
        let mut nacked = false;
        for single in self.smoother.process(confirm) {
            let (Confirm::Ack(payload) | Confirm::Nack(payload)) = single;
            let id = self.unconfirmed.remove(&payload.delivery_tag);
            if let (Confirm::Nack(_), Some((id, _))) = (single, id) {
                tracing::info!(correlation_id = %id, "request nacked by the broker");
                nacked = true;
            }
        }
        nacked
    }

    /// How long the oldest request not confirmed yet has waited.
    fn oldest_unconfirmed(&self) -> Option<Duration> {
        let oldest = self.unconfirmed.values().map(|(_, at)| *at).min()?;
        Some(oldest.elapsed())
    }
}

impl Run {
    /// Publishes what is due again (returned, nacked, unanswered for too long), then new calls
    /// until `in_flight` are outstanding.
    fn top_up(&mut self, publisher: &mut Publisher<'_>) -> Result<(), amiquip::Error> {
        let now = Instant::now();
        let (due, later): (Vec<_>, Vec<_>) =
            self.returned.drain(..).partition(|(when, _)| *when <= now);
        self.returned = later;
        let mut again: Vec<String> = due.into_iter().map(|(_, id)| id).collect();
        let stale = self.options.timeout;
        again.extend(
            self.outstanding
                .iter()
                .filter(|(_, call)| call.published.elapsed() > stale)
                .map(|(id, _)| id.clone()),
        );
        again.sort();
        again.dedup();
        for id in again {
            if self.outstanding.contains_key(&id) {
                self.report.resent += 1;
                publisher.publish(self, &id)?;
            }
        }
        while self.outstanding.len() < self.options.in_flight && self.created < self.options.calls {
            let id = uuid::Uuid::new_v4().to_string();
            let n = (self.created % 100) as u64;
            self.created += 1;
            let published = Instant::now();
            self.outstanding.insert(id.clone(), Call { n, published });
            publisher.publish(self, &id)?;
        }
        Ok(())
    }

    /// A reply: the answer for its call, the first time; a duplicate after that.
    fn take_reply(&mut self, (id, answer): (String, Answer), answered: &AtomicUsize) {
        let Some(call) = self.outstanding.remove(&id) else {
            self.report.duplicates += 1;
            tracing::debug!(correlation_id = %id, "dropping a second reply to an answered call");
            return;
        };
        let want = fib(call.n).map(|value| value.to_string());
        if !matches!(&answer, Answer::Value(value) if Some(value) == want.as_ref()) {
            self.report.wrong += 1;
            tracing::warn!(n = call.n, ?answer, "wrong answer");
        }
        self.answered.insert(id);
        self.report.answered += 1;
        self.report.answer_times.push(Instant::now());
        self.last_answer = Instant::now();
        answered.fetch_add(1, Ordering::Relaxed);
    }
}

/// The tutorial's one call on `connection` (to the current broker of `brokers`); if the
/// connection drops before the answer comes, the call is made again on the next broker (a fresh
/// call: the reply queue of the first one is gone with its connection), at most once per broker.
pub fn call_with_failover(
    brokers: &mut Brokers,
    mut connection: Connection,
    queue: &str,
    body: &str,
    timeout: Duration,
) -> anyhow::Result<String> {
    let mut tries = 0;
    loop {
        let outcome = {
            let channel = connection.open_channel(None)?;
            let mut client = RpcClient::new(&channel, queue)?;
            client.call(body, timeout)
        };
        match outcome {
            Ok(answer) => {
                let _ = connection.close();
                return Ok(answer);
            }
            Err(error @ (crate::CallError::Closed(_) | crate::CallError::Amqp(_)))
                if tries < brokers.urls().len() =>
            {
                tries += 1;
                drop(connection);
                connection = brokers.reconnect(&error.to_string())?;
            }
            Err(error) => return Err(error.into()),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_report_is_one_line_in_a_fixed_form() {
        let report = LoadReport {
            calls: 300,
            answered: 299,
            wrong: 0,
            resent: 12,
            duplicates: 3,
            ..LoadReport::default()
        };
        assert_eq!(
            report.to_string(),
            "calls: 300, answered: 299, unanswered: 1, wrong: 0, re-sent: 12, duplicates dropped: 3"
        );
        assert!(!report.ok());
    }
}
