//! What several test modules share.

use std::process::Command;
use std::time::Duration;

use common::testing::Proc;

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
