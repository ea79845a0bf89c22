//! Every integration test of this crate, in one test binary (one link instead of one per file).

mod differential;
mod fuzz;
mod interop;
mod readme;
mod serve;
mod wire;
