//! How every binary ends: an error is printed as one plain line, `error: <what>: <why>`, and
//! the exit status is 1.
//!
//! Why not `fn main() -> anyhow::Result<()>`? Its error report is the `Debug` form, which adds
//! a full stack backtrace whenever `RUST_BACKTRACE` is set — as it is on many machines and CI
//! runners. A student who forgot to start the server should read one sentence, not a trace.

use std::process::{ExitCode, Termination};

/// Turns what `run()` returned into the process's exit status, printing an error on stderr
/// with its whole chain of causes (`{:#}`: `cannot connect: connection refused`).
///
/// ```no_run
/// fn main() -> std::process::ExitCode {
///     common::cli::report(run())
/// }
///
/// fn run() -> anyhow::Result<()> {
///     anyhow::bail!("no server")
/// }
/// ```
pub fn report<T: Termination>(result: anyhow::Result<T>) -> ExitCode {
    match result {
        Ok(value) => value.report(),
        Err(error) => {
            eprintln!("error: {error:#}");
            ExitCode::FAILURE
        }
    }
}
