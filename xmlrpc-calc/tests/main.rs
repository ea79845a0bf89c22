//! Every integration test of this crate, in one test binary (one link instead of one per file).

mod calc;
mod differential;
mod interop;
mod lifecycle;
mod readme;
mod support;
