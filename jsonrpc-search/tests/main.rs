//! Every integration test of this crate, in one test binary (one link instead of one per file).

mod cli;
mod db;
mod framing;
mod http;
mod interop;
mod methods;
mod readme;
mod spec_examples;
mod tcp;
