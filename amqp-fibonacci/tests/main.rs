//! Every integration test of this crate, in one test binary (one link instead of one per file).

mod cluster;
mod compute;
mod interop;
mod questions;
mod readme;
mod support;
mod wire;
