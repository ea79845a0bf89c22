//! Diagnostics go to stderr through `tracing`, so stdout keeps only the tutorial's console
//! lines (which scripts and tests grep). `RUST_LOG=debug` shows more. Colour only on a terminal.

use std::io::IsTerminal;

use tracing_subscriber::EnvFilter;

/// Installs a compact stderr logger once; later calls are harmless (tests call it freely).
pub fn init() {
    init_with_default("info");
}

/// Like [`init`], with another level than `info` when `RUST_LOG` is not set: the tour uses
/// `error`, because it narrates on stdout what its servers would otherwise warn about.
pub fn init_with_default(level: &str) {
    let mut filter = EnvFilter::try_from_default_env().unwrap_or_else(|_| EnvFilter::new(level));
    // The HTTP/2 stack under etcd's gRPC client logs every frame at debug: `RUST_LOG=debug`
    // would show those instead of the lesson. Warnings only, unless RUST_LOG names them.
    let asked = std::env::var("RUST_LOG").unwrap_or_default();
    for internals in ["h2", "hyper", "tower", "tonic"] {
        if !asked.contains(internals) {
            let directive = format!("{internals}=warn")
                .parse()
                .expect("a valid directive");
            filter = filter.add_directive(directive);
        }
    }
    let _ = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(std::io::stderr)
        // Colour codes only for a person at a terminal: `demo1-server 2>log` stays plain text.
        .with_ansi(std::io::stderr().is_terminal())
        .with_target(false)
        .compact()
        .try_init();
}
