//! The zerorpc event: every message either side sends, one MessagePack array per ZeroMQ
//! payload frame, `[header, name, args]` — and how an event goes onto and off a socket
//! ([`send`], [`recv`], [`recv_answer`]: zerorpc-python's `Events`).
//!
//! - `header` is a map with **str** keys: `message_id` (an opaque id, fresh for every event),
//!   `v` (the protocol version, always 3 here; without it a Python server falls back to
//!   protocol 1), and on every event after a conversation's first one `response_to` (the
//!   first event's `message_id`). Unknown keys are kept (middleware reads them) and ignored.
//! - `name` is a **str**: the method for a call; `OK`, `ERR`, `STREAM`, `STREAM_DONE` for
//!   answers; `_zpc_hb` (heartbeat) and `_zpc_more` (stream credit) for the channel itself.
//! - `args` is an array for a call (`[2, 3]`), `[result]` for `OK`, `[name, message,
//!   traceback]` for `ERR`, the item itself for `STREAM`, nil for `STREAM_DONE`.
//!
//! The reference is zerorpc-python's `events.py` (its doc/protocol.md is incomplete). Two
//! details matter for interop:
//! 1. Python packs with `use_bin_type=True`: its `bytes` are msgpack **bin**, its `str` are
//!    **str**. We decode into [`rmpv::Value`], which keeps the two apart, both ways.
//! 2. Python's ids are 32 hex characters sent as **bin**; other implementations send str.
//!    Python routes an answer by looking its `response_to` up in a dict of open channels, so
//!    a str reply to a bin id is silently dropped (and the call times out 30 s later). We
//!    therefore keep the id as the [`Value`] we received and echo it untouched.

use std::sync::atomic::{AtomicU32, Ordering};
use std::sync::OnceLock;
use std::time::{Duration, Instant};

use demo5_msgpack::codec::{self, DecodeError};
use rmpv::Value;

/// The protocol version we speak (zerorpc-python's current one).
pub const PROTOCOL_VERSION: i64 = 3;

/// The channel's own event names.
pub const HEARTBEAT: &str = "_zpc_hb";
pub const MORE: &str = "_zpc_more";
/// The answers.
pub const OK: &str = "OK";
pub const ERR: &str = "ERR";
pub const STREAM: &str = "STREAM";
pub const STREAM_DONE: &str = "STREAM_DONE";

/// One event, decoded.
#[derive(Debug, Clone, PartialEq)]
pub struct Event {
    pub header: Header,
    pub name: String,
    pub args: Value,
}

/// An event's header. `fields` is the whole map as received (or to be sent, minus the three
/// keys below), so middleware can read keys the protocol does not know, like `access_key`.
#[derive(Debug, Clone, PartialEq)]
pub struct Header {
    /// This event's id, exactly as received (bin from Python, str from others).
    pub message_id: Value,
    /// The conversation this event belongs to: the id of its first event.
    pub response_to: Option<Value>,
    /// The other keys (`v` included when received).
    pub fields: Vec<(Value, Value)>,
}

impl Header {
    /// A header for a new event with a fresh id.
    pub fn new(response_to: Option<Value>) -> Header {
        Header {
            message_id: new_message_id(),
            response_to,
            fields: Vec::new(),
        }
    }

    /// The value of an extra key (`access_key`, `v`, …).
    pub fn get(&self, key: &str) -> Option<&Value> {
        self.fields
            .iter()
            .find(|(k, _)| k.as_str() == Some(key))
            .map(|(_, v)| v)
    }

    /// The map as it goes on the wire: `message_id`, `v: 3`, `response_to`, then the extras.
    fn to_value(&self) -> Value {
        let mut map = vec![
            (Value::from("message_id"), self.message_id.clone()),
            (Value::from("v"), Value::from(PROTOCOL_VERSION)),
        ];
        if let Some(id) = &self.response_to {
            map.push((Value::from("response_to"), id.clone()));
        }
        map.extend(
            self.fields
                .iter()
                .filter(|(k, _)| k.as_str() != Some("v"))
                .cloned(),
        );
        Value::Map(map)
    }
}

impl Event {
    /// A new event with a fresh id (`response_to` set for every event but a conversation's first).
    pub fn new(name: &str, args: Value, response_to: Option<Value>) -> Event {
        Event {
            header: Header::new(response_to),
            name: name.to_string(),
            args,
        }
    }

    /// The MessagePack bytes of `[header, name, args]`.
    pub fn encode(&self) -> Vec<u8> {
        codec::encode(&Value::Array(vec![
            self.header.to_value(),
            Value::from(self.name.as_str()),
            self.args.clone(),
        ]))
    }

    /// Reads one event from a payload frame, refusing (with a reason) anything that is not
    /// `[{"message_id": …, …}, "name", args]`.
    pub fn decode(bytes: &[u8]) -> Result<Event, EventError> {
        let value = codec::decode(bytes)?;
        let Value::Array(parts) = value else {
            return Err(EventError::NotAnArray(codec::kind(&value)));
        };
        let Ok([header, name, args]) = <[Value; 3]>::try_from(parts) else {
            return Err(EventError::WrongLength);
        };
        let Value::Map(fields) = header else {
            return Err(EventError::HeaderNotAMap(codec::kind(&header)));
        };
        let Value::String(name) = name else {
            return Err(EventError::NameNotAString(codec::kind(&name)));
        };
        let name = name.into_str().ok_or(EventError::NameNotUtf8)?;
        let mut message_id = None;
        let mut response_to = None;
        let mut rest = Vec::new();
        for (key, value) in fields {
            match key.as_str() {
                Some("message_id") => message_id = Some(value),
                Some("response_to") => response_to = Some(value),
                _ => rest.push((key, value)),
            }
        }
        Ok(Event {
            header: Header {
                message_id: message_id.ok_or(EventError::NoMessageId)?,
                response_to,
                fields: rest,
            },
            name,
            args,
        })
    }
}

/// Why a payload is not a zerorpc event. The server logs it and drops the payload: without a
/// `message_id` there is nobody to answer.
#[derive(Debug, thiserror::Error)]
pub enum EventError {
    #[error(transparent)]
    Decode(#[from] DecodeError),
    #[error("an event is a MessagePack array [header, name, args], got {0}")]
    NotAnArray(&'static str),
    #[error("an event is an array of exactly 3 elements [header, name, args]")]
    WrongLength,
    #[error("an event's header must be a map, got {0}")]
    HeaderNotAMap(&'static str),
    #[error("an event's name must be a string, got {0}")]
    NameNotAString(&'static str),
    #[error("an event's name must be UTF-8")]
    NameNotUtf8,
    #[error("an event's header has no message_id")]
    NoMessageId,
}

/// A fresh message id the way zerorpc-python makes them: 32 hex characters, a counter (8) and
/// a random base (24), sent as **bin**.
pub fn new_message_id() -> Value {
    static BASE: OnceLock<(String, AtomicU32)> = OnceLock::new();
    let (base, counter) = BASE.get_or_init(|| {
        let random = uuid::Uuid::new_v4();
        let start = u32::from_be_bytes(random.as_bytes()[..4].try_into().expect("4 bytes"));
        (
            random.simple().to_string()[8..].to_string(),
            AtomicU32::new(start),
        )
    });
    let n = counter.fetch_add(1, Ordering::Relaxed);
    Value::Binary(format!("{n:08x}{base}").into_bytes())
}

/// A key for a message id that tells str and bin apart: its MessagePack bytes.
pub fn id_key(id: &Value) -> Vec<u8> {
    codec::encode(id)
}

/// Onto a socket: `[identity…, "", payload]` — the empty frame is the envelope's delimiter,
/// and a DEALER sends no identity (`&[]`); a ROUTER puts the client's first, so ZeroMQ knows
/// where it goes. (PUSH and PUB have no envelope: `crate::patterns` sends the payload alone.)
pub fn send(socket: &zmq::Socket, identity: &[Vec<u8>], payload: &[u8]) -> Result<(), zmq::Error> {
    let mut frames: Vec<&[u8]> = identity.iter().map(Vec::as_slice).collect();
    frames.push(b"");
    frames.push(payload);
    socket.send_multipart(frames, 0)
}

/// Why an event could not be read off a socket.
#[derive(Debug, thiserror::Error)]
pub enum RecvError {
    #[error(transparent)]
    Zmq(#[from] zmq::Error),
    #[error("not a zerorpc event: {0}")]
    Event(#[from] EventError),
}

/// Off a DEALER: the next event within `timeout` (`None` if none came), with its payload as
/// received, for a look at the bytes.
pub fn recv(
    socket: &zmq::Socket,
    timeout: Duration,
) -> Result<Option<(Vec<u8>, Event)>, RecvError> {
    let Some(mut frames) = common::zmq_util::recv_multipart_timeout(socket, timeout)? else {
        return Ok(None);
    };
    let payload = frames.pop().unwrap_or_default();
    let event = Event::decode(&payload)?;
    Ok(Some((payload, event)))
}

/// Off a DEALER: the answer to the call `id` within `timeout` (`None` if none came),
/// skipping its heartbeats and the events of other conversations.
pub fn recv_answer(
    socket: &zmq::Socket,
    id: &Value,
    timeout: Duration,
) -> Result<Option<Event>, RecvError> {
    let deadline = Instant::now() + timeout;
    let key = id_key(id);
    loop {
        let left = deadline.saturating_duration_since(Instant::now());
        let Some((_, event)) = recv(socket, left)? else {
            return Ok(None);
        };
        let mine = event.header.response_to.as_ref().map(id_key) == Some(key.clone());
        if mine && event.name != HEARTBEAT {
            return Ok(Some(event));
        }
        if left.is_zero() {
            return Ok(None);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ids_are_32_hex_characters_as_bin_and_differ() {
        let (a, b) = (new_message_id(), new_message_id());
        assert_ne!(a, b);
        let Value::Binary(bytes) = a else {
            panic!("ids are bin")
        };
        assert_eq!(bytes.len(), 32);
        assert!(bytes.iter().all(u8::is_ascii_hexdigit));
    }

    #[test]
    fn an_event_round_trips_with_its_id_type() {
        for id in [Value::from("abc"), Value::Binary(b"abc".to_vec())] {
            let mut event = Event::new(OK, Value::Array(vec![Value::from(5)]), Some(id.clone()));
            event.header.message_id = Value::from(7);
            let back = Event::decode(&event.encode()).expect("decodes");
            assert_eq!(back.header.response_to, Some(id.clone()));
            assert_eq!(back.header.get("v"), Some(&Value::from(3)));
            assert_eq!(back.name, "OK");
            assert_ne!(
                id_key(&Value::from("abc")),
                id_key(&Value::Binary(b"abc".to_vec()))
            );
        }
    }

    #[test]
    fn wrong_shapes_are_refused_with_a_reason() {
        let bad = |v: Value| Event::decode(&codec::encode(&v)).unwrap_err().to_string();
        assert!(bad(Value::from(1)).contains("array"));
        assert!(bad(Value::Array(vec![])).contains("exactly 3"));
        let no_map = Value::Array(vec![Value::from(1), Value::from("x"), Value::Nil]);
        assert!(bad(no_map).contains("header must be a map"));
        let no_id = Value::Array(vec![Value::Map(vec![]), Value::from("x"), Value::Nil]);
        assert!(bad(no_id).contains("message_id"));
    }
}
