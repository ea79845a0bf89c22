//! The benchmark harness: each section's transport measured against the peer a student would
//! otherwise use (pyzmq, PHP, pika, Python's `xmlrpc.server`, …), in the same run on the same
//! machine, reported as ratios.
//!
//! - [`measure`]: the small core — samples, medians of alternating repeats, result rows;
//! - [`load`]: the load generators both servers of a comparison get;
//! - [`scenarios`]: one module per scenario;
//! - plumbing: `ctx` (finding peers and binaries, starting servers, progress lines, skipping),
//!   `limits` (the loopback limits a single-client row is held against, `limit_ratio`) and
//!   `report` (the table, the JSON lines, `docs/benchmarks.md` and its chart).

// How it measures and what, as the README presents it: public, to be read and used.
pub mod load;
pub mod measure;
pub mod scenarios;
// Plumbing: private, with the few items the binary and the scenarios need re-exported.
mod ctx;
mod limits;
mod report;

pub use ctx::{Ctx, Skip};
pub use report::{json_lines, machine_facts, table, write_docs, Results};
