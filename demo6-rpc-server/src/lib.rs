//! Section 6 — a tiny RPC framework: remote function calls as MessagePack over ZeroMQ REQ/REP.
//!
//! Section 5 sent data; here the data *names a function* and its arguments, and the server
//! calls it. That is all RPC is: a request format, a route table, a reply format.
//!
//! Wire format (one ZeroMQ frame each way, MessagePack as in section 5):
//! - request: a **map** with two string keys, the tutorial's call being
//!   `{"function_name": "plus", "parameters": [1, 2, 2, 3, 3, 4, 2, 3, -1]}`:
//!   `82` (fixmap, 2 entries) `ad "function_name"` `a4 "plus"` `aa "parameters"`
//!   `99` (fixarray, 9) `01 02 02 03 03 04 02 03 ff` (−1 is the one byte `ff`);
//! - reply on success: the bare result, `13` (the integer 19) — the Python client prints `19`;
//! - reply on failure: the map `{"error": "<what went wrong>"}`. The tutorial's PHP server
//!   crashes on an unknown name or bad parameters; ours answers and keeps serving.
//!
//! Simplified: a result that is itself a map `{"error": …}` (say `echo({"error": "x"})`) looks
//! just like a failure. JSON-RPC (section 9) avoids that with separate `result` and `error`
//! members.

use std::io::Write;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::{Duration, Instant};

use common::stay_awake;

use demo5_msgpack::codec::{self, DecodeError, Value};
use serde::{Deserialize, Serialize};

// The lesson's modules, each presented in the README: public.
pub mod functions;
pub mod number;
pub mod router;

pub use number::Number;
pub use router::{CallError, Router};

/// The tutorial's call.
pub const TUTORIAL_FUNCTION: &str = "plus";
/// The tutorial's parameters (they sum to 19).
pub const TUTORIAL_PARAMETERS: [i64; 9] = [1, 2, 2, 3, 3, 4, 2, 3, -1];

/// How often the server loop looks at its shutdown flag while no request arrives.
const SHUTDOWN_CHECK: Duration = Duration::from_millis(100);

/// A call, as the tutorial's clients send it. The field names are the map's keys on the wire.
///
/// Careful when encoding: `rmp_serde::to_vec` writes a struct as an *array* of its fields
/// (`["plus", [1, 2]]`), compact but unreadable for the Python and PHP peers, which expect a
/// map; [`Request::to_bytes`] uses `rmp_serde::to_vec_named`, which writes the map.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Request {
    pub function_name: String,
    pub parameters: Vec<Value>,
}

impl Request {
    /// A call of `function_name` with `parameters`.
    pub fn new(function_name: impl Into<String>, parameters: Vec<Value>) -> Request {
        Request {
            function_name: function_name.into(),
            parameters,
        }
    }

    /// `plus(1, 2, 2, 3, 3, 4, 2, 3, -1)`, the tutorial's call.
    pub fn tutorial() -> Request {
        Request::new(
            TUTORIAL_FUNCTION,
            TUTORIAL_PARAMETERS
                .iter()
                .map(|&n| Value::from(n))
                .collect(),
        )
    }

    /// The request's MessagePack bytes: a map with string keys.
    pub fn to_bytes(&self) -> Vec<u8> {
        rmp_serde::to_vec_named(self).expect("a string and a list of values always encode")
    }

    /// What `rmp_serde::to_vec` writes for this request: an *array* `["plus", [1, 2]]`, field
    /// names dropped. Compact, but not this protocol — the server refuses it and says why.
    pub fn to_array_bytes(&self) -> Vec<u8> {
        rmp_serde::to_vec(self).expect("a string and a list of values always encode")
    }

    /// The call as a person would write it: `plus(1, 2, 3)`.
    pub fn display_call(&self) -> String {
        let parameters: Vec<String> = self.parameters.iter().map(Value::to_string).collect();
        format!("{}({})", self.function_name, parameters.join(", "))
    }
}

/// Everything that can go wrong with a request. The text goes back in `{"error": …}`.
#[derive(Debug, thiserror::Error)]
pub enum RpcError {
    #[error("expected one frame holding a MessagePack map, got {0} frames")]
    Multipart(usize),
    #[error(transparent)]
    Decode(#[from] DecodeError),
    #[error("expected a MessagePack map {{\"function_name\": …, \"parameters\": […]}}, got an array (a struct encoded with rmp_serde::to_vec? use to_vec_named)")]
    ArrayNotMap,
    #[error("expected a MessagePack map {{\"function_name\": …, \"parameters\": […]}}, got {0}")]
    NotAMap(&'static str),
    #[error("bad request map: {0}")]
    BadRequest(String),
    #[error(transparent)]
    Call(#[from] CallError),
}

/// Reads a request: one frame, one MessagePack value, a map with the two keys.
pub fn parse_request(frames: &[Vec<u8>]) -> Result<Request, RpcError> {
    let [frame] = frames else {
        return Err(RpcError::Multipart(frames.len()));
    };
    let value = codec::decode(frame)?;
    match value {
        Value::Map(_) => {
            rmpv::ext::from_value(value).map_err(|e| RpcError::BadRequest(router::serde_message(e)))
        }
        Value::Array(_) => Err(RpcError::ArrayNotMap),
        other => Err(RpcError::NotAMap(codec::kind(&other))),
    }
}

/// Answers one request: the function's result, or why there is none. A successful call is
/// written to `console` as `plus(1, 2, 2, 3, 3, 4, 2, 3, -1) = 19` (flushing is the caller's:
/// [`serve`] flushes before it waits for the next request).
pub fn answer(
    router: &Router,
    frames: &[Vec<u8>],
    console: &mut impl Write,
) -> Result<Value, RpcError> {
    let request = parse_request(frames)?;
    let call = request.display_call();
    let result = router.call(&request.function_name, request.parameters)?;
    let _ = writeln!(console, "{call} = {result}");
    Ok(result)
}

/// The reply bytes for one request: the bare result, or `{"error": …}`. Never a panic.
/// The server loop's own code ([`respond`]), without its console.
pub fn reply_to(router: &Router, frames: &[Vec<u8>]) -> Vec<u8> {
    respond(router, frames, &mut std::io::sink())
}

/// What the server does with one request: [`answer`] it, and turn a failure into
/// `{"error": …}` (with a warning on stderr). Returns the reply bytes.
pub fn respond(router: &Router, frames: &[Vec<u8>], console: &mut impl Write) -> Vec<u8> {
    let reply = answer(router, frames, console).unwrap_or_else(|e| {
        tracing::warn!(error = %e, "bad call; replying with an error");
        codec::error_value(e.to_string())
    });
    codec::encode(&reply)
}

/// Serves `socket` (a bound REP socket) with the functions of `router` until `shutdown` is set,
/// answering every request with [`respond`]. `shutdown` is looked at between requests, so the
/// request in hand is always answered first; the binary raises it on Ctrl-C
/// (`common::shutdown`).
///
/// `console` is where the console lines go (stdout behind a `BufWriter` in the binary, a
/// buffer in tests); it is flushed before each wait and at the end.
pub fn serve(
    socket: &zmq::Socket,
    router: &Router,
    console: &mut impl Write,
    shutdown: &AtomicBool,
) -> Result<(), zmq::Error> {
    let mut awake_until = Instant::now();
    while !shutdown.load(Ordering::Relaxed) {
        // Wait at most SHUTDOWN_CHECK (ZMQ_RCVTIMEO), so the loop looks at `shutdown` often.
        // Not the lesson (common::stay_awake says why): the console is flushed only before a
        // wait, and until `awake_until` the wait does not sleep.
        let flush = || {
            let _ = console.flush();
        };
        let Some(frames) = stay_awake::recv_multipart(socket, awake_until, SHUTDOWN_CHECK, flush)?
        else {
            continue;
        };
        // Whatever the request was, the REP socket now owes its peer exactly one reply.
        socket.send(respond(router, &frames, console), 0)?;
        awake_until = Instant::now() + stay_awake::WINDOW; // the next request is probably near
    }
    let _ = console.flush();
    Ok(())
}

/// Reads a command-line parameter: a JSON literal if it is one (`3`, `2.5`, `true`, `[1, 2]`,
/// `{"a": 1}`, `"7"`), otherwise the text itself as a string (`Ada`).
pub fn parse_parameter(text: &str) -> Value {
    serde_json::from_str::<Value>(text).unwrap_or_else(|_| Value::from(text))
}

/// A reply as the client prints it: a string bare (`Hello, Ada!`), anything else as MessagePack
/// values print (`19`, `[1, 2]`, `{"count": 3}`).
pub fn display_value(value: &Value) -> String {
    match value.as_str() {
        Some(text) => text.to_string(),
        None => value.to_string(),
    }
}
