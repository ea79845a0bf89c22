//! Every integration test of this crate, in one test binary (one link instead of one per file).

mod cli;
mod client_cases;
mod crosstests;
mod differential;
mod errors;
mod faults;
mod fuzz;
mod interop;
mod patterns;
mod readme;
mod support;
mod wire;
mod zmtp;
