//! Section 2 — the same request/reply over two languages.
//!
//! The tutorial points a Python REQ client (it sends the bytes `hello`) at the PHP echo server of
//! section 1, then asks: *what happens if the server comes up after the request was sent?*
//!
//! Answer: `connect()` on a ZeroMQ socket does not need the peer to exist. The REQ socket queues
//! the message and keeps trying to connect in the background (every 100 ms by default,
//! `ZMQ_RECONNECT_IVL`). When the server binds, the connection is made, the queued request is
//! delivered and answered. So the client only needs a timeout long enough to cover the wait.
//!
//! The server is section 1's echo server ([`demo1_reqrep::serve`]): the wire is the same, only
//! the languages around it change.

use std::time::Duration;

/// What the tutorial's Python client sends.
pub const MESSAGE: &str = "hello";

/// How long the client waits by default: long enough to start the server by hand in a second
/// terminal after the client (the point of this section).
pub const LATE_SERVER_TIMEOUT: Duration = Duration::from_secs(30);
