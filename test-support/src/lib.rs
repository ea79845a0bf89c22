//! What the integration tests share, and the tour and the bench with them (they start the same
//! programs and peers): one home per helper, so no crate writes its own.
//!
//! - [`peers`]: find the PHP and Python peers, start one, skip visibly when one is missing;
//! - [`process`]: child processes with bounded waits ([`Proc`], [`run`]);
//! - [`Matrix`]: every client × server pair of a section, reported together;
//! - [`Monitor`]: a ZeroMQ socket's events, to wait for a connection instead of sleeping;
//! - [`defaults`]: the tutorial's default ports held one test at a time, its scripts and our
//!   programs meeting at their defaults, `--help` naming the partner, the bad-endpoint check;
//! - [`readme`]: every command block of a section README, run and compared, and its line
//!   counts, totals and line ranges checked (`line_counts`);
//! - [`Rng`]: a seeded stream of choices for the differential tests;
//! - `values` (feature `values`): one proptest generator of any MessagePack value.
//!
//! The server-on-a-thread helper and the free-port helpers are programs' plumbing too, so they
//! live in `common`; they are re-exported here so that a test finds everything in one place.

pub mod defaults;
mod line_counts;
mod matrix;
mod monitor;
pub mod peers;
pub mod process;
pub mod readme;
mod seeded;
#[cfg(feature = "values")]
pub mod values;

pub use common::{free_endpoint, free_port, wait_for_port, ServerThread, StopError, STOP_WITHIN};
pub use defaults::{
    assert_endpoint_error, assert_help_names_partners, lock_default_port, meet_at_defaults,
    Defaults,
};
pub use matrix::Matrix;
pub use monitor::Monitor;
pub use peers::{
    implementation, interpreter, peer_command, peers_required, php, python, skip, workspace_root,
    zmq_server, Lang, SETUP_HINT,
};
pub use process::{run, Finished, Proc};
pub use seeded::Rng;
