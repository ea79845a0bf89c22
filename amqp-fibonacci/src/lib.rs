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
//! Wire format (AMQP 0-9-1 `basic.publish` on the default exchange `""`): the body is the decimal
//! text of a number (`b"30"`), both ways; properties `reply_to` and `correlation_id`.
//! The lesson: this file, [`server`], [`client`]. The tutorial's open questions: [`questions`].
//! Beside it: [`function`] (`fib` or the s14rpc variant's `n + 100`, as `--function` picks).
//! When one broker is not enough: [`failover`] (several brokers, reconnecting, confirms, re-sends).
//! Plumbing: `broker` (connecting), `background` (a server on a thread, for tests and tour),
//! `cluster` (a private 3-node RabbitMQ cluster, for the tests and the bench).

// The lesson and the answers the README presents: public, to be read and used.
pub mod client;
pub mod failover;
pub mod function;
pub mod questions;
pub mod server;
// Plumbing: private, with the few items the binaries, the tour and the tests need re-exported.
mod background;
mod broker;
mod cluster;

pub use background::{amqp_url, spawn_server, TempQueue};
pub use broker::{
    broker_address, connect, redact, ConnectError, NoBroker, ServerError, CONNECT_TIMEOUT,
};
pub use client::RpcClient;
pub use cluster::{sbin, Cluster};
pub use failover::brokers::Brokers;
pub use failover::calling::{call_with_failover, run_load, LoadOptions, LoadReport, ReplyTo};
pub use failover::serving::serve_with_failover;
pub use function::{Function, S14_QUEUE};
pub use questions::existing_queue::{
    declare_like_tutorial, ensure_queue, ensure_request_queue, QueueType,
};
pub use questions::invalid_input::{parse_request, RequestError};
pub use questions::{error_replies::ERROR_HEADER, in_flight::PendingCall, no_server::CallError};
pub use server::{serve, ServeOptions, ServeStats, Stopped};

/// The AMQP library (blocking, like pika's `BlockingConnection`) and the channels it delivers
/// on, re-exported so the tour and the tests use the very same versions.
pub use {amiquip, crossbeam_channel};

/// The request queue of the RabbitMQ tutorial.
pub const RPC_QUEUE: &str = "rpc_queue";
/// The tutorial's client asks for fib(30).
pub const DEFAULT_N: &str = "30";
/// The server takes one unacknowledged request at a time (`basic.qos(prefetch_count = 1)`), so
/// a busy server leaves the next request in the queue for an idle one: fair dispatch.
pub const PREFETCH: u16 = 1;
/// The prefetch the README recommends for pipelined calls (`--prefetch 20`): the broker pushes
/// the next requests while the server computes, instead of one per round trip.
pub const PIPELINED_PREFETCH: u16 = 20;

/// The n-th Fibonacci number, or `None` when it does not fit in a `u128` (n > 186).
///
/// The tutorial's server uses the textbook recursion, which takes seconds for n = 35; a loop
/// gives the same numbers at once. (The Python server has big integers; we chose `u128` and a
/// clear error instead.)
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
