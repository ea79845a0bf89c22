//! # Section 8 — XML-RPC over HTTP
//!
//! A calculator served with XML-RPC: `add`, `subtract`, `multiply`, `divide` (Python 2 integer
//! semantics), `system.multicall`, `system.listMethods` at `/` and `/RPC2`, `hello(name)` at
//! `/api`, and a slow `sleep(seconds)` for the concurrency lesson. Then the tutorial's
//! discussion made concrete: read timeouts, body limits, client call timeouts, a client-address
//! allowlist and HTTPS.
//!
//! - [`calc`]: the methods and routes (the XML-RPC lesson proper, on `dxr_server`);
//! - [`server`]: the accept loop with its timeouts, limits, allowlist and TLS;
//! - [`client`]: calls and multicalls with the `xmlrpc` crate over `ureq`;
//! - [`wire`]: raw requests and indented XML, to look at what crosses the wire.

pub mod calc;
pub mod client;
pub mod server;
pub mod wire;

/// The client-side XML-RPC crate, re-exported so that users of this crate (the tour) build
/// requests with the same version.
pub use xmlrpc;

pub use client::{CallError, Client};
pub use server::{run, ServerConfig};
