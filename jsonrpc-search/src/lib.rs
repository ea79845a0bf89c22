//! Section 9 of the tutorial: **JSON-RPC 2.0**, two methods on a real SQLite phone book, over
//! raw TCP (the tutorial's transport) and over HTTP. The lesson, in reading order: the binaries,
//! [`methods`], [`framing`], [`tcp`], [`client`] (with [`target`]), [`db`]. Then the answers to the tutorial's
//! questions: [`hardening`], [`spec`], [`questions`], [`http`], and the plumbing:
//! [`server_options`], [`db::seed`], [`background`].

// The lesson and the answers the README presents: public, to be read and used.
pub mod client;
pub mod db;
pub mod framing;
pub mod hardening;
pub mod http;
pub mod methods;
pub mod questions;
pub mod spec;
pub mod target;
pub mod tcp;
// Plumbing: private, with the few items the binaries, the tour and the tests need re-exported.
mod background;
mod server_options;

pub use background::TcpServer;
pub use db::PhoneBook;
pub use hardening::limits::{Limits, IDLE_TIMEOUT, MAX_REQUEST_BYTES};
pub use server_options::{ServerOptions, Transports};

/// The tutorial's address for JSON-RPC over raw TCP.
pub const TCP_ADDR: &str = "127.0.0.1:31415";
/// Where the server offers JSON-RPC over HTTP by default (the TCP port plus one).
pub const HTTP_ADDR: &str = "127.0.0.1:31416";
/// The URL a client uses for [`HTTP_ADDR`].
pub const HTTP_URL: &str = "http://127.0.0.1:31416/";
