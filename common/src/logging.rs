//! Diagnostics go to stderr through `tracing`, so stdout keeps only the tutorial's console
//! lines (which scripts and tests grep). `RUST_LOG=debug` shows more.

use tracing_subscriber::EnvFilter;

/// Installs a compact stderr logger once; later calls are harmless (tests call it freely).
pub fn init() {
    let filter = EnvFilter::try_from_default_env().unwrap_or_else(|_| EnvFilter::new("info"));
    let _ = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(std::io::stderr)
        .with_target(false)
        .compact()
        .try_init();
}
