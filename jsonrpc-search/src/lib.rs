//! Section 9 of the tutorial: **JSON-RPC 2.0**, two methods on a real SQLite phone book, served
//! over raw TCP (the tutorial's transport) and over HTTP.
//!
//! The lesson, in reading order:
//! - [`methods`]: `echo(s)` and `search(number?, last_name?, first_name?)` on a
//!   `jsonrpc_core::IoHandler`, which answers the spec's errors and batches for us;
//! - [`framing`]: where a request ends when nothing marks its end (parse the JSON);
//! - [`tcp`]: the raw TCP server: one JSON request, no delimiter, the reply as soon as it is
//!   complete;
//! - [`client`]: what `jsonrpc-client` does, over either transport;
//! - [`db`]: the phone book (`mytable`), created and seeded on first run, queried with
//!   parameterised SQL only.
//!
//! Then: [`http`] (the same handler behind `jsonrpc-http-server`), [`spec`] (the batch corners
//! of the spec that `jsonrpc-core` misses, mended), [`hardening`] (how much a client may send,
//! and how long it may dawdle), [`questions`] (the transport log), [`background`] (a server on a
//! thread, for the tests and the tour).

pub mod background;
pub mod client;
pub mod db;
pub mod framing;
pub mod hardening;
pub mod http;
pub mod methods;
pub mod questions;
pub mod spec;
pub mod tcp;

pub use db::PhoneBook;
pub use hardening::limits::{Limits, IDLE_TIMEOUT, MAX_REQUEST_BYTES};

/// The tutorial's address for JSON-RPC over raw TCP.
pub const TCP_ADDR: &str = "127.0.0.1:31415";
/// Where the server offers JSON-RPC over HTTP by default (the tutorial names no port; this is
/// the TCP port plus one).
pub const HTTP_ADDR: &str = "127.0.0.1:31416";
/// The URL a client uses for [`HTTP_ADDR`].
pub const HTTP_URL: &str = "http://127.0.0.1:31416/";
