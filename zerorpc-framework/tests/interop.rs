//! The interop matrix: our Rust client and the real zerorpc-python client, each against our
//! server and the zerorpc-python server, every pair on its own ephemeral endpoint.

use std::time::{Duration, Instant};

use test_support::{free_endpoint, run, Lang, Matrix};
use zerorpc_framework::client::Options;
use zerorpc_framework::{Client, Value};

use crate::support::{python_client, python_suite, rust_suite, server_process};

#[test]
fn every_client_passes_the_checks_against_every_server() {
    let mut matrix = Matrix::new(
        "zerorpc-framework: 17 checks (types, errors, stream of 1000, 50 concurrent, built-ins)",
    );
    for server in [Lang::Rust, Lang::Python] {
        let endpoint = free_endpoint();
        let Some(_server) = server_process(server, &endpoint, &[]) else {
            continue;
        };
        matrix.record(Lang::Rust, server, rust_suite(&endpoint, server));
        if let Some(outcome) = python_suite(&endpoint, server) {
            matrix.record(Lang::Python, server, outcome);
        }
    }
    matrix.assert_all_ok();
}

/// A 15 s call outlives two heartbeat intervals (10 s): it only succeeds if both sides
/// heartbeat. The four pairs run at once, so this test takes 15 s, not 60.
#[test]
fn a_15_s_call_succeeds_in_every_pair() {
    const SECONDS: i64 = 15;
    let mut servers = Vec::new();
    for server in [Lang::Rust, Lang::Python] {
        let endpoint = free_endpoint();
        if let Some(process) = server_process(server, &endpoint, &[]) {
            servers.push((server, endpoint, process));
        }
    }
    let mut matrix = Matrix::new(format!(
        "zerorpc-framework: sleep({SECONDS}) over heartbeats"
    ));
    let outcomes: Vec<(Lang, Lang, Result<(), String>)> = std::thread::scope(|s| {
        let mut handles = Vec::new();
        for (server, endpoint, _) in &servers {
            let rust = s.spawn(move || {
                let started = Instant::now();
                let client =
                    Client::connect(endpoint, Options::default()).map_err(|e| e.to_string())?;
                let got = client
                    .call("sleep", vec![Value::from(SECONDS)])
                    .map_err(|e| e.to_string())?;
                let took = started.elapsed();
                if got != Value::from(SECONDS) || took < Duration::from_secs(SECONDS as u64) {
                    return Err(format!("got {got} after {took:?}"));
                }
                Ok(())
            });
            handles.push((Lang::Rust, *server, rust));
            if let Some(mut cmd) = python_client(endpoint, &["--long", &SECONDS.to_string()]) {
                let python = s.spawn(move || {
                    let lines =
                        run("Python client", &mut cmd, Duration::from_secs(40)).success()?;
                    match lines.as_slice() {
                        [line] if line.starts_with(&format!("{SECONDS} after 1")) => Ok(()),
                        _ => Err(format!(
                            "expected \"{SECONDS} after 15.x s\", got {lines:?}"
                        )),
                    }
                });
                handles.push((Lang::Python, *server, python));
            }
        }
        handles
            .into_iter()
            .map(|(c, s, h)| {
                (
                    c,
                    s,
                    h.join()
                        .unwrap_or_else(|_| Err("the call thread panicked".into())),
                )
            })
            .collect()
    });
    for (client, server, outcome) in outcomes {
        matrix.record(client, server, outcome);
    }
    matrix.assert_all_ok();
}

/// The README's commands: each command line (ours, and peers/client.py) against each server.
#[test]
fn both_command_lines_work_against_both_servers() {
    let mut matrix = Matrix::new("zerorpc-framework: the command lines (plus = 19, count 3)");
    for server in [Lang::Rust, Lang::Python] {
        let endpoint = free_endpoint();
        let Some(_server) = server_process(server, &endpoint, &[]) else {
            continue;
        };
        let mut ours = std::process::Command::new(env!("CARGO_BIN_EXE_zerorpc-client"));
        ours.args(["--connect", &endpoint, "count", "3"]);
        let outcome = run("zerorpc-client", &mut ours, Duration::from_secs(20))
            .success()
            .and_then(|lines| {
                if lines == ["0", "1", "2"] {
                    Ok(())
                } else {
                    Err(format!("expected 0 1 2, got {lines:?}"))
                }
            });
        matrix.record(Lang::Rust, server, outcome);
        if let Some(mut python) = python_client(&endpoint, &[]) {
            let outcome = run("peers/client.py", &mut python, Duration::from_secs(20))
                .success()
                .and_then(|lines| match lines.as_slice() {
                    [line] if line == "19" => Ok(()),
                    _ => Err(format!("expected 19, got {lines:?}")),
                });
            matrix.record(Lang::Python, server, outcome);
        }
    }
    matrix.assert_all_ok();
}
