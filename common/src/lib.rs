//! Plumbing shared by every section crate's programs, at run time. The lessons themselves
//! (sockets, loops, wire formats) live in the section crates; this crate only holds what would
//! otherwise be copied nine times:
//!
//! - [`cli`]: how a binary reports an error (one plain line, exit status 1);
//! - [`endpoints`]: the tutorial's default endpoints and timeouts, and a duration parser for flags;
//! - [`logging`]: one-line `tracing` set-up (diagnostics to stderr, `RUST_LOG` to tune);
//! - [`shutdown`]: the flag Ctrl-C and SIGTERM raise, which every serve loop checks;
//! - [`zmq_util`]: receive with a deadline, `bind`/`connect` whose errors name the flag and the
//!   endpoint form, bind to an ephemeral port;
//! - [`server_thread`]: a server on a thread with a bounded stop (the sections' `background`
//!   modules, the tour, the bench and the tests);
//! - [`ports`]: a free port for a program told its endpoint in advance, a wait for a listener;
//! - [`stay_awake`]: the tokio servers' thread stays awake a moment after each reply.
//!
//! What only the tests need (peers and skips, processes, the interop matrix, the README check)
//! is the `test-support` crate.

pub mod cli;
pub mod endpoints;
pub mod logging;
pub mod ports;
pub mod server_thread;
pub mod shutdown;
pub mod stay_awake;
pub mod zmq_util;

pub use endpoints::parse_duration;
pub use ports::{free_endpoint, free_port, wait_for_port};
pub use server_thread::{ServerThread, StopError, STOP_WITHIN};
pub use stay_awake::StayAwake;
