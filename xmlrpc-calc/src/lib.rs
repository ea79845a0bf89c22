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

pub mod background;
pub mod calc;
pub mod client;
pub mod hardening;
pub mod python_operators;
pub mod python_style;
pub mod questions;
pub mod server;
pub mod wire;

/// The client-side XML-RPC crate, re-exported so that users of this crate (the tour) build
/// requests with the same version.
pub use xmlrpc;

pub use background::Background;
pub use client::{CallError, Client};
pub use hardening::ServerConfig;
pub use server::run;
