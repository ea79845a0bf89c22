//! Every integration test of this crate, in one test binary (one link instead of one per file).

mod cli;
mod http;
mod interop;
mod spec_examples;
mod tcp;
