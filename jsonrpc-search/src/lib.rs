//! Section 9 of the tutorial: **JSON-RPC 2.0**, two methods on a real SQLite phone book, served
//! over raw TCP (the tutorial's transport) and over HTTP.
//!
//! - [`db`]: the phone book (`mytable`), created and seeded on first run, queried with
//!   parameterised SQL only;
//! - [`methods`]: `echo(s)` and `search(number?, last_name?, first_name?)` on a
//!   `jsonrpc_core::IoHandler`, which answers the spec's errors and batches for us;
//! - [`spec`]: the batch corners of the spec that `jsonrpc-core` misses, mended for both
//!   transports;
//! - [`framing`]: where a request ends when nothing marks its end (parse the JSON);
//! - [`tcp`]: the raw TCP server: one JSON request, no delimiter, the reply as soon as it is
//!   complete;
//! - [`http`]: the same handler behind `jsonrpc-http-server`;
//! - [`client`]: what `jsonrpc-client` does, over either transport;
//! - [`Limits`]: how much a client may send, and how long it may dawdle.

pub mod client;
pub mod db;
pub mod framing;
pub mod http;
pub mod methods;
pub mod spec;
pub mod tcp;

use std::time::Duration;

pub use db::PhoneBook;

/// The tutorial's address for JSON-RPC over raw TCP.
pub const TCP_ADDR: &str = "127.0.0.1:31415";
/// Where the server offers JSON-RPC over HTTP by default (the tutorial names no port; this is
/// the TCP port plus one).
pub const HTTP_ADDR: &str = "127.0.0.1:31416";
/// The URL a client uses for [`HTTP_ADDR`].
pub const HTTP_URL: &str = "http://127.0.0.1:31416/";
/// The largest request either transport accepts. A phone-book query is a few dozen bytes; the
/// bound keeps one client from filling the server's memory with a request that never ends.
pub const MAX_REQUEST_BYTES: usize = 1024 * 1024;
/// A TCP connection that has not completed a request (or taken a reply) for this long is closed.
pub const IDLE_TIMEOUT: Duration = Duration::from_secs(30);

/// The bounds a server puts on its clients (the server's `--max-request-bytes` and
/// `--idle-timeout`; the defaults are the constants above).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Limits {
    /// The largest request accepted, in bytes (TCP: the unfinished request; HTTP: the body).
    pub max_request_bytes: usize,
    /// How long a TCP client may stay silent in the middle of a request, or not read a reply.
    pub idle_timeout: Duration,
}

impl Default for Limits {
    fn default() -> Limits {
        Limits {
            max_request_bytes: MAX_REQUEST_BYTES,
            idle_timeout: IDLE_TIMEOUT,
        }
    }
}
