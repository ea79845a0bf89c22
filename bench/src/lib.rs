//! The benchmark harness: each section's transport measured against the peer a student would
//! otherwise use (pyzmq, PHP, pika, Python's `xmlrpc.server`, …), in the same run on the same
//! machine, reported as ratios.
//!
//! - [`measure`]: the small core — samples, medians of alternating repeats, result rows;
//! - [`ctx`]: finding peers and binaries, starting servers, progress lines, skipping;
//! - [`limits`]: the loopback limits a single-client row is held against (`limit_ratio`);
//! - [`scenarios`]: one module per scenario;
//! - [`report`]: the table, the JSON lines, `docs/benchmarks.md` and its chart.

pub mod ctx;
pub mod limits;
pub mod load;
pub mod measure;
pub mod report;
pub mod scenarios;
