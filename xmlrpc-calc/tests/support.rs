//! What several test modules share.

use std::process::Command;
use std::time::Duration;

use test_support::{free_port, peer_command, Lang, Proc};

const WAIT: Duration = Duration::from_secs(20);

/// Starts our server on an ephemeral port; returns it and its URL (read from its first line).
pub fn rust_server(extra: &[&str]) -> (Proc, String) {
    let mut server = Proc::spawn(
        "xmlrpc-server",
        Command::new(env!("CARGO_BIN_EXE_xmlrpc-server"))
            .args(["--listen", "127.0.0.1:0"])
            .args(extra),
    );
    let line = server
        .expect_line(WAIT, |l| l.starts_with("Listening on port "))
        .unwrap();
    let port = line
        .trim_start_matches("Listening on port ")
        .trim_end_matches("...")
        .to_string();
    (server, format!("http://127.0.0.1:{port}/"))
}

/// Starts the Python peer server on a free port (None when Python is missing: skipped).
pub fn python_server() -> Option<(Proc, String)> {
    let port = free_port();
    let mut cmd = peer_command(env!("CARGO_MANIFEST_DIR"), Lang::Python, "peers/server.py")?;
    let mut server = Proc::spawn("peers/server.py", cmd.arg(port.to_string()));
    server
        .expect_line(WAIT, |l| l.starts_with("Listening on port"))
        .unwrap();
    Some((server, format!("http://127.0.0.1:{port}/")))
}
