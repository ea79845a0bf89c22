//! Plumbing shared by every section crate. The lessons themselves (sockets, loops, wire formats)
//! live in the section crates; this crate only holds what would otherwise be copied nine times:
//!
//! - [`cli`]: how a binary reports an error (one plain line, exit status 1);
//! - [`endpoints`]: the tutorial's default endpoints and timeouts, and a duration parser for flags;
//! - [`logging`]: one-line `tracing` set-up (diagnostics to stderr, `RUST_LOG` to tune);
//! - [`shutdown`]: the flag Ctrl-C and SIGTERM raise, which every serve loop checks;
//! - [`zmq_util`]: receive with a deadline, `bind`/`connect` whose errors name the flag and the
//!   endpoint form, bind to an ephemeral port;
//! - [`testing`]: helpers for the integration tests (peers and visible skips, processes, a
//!   server thread with a bounded stop, socket-monitor waits, the interop matrix);
//! - [`readme`]: the test that runs every command block of a section README.

pub mod cli;
pub mod endpoints;
pub mod logging;
pub mod readme;
pub mod shutdown;
pub mod testing;
pub mod zmq_util;

pub use endpoints::parse_duration;
