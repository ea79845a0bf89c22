//! # Section 8 — XML-RPC over HTTP
//!
//! A calculator served with XML-RPC: `add`, `subtract`, `multiply`, `divide` (Python 2 integer
//! semantics), `system.multicall`, `system.listMethods` at `/` and `/RPC2`.
//!
//! The lesson: [`calc`] (the methods), [`server`] (accept, HTTP, dispatch), [`client`].
//! The tutorial's questions: [`questions`] (many slow calls at once, a web framework) and
//! [`hardening`] (timeouts, allowlist, TLS, CPython-exact faults, client errors).
//! Plumbing: [`wire`] (raw requests, indented XML), [`background`] (a server on a thread),
//! [`python_style`] (values shown as Python prints them).

// The lesson and the answers the README presents: public, to be read and used.
pub mod calc;
pub mod client;
pub mod hardening;
pub mod python_operators;
pub mod questions;
pub mod server;
// Plumbing: private, with the few items the binaries, the tour and the tests need re-exported.
mod background;
mod python_style;
mod wire;

/// The client-side XML-RPC crate, re-exported so that users of this crate (the tour) build
/// requests with the same version.
pub use xmlrpc;

pub use background::Background;
pub use client::{CallError, Client};
pub use hardening::ServerConfig;
pub use python_style::{parse_arg, python_repr};
pub use server::run;
pub use wire::{post_raw, pretty, request_head, RawReply};
