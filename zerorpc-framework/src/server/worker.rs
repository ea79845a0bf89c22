//! A worker: one call, on a thread of its own ([`crate::workers`]). It runs the registry's
//! middleware and method, then hands each event it answers with to the I/O thread through
//! its [`Channel`], waiting for stream credit before each `STREAM`. (A quick method's calls
//! run the same [`answer`] on the I/O thread itself: [`Outbox::Here`].)

use std::sync::{Arc, Mutex};
use std::time::Instant;

use rmpv::Value;

use super::registry::Registry;
use crate::channel::Credit;
use crate::events::{self, Event};
use crate::method::{Answer, Failure};
use crate::middleware::Call;

/// The part of a conversation a worker shares with the I/O thread: where its events go, and
/// the credit it may spend.
pub(super) struct Channel {
    pub(super) id: u64,
    pub(super) request_id: Value,
    pub(super) credit: Credit,
    pub(super) outbox: Outbox,
}

/// Where a call's events go.
pub(super) enum Outbox {
    /// From a worker thread: the `inproc://` PUSH socket the I/O thread polls (`None` once
    /// the server stopped).
    Thread(Arc<Mutex<Option<zmq::Socket>>>),
    /// On the I/O thread: kept, `(payload, last)`, until it sends them on the ROUTER.
    Here(Mutex<Vec<(Vec<u8>, bool)>>),
}

impl Channel {
    /// Sends one event of this conversation once there is credit; `false` if it is closed.
    pub(super) fn send(&self, name: &str, args: Value, last: bool) -> bool {
        if !self.credit.spend() {
            return false;
        }
        let payload = Event::new(name, args, Some(self.request_id.clone())).encode();
        match &self.outbox {
            Outbox::Thread(socket) => {
                let socket = socket.lock().unwrap_or_else(|p| p.into_inner());
                let Some(socket) = socket.as_ref() else {
                    return false;
                };
                let frames = [&self.id.to_be_bytes()[..], &[u8::from(last)], &payload];
                socket.send_multipart(frames, 0).is_ok()
            }
            Outbox::Here(events) => {
                let mut events = events.lock().unwrap_or_else(|p| p.into_inner());
                events.push((payload, last));
                true
            }
        }
    }
}

/// A worker: middleware and method, then the answer event(s). (The console line is the
/// console middleware's, around the method like any other aspect.)
pub(super) fn answer(registry: &Registry, channel: &Channel, event: Event) {
    let method = event.name.as_str();
    // zerorpc-python reads a header without `v` as protocol 1, whose ERR is one string.
    let v1 = match event.header.get("v") {
        None => true,
        Some(v) => v.as_i64().is_some_and(|v| v < 2),
    };
    let err = |failure: &Failure| {
        if v1 {
            failure.to_args_v1()
        } else {
            failure.to_args(method)
        }
    };
    let Value::Array(args) = event.args else {
        let why = format!(
            "a call's args must be an array, got {}",
            demo5_msgpack::kind(&event.args)
        );
        tracing::warn!(method, "{why}");
        channel.send(events::ERR, err(&Failure::new("TypeError", why)), true);
        return;
    };
    let call = Call {
        method,
        args: &args,
        header: &event.header,
    };
    let started = Instant::now();
    let outcome = registry.call(&call);
    registry.timed(method, started.elapsed());
    match outcome {
        Ok(Answer::Value(value)) => {
            channel.send(events::OK, Value::Array(vec![value]), true);
        }
        Ok(Answer::Stream(items)) => {
            for item in items {
                match item {
                    Ok(value) => {
                        if !channel.send(events::STREAM, value, false) {
                            return; // the client is gone: the stream is abandoned
                        }
                    }
                    Err(failure) => {
                        channel.send(events::ERR, err(&failure), true);
                        return;
                    }
                }
            }
            channel.send(events::STREAM_DONE, Value::Nil, true);
        }
        Err(failure) => {
            channel.send(events::ERR, err(&failure), true);
        }
    }
}
