//! Section 7 of the tutorial: **RPC over RabbitMQ** (RabbitMQ tutorial 6, "Remote procedure call").
//!
//! There is no socket between client and server here: both talk to a broker.
//!
//! ```text
//!  client ──publish "30"──▶ [ rpc_queue ] ──▶ server (prefetch 1)
//!     ▲   reply_to = amq.gen-…                   │ computes fib(30)
//!     │   correlation_id = <uuid4>               │
//!     └──── [ amq.gen-… callback queue ] ◀──publish "832040"── (same correlation_id), then ack
//! ```
//!
//! - [`server`]: declares (or reuses) the request queue, consumes it with `prefetch_count = 1`,
//!   answers each request to its `reply_to` queue and only then acks it.
//! - [`client`]: one exclusive, server-named callback queue per client; every call gets a fresh
//!   `correlation_id`, so many calls can be in flight and each reply finds its caller.
//! - This file: the wire contract both halves share (queue names, the error header) and the two
//!   functions a server can offer ([`Function::Fib`], and the `s14rpc` variant [`Function::Plus100`]).
//!
//! Wire format (AMQP 0-9-1 `basic.publish` on the default exchange `""`): the body is the decimal
//! text of a number (`b"30"`), both ways. Properties used: `reply_to`, `correlation_id`, and on
//! error replies only, the header [`ERROR_HEADER`].

pub mod broker;
pub mod client;
pub mod server;

pub use broker::{broker_address, connect, redact, ConnectError, CONNECT_TIMEOUT};

pub use client::{CallError, PendingCall, RpcClient};
pub use server::{ensure_request_queue, serve, ServeStats, ServerError, ServerThread};

/// The AMQP client library (blocking, like pika's `BlockingConnection`), re-exported so the tour
/// and the tests use the very same version.
pub use amiquip;
/// Channels with `select!`, which the client uses to wait for a reply *or* a returned request.
pub use crossbeam_channel;

/// The request queue of the RabbitMQ tutorial.
pub const RPC_QUEUE: &str = "rpc_queue";
/// The request queue of the second write-up of the tutorial, whose server computes `n + 100`.
pub const S14_QUEUE: &str = "s14rpc";
/// The tutorial's client asks for fib(30).
pub const DEFAULT_N: &str = "30";
/// The server takes one unacknowledged request at a time (`basic.qos(prefetch_count = 1)`), so
/// a busy server leaves the next request in the queue for an idle one: fair dispatch.
pub const PREFETCH: u16 = 1;
/// Header set on **error** replies only; its value is the error kind (e.g. `not-a-number`) and the
/// body is a sentence for a person. Successful replies carry no header at all, exactly like the
/// tutorial's Python server, so the tutorial's client keeps working for valid input.
pub const ERROR_HEADER: &str = "x-rpc-error";

/// What a server computes. Selected with `--function`; each has its tutorial queue.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum Function {
    /// The RabbitMQ tutorial: the n-th Fibonacci number (queue `rpc_queue`).
    Fib,
    /// The second write-up (`s14rpc`): n + 100.
    Plus100,
}

impl Function {
    /// The name printed in console lines: ` [.] fib(30)`.
    pub fn name(self) -> &'static str {
        match self {
            Function::Fib => "fib",
            Function::Plus100 => "plus100",
        }
    }

    /// The queue the tutorial uses for this function.
    pub fn default_queue(self) -> &'static str {
        match self {
            Function::Fib => RPC_QUEUE,
            Function::Plus100 => S14_QUEUE,
        }
    }

    /// Parses a request body and computes the reply body. Never panics: every bad input is a
    /// [`RequestError`], which the server sends back as an error reply.
    pub fn apply(self, body: &[u8]) -> Result<String, RequestError> {
        self.compute(parse_request(body)?)
    }

    /// Computes the reply body for an already parsed n.
    pub fn compute(self, n: i128) -> Result<String, RequestError> {
        match self {
            Function::Fib => {
                if n < 0 {
                    return Err(RequestError::Negative(n));
                }
                let n = u64::try_from(n).map_err(|_| RequestError::TooLarge(n.to_string()))?;
                fib(n)
                    .map(|value| value.to_string())
                    .ok_or(RequestError::TooLarge(format!("fib({n})")))
            }
            Function::Plus100 => n
                .checked_add(100)
                .map(|value| value.to_string())
                .ok_or(RequestError::TooLarge(format!("{n} + 100"))),
        }
    }
}

/// Reads the request body: the decimal text of an integer (surrounding spaces allowed, as
/// Python's `int(body)` allows them).
pub fn parse_request(body: &[u8]) -> Result<i128, RequestError> {
    let text = std::str::from_utf8(body).map_err(|_| RequestError::NotText)?;
    let text = text.trim();
    text.parse::<i128>().map_err(|e| match e.kind() {
        std::num::IntErrorKind::PosOverflow | std::num::IntErrorKind::NegOverflow => {
            RequestError::TooLarge(shorten(text))
        }
        _ => RequestError::NotANumber(shorten(text)),
    })
}

/// At most 40 characters of a bad request, for the error reply: echoing a megabyte back is no help.
fn shorten(text: &str) -> String {
    const KEEP: usize = 40;
    match text.char_indices().nth(KEEP) {
        Some((cut, _)) => format!("{}…", &text[..cut]),
        None => text.to_string(),
    }
}

/// The n-th Fibonacci number, or `None` when it does not fit in a `u128` (n > 186).
///
/// The tutorial's server uses the textbook recursion, which takes seconds for n = 35; a loop
/// gives the same numbers at once. (The Python server has big integers; we chose `u128` and a
/// clear error instead.)
///
/// ```
/// assert_eq!(amqp_fibonacci::fib(30), Some(832040));
/// assert!(amqp_fibonacci::fib(186).is_some());
/// assert_eq!(amqp_fibonacci::fib(187), None);
/// ```
pub fn fib(n: u64) -> Option<u128> {
    if n == 0 {
        return Some(0);
    }
    let (mut previous, mut current) = (0u128, 1u128); // fib(0), fib(1)
    for _ in 1..n {
        let next = previous.checked_add(current)?;
        previous = current;
        current = next;
    }
    Some(current)
}

/// Why a request cannot be answered with a number. Sent back as an error reply, never a crash.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum RequestError {
    #[error("the request body is not UTF-8 text")]
    NotText,
    #[error("{0:?} is not a whole decimal number")]
    NotANumber(String),
    #[error("fib({0}) is not defined: n must be 0 or more")]
    Negative(i128),
    #[error("{0} is too large: the result would not fit in 128 bits")]
    TooLarge(String),
}

impl RequestError {
    /// The value of the [`ERROR_HEADER`] header: a stable, greppable kind.
    pub fn kind(&self) -> &'static str {
        match self {
            RequestError::NotText => "not-text",
            RequestError::NotANumber(_) => "not-a-number",
            RequestError::Negative(_) => "negative",
            RequestError::TooLarge(_) => "too-large",
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fib_matches_the_recursive_definition() {
        let expected = [0u128, 1, 1, 2, 3, 5, 8, 13, 21, 34, 55];
        for (n, want) in expected.iter().enumerate() {
            assert_eq!(fib(n as u64), Some(*want), "fib({n})");
        }
        assert_eq!(fib(30), Some(832_040));
        assert_eq!(
            fib(186),
            Some(332_825_110_087_067_562_321_196_029_789_634_457_848)
        );
        assert_eq!(fib(187), None);
        assert_eq!(
            fib(u64::MAX),
            None,
            "a huge n stops at the overflow, not after 2^64 steps"
        );
    }

    #[test]
    fn bodies_are_decimal_text() {
        assert_eq!(Function::Fib.apply(b"30"), Ok("832040".to_string()));
        assert_eq!(Function::Fib.apply(b" 10\n"), Ok("55".to_string()));
        assert_eq!(Function::Plus100.apply(b"30"), Ok("130".to_string()));
        assert_eq!(Function::Plus100.apply(b"-130"), Ok("-30".to_string()));
    }

    #[test]
    fn bad_bodies_are_errors_with_a_kind() {
        let kind = |f: Function, body: &[u8]| f.apply(body).map_err(|e| e.kind());
        assert_eq!(kind(Function::Fib, b"abc"), Err("not-a-number"));
        assert_eq!(kind(Function::Fib, b""), Err("not-a-number"));
        assert_eq!(kind(Function::Fib, b"3.5"), Err("not-a-number"));
        assert_eq!(kind(Function::Fib, b"\xff"), Err("not-text"));
        assert_eq!(kind(Function::Fib, b"-1"), Err("negative"));
        assert_eq!(kind(Function::Fib, b"187"), Err("too-large"));
        assert_eq!(kind(Function::Fib, &[b'9'; 60]), Err("too-large"));
        assert_eq!(
            kind(Function::Plus100, i128::MAX.to_string().as_bytes()),
            Err("too-large")
        );
        let huge = "x".repeat(1 << 20);
        let message = Function::Fib
            .apply(huge.as_bytes())
            .unwrap_err()
            .to_string();
        assert!(
            message.len() < 100,
            "a bad request is not echoed in full: {message}"
        );
    }
}
