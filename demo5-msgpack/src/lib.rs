//! Section 5 — a real payload: MessagePack over ZeroMQ request/reply.
//!
//! Sections 1–4 sent text. Real programs send structured data, and both ends must agree on how
//! it becomes bytes. ZeroMQ does not care: a frame is just bytes. This section picks
//! MessagePack, "like JSON, but fast and small" (<https://msgpack.org>): the same shapes as
//! JSON — nil, booleans, integers, floats, strings, binary, arrays, maps — each value introduced
//! by a one-byte *marker* that says its type and often its length too.
//!
//! Wire format: one ZeroMQ frame holding exactly one MessagePack value.
//! - request: an array; the tutorial sends `["hello", "world"]`, 13 bytes:
//!   `92` (fixarray of 2) `a5 68 65 6c 6c 6f` (fixstr of 5, "hello") `a5 77 6f 72 6c 64` ("world");
//! - reply: the same array reversed, `["world", "hello"]`;
//! - anything else (not MessagePack, not an array, several frames): the map
//!   `{"error": "<what went wrong>"}`. A REP server *must* answer every request, or its REQ
//!   peer waits forever — so a bad request gets an error reply, never silence or a crash.
//!
//! We decode into [`rmpv::Value`], MessagePack's "any value" type, because the server accepts
//! any array: of strings, integers, maps, nested arrays… How the bytes become a value, safely
//! (they come from the network), is in [`codec`]; section 6 reuses it.

use std::io::Write;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Duration;

// Both presented in the README (the safe decoder, the explainer the tour prints): public.
pub mod codec;
pub mod explain;

pub use codec::{as_error, decode, encode, error_value, kind, DecodeError, Value};

/// What the tutorial's client sends.
pub const GREETING: [&str; 2] = ["hello", "world"];

/// How often the server loop looks at its shutdown flag while no request arrives.
const SHUTDOWN_CHECK: Duration = Duration::from_millis(100);

/// Why a request cannot be answered with a reversed array. The text goes back to the client in
/// the `{"error": …}` reply, so it says what was expected.
#[derive(Debug, thiserror::Error)]
pub enum RequestError {
    #[error("expected one frame holding a MessagePack array, got {0} frames")]
    Multipart(usize),
    #[error(transparent)]
    Decode(#[from] DecodeError),
    #[error("expected a MessagePack array, got {0}")]
    NotAnArray(&'static str),
}

/// Decodes the single MessagePack value of a one-frame message.
pub fn decode_frames(frames: &[Vec<u8>]) -> Result<Value, RequestError> {
    match frames {
        [frame] => Ok(decode(frame)?),
        _ => Err(RequestError::Multipart(frames.len())),
    }
}

/// The server's whole job: reverse an array, refuse anything else.
pub fn reverse(request: Value) -> Result<Value, RequestError> {
    match request {
        Value::Array(mut items) => {
            items.reverse();
            Ok(Value::Array(items))
        }
        other => Err(RequestError::NotAnArray(kind(&other))),
    }
}

/// The reply bytes for one request (a list of frames): always something, never a panic.
/// The server loop's own code ([`respond`]), without its console.
pub fn reply_to(frames: &[Vec<u8>]) -> Vec<u8> {
    respond(frames, &mut std::io::sink())
}

/// What the server does with one request: prints `Get message: <decoded request>` on
/// `console` and returns the reply bytes — the reversed array, or `{"error": …}` (and a
/// warning on stderr) when the request is not an array.
pub fn respond(frames: &[Vec<u8>], console: &mut impl Write) -> Vec<u8> {
    let answer = decode_frames(frames).and_then(|request| {
        let _ = writeln!(console, "Get message: {request}");
        let _ = console.flush();
        reverse(request)
    });
    let reply = answer.unwrap_or_else(|e| {
        tracing::warn!(error = %e, "bad request; replying with an error");
        error_value(e.to_string())
    });
    encode(&reply)
}

/// The request the client sends: an array of strings.
pub fn request_bytes<S: AsRef<str>>(words: &[S]) -> Vec<u8> {
    let items = words.iter().map(|w| Value::from(w.as_ref())).collect();
    encode(&Value::Array(items))
}

/// Serves `socket` (a bound REP socket) until `shutdown` is set, answering every request with
/// [`respond`]. `shutdown` is looked at between requests, so the request in hand is always
/// answered first; the binary raises it on Ctrl-C (`common::shutdown`).
///
/// `console` is where the tutorial's lines go (stdout in the binary, a buffer in tests).
pub fn serve(
    socket: &zmq::Socket,
    console: &mut impl Write,
    shutdown: &AtomicBool,
) -> Result<(), zmq::Error> {
    while !shutdown.load(Ordering::Relaxed) {
        // Wait at most SHUTDOWN_CHECK (ZMQ_RCVTIMEO), so the loop looks at `shutdown` often.
        let Some(frames) = common::zmq_util::recv_multipart_timeout(socket, SHUTDOWN_CHECK)? else {
            continue;
        };
        // Whatever the request was, the REP socket now owes its peer exactly one reply.
        socket.send(respond(&frames, console), 0)?;
    }
    Ok(())
}
