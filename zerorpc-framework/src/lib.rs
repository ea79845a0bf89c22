//! Section 6½ — from a route table to a framework: the zerorpc protocol (v3) in Rust.
//!
//! Section 6 ended with the tutorial's questions *what's a framework? what are IoC and AOP?*
//! Its author's framework on this very stack (ZeroMQ + MessagePack) was **zerorpc**. This crate
//! implements its protocol so that the real Python `zerorpc` package talks to our server and
//! our client, both ways. What a framework adds over demo6's route table:
//!
//! - **message ids**: every event carries one, every answer names the call it answers
//!   (`response_to`), so one socket carries many calls at once ([`events`]);
//! - **error triples**: `ERR [name, message, traceback]` instead of a `{"error": …}` map that
//!   a result could be mistaken for;
//! - **heartbeats**: `_zpc_hb` every 5 s on each open call, both ways, so a dead peer is
//!   noticed in 10 s instead of a 30 s timeout, and a long call is not mistaken for one;
//! - **streams** with flow control: `STREAM`… `STREAM_DONE`, paced by `_zpc_more` credit;
//! - **introspection**: `_zerorpc_inspect`, `_zerorpc_list`, `_zerorpc_name`, `_zerorpc_ping`.
//!
//! And the two ideas the tutorial names: **IoC** — [`server::Server`] owns the socket, the loop
//! and the threads and calls your plain functions ([`method`]); **AOP** — [`middleware`] wraps
//! every call (timing, an access key) without touching a method.
//!
//! Read in this order: the IoC/AOP core — [`app`] (the section's methods: what you write),
//! [`server`] (the server you assemble, its registry and the line that calls your code),
//! [`middleware`] (the aspects); then the built-ins and the [`console`] line, [`events`] (the
//! wire), [`method`] and its error [`Failure`], the server's worker and I/O thread, [`client`];
//! the answers [`python`] and [`patterns`]; and two optimisations: [`workers`], and [`zmtp`] (the
//! server's ROUTER speaking ZeroMQ's wire protocol itself, with no libzmq I/O thread to wake).

// The lesson and the answers the README presents: public, to be read and used.
pub mod app;
pub mod client;
pub mod console;
pub mod events;
pub mod method;
pub mod middleware;
pub mod patterns;
pub mod python;
pub mod server;
pub mod workers;
pub mod zmtp;
// Plumbing: private, with the few items the binaries, the tour and the tests need re-exported.
mod channel;
mod failure;
mod heartbeat;

use std::time::Duration;

pub use client::{Client, Options, Reply};
pub use failure::Failure;
pub use patterns::{Publisher, Puller, Pusher, Subscriber};
pub use rmpv::Value;
pub use server::Server;

/// zerorpc's customary endpoint, loopback by default (`--bind 'tcp://*:4242'` to share it).
pub const BIND: &str = "tcp://127.0.0.1:4242";
/// Where the client connects by default.
pub const CONNECT: &str = "tcp://127.0.0.1:4242";
/// zerorpc's heartbeat interval; a peer is lost after two intervals without a heartbeat.
pub const HEARTBEAT_INTERVAL: Duration = Duration::from_secs(5);
/// zerorpc's default call timeout.
pub const CALL_TIMEOUT: Duration = Duration::from_secs(30);
/// The receive buffer of a stream, in events (zerorpc-python's `BufferedChannel`).
pub const STREAM_BUFFER: usize = 100;
