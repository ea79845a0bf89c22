//! The real binaries and the Python peers, every client against every server:
//! {xmlrpc-client, peers/client.py} × {xmlrpc-server, peers/server.py}.

use std::process::Command;
use std::time::Duration;

use test_support::{free_port, peer_command, run, Lang, Matrix};

use crate::support::{python_server, rust_server};

const WAIT: Duration = Duration::from_secs(20);
const LINE: &str = "7 + 3 = 10, 7-3 = 4, 7*3 = 21, 7/3 = 2";
const ZERO_DIVISION: &str = "<class 'ZeroDivisionError'>:integer division or modulo by zero";
/// CPython's fault for a method the server does not have; ours sends the same bytes.
const NO_POWER: &str = "<class 'Exception'>:method \"power\" is not supported";

fn rust_client(url: &str, args: &[&str]) -> test_support::Finished {
    run(
        "xmlrpc-client",
        Command::new(env!("CARGO_BIN_EXE_xmlrpc-client"))
            .args(["--url", url])
            .args(args),
        WAIT,
    )
}

/// Checks one client × server pair: the tutorial line, a single call, and the fault path.
fn pair(client: Lang, url: &str) -> Result<(), String> {
    match client {
        Lang::Rust => {
            let out = rust_client(url, &[]).success()?;
            if out != [LINE] {
                return Err(format!("multicall printed {out:?}"));
            }
            let out = rust_client(url, &["add", "2", "5"]).success()?;
            if out != ["7"] {
                return Err(format!("add 2 5 printed {out:?}"));
            }
            let fault = rust_client(url, &["divide", "1", "0"]);
            let failed = fault.status.is_some_and(|s| !s.success());
            if !failed
                || !fault
                    .stderr
                    .contains(&format!("server fault 1: {ZERO_DIVISION}"))
            {
                return Err(format!("divide 1 0: {:?} / {}", fault.status, fault.stderr));
            }
            let unknown = rust_client(url, &["power", "2", "3"]);
            if !unknown
                .stderr
                .contains(&format!("server fault 1: {NO_POWER}"))
            {
                return Err(format!(
                    "power 2 3: {:?} / {}",
                    unknown.status, unknown.stderr
                ));
            }
            Ok(())
        }
        Lang::Python => {
            let Some(mut cmd) =
                peer_command(env!("CARGO_MANIFEST_DIR"), Lang::Python, "peers/client.py")
            else {
                return Ok(()); // skipped (peer_command said why)
            };
            let out = run("peers/client.py", cmd.args([url, "fault"]), WAIT).success()?;
            let want = [
                LINE.to_string(),
                format!("Fault 1: {ZERO_DIVISION}"),
                format!("Fault 1: {NO_POWER}"),
                "multicall[0] = 2".to_string(),
                format!("multicall[1] Fault 1: {ZERO_DIVISION}"),
            ];
            if out != want {
                return Err(format!("printed {out:?}, expected {want:?}"));
            }
            Ok(())
        }
        Lang::Php => unreachable!("the tutorial has no PHP XML-RPC peer"),
    }
}

#[test]
fn every_client_with_every_server() {
    let mut matrix = Matrix::new("XML-RPC calculator: tutorial multicall, a call, two faults");
    let (_rust, rust_url) = rust_server(&[]);
    let python = python_server();
    for client in [Lang::Rust, Lang::Python] {
        matrix.record(client, "Rust server", pair(client, &rust_url));
        if let Some((_, python_url)) = &python {
            matrix.record(client, "Python server", pair(client, python_url));
        }
    }
    matrix.assert_all_ok();
}

#[test]
fn python_client_concurrency_against_our_server() {
    // The tutorial's concurrency lesson from Python's side: 20 threads call sleep(1) at once.
    let Some(mut cmd) = peer_command(
        env!("CARGO_MANIFEST_DIR"),
        Lang::Python,
        "peers/slow_calls.py",
    ) else {
        return;
    };
    let (_server, url) = rust_server(&[]);
    let out = run(
        "peers/slow_calls.py",
        cmd.args([&url, "20", "1"]),
        Duration::from_secs(60),
    )
    .success()
    .unwrap();
    assert!(
        out.iter()
            .any(|l| l.starts_with("20 calls of sleep(1) done")),
        "{out:?}"
    );
}

#[test]
fn server_binary_flags_and_client_errors() {
    // --allow: only 10.0.0.0/8 may call, we are 127.0.0.1.
    let (_server, url) = rust_server(&["--allow", "10.0.0.0/8"]);
    let refused = rust_client(&url, &["add", "1", "1"]);
    assert!(refused.status.is_some_and(|s| !s.success()), "{refused:?}");
    assert!(refused.stderr.contains("HTTP 403"), "{}", refused.stderr);

    // Nobody listening: a plain message and a non-zero exit, well within the bound.
    let nobody = format!("http://127.0.0.1:{}/", free_port());
    let failed = rust_client(&nobody, &["--timeout", "2s"]);
    assert!(failed.status.is_some_and(|s| !s.success()), "{failed:?}");
    assert!(
        failed.stderr.contains("is xmlrpc-server running?"),
        "{}",
        failed.stderr
    );

    // --help names the partner.
    for (bin, partner) in [
        (env!("CARGO_BIN_EXE_xmlrpc-server"), "xmlrpc-client"),
        (env!("CARGO_BIN_EXE_xmlrpc-client"), "xmlrpc-server"),
    ] {
        let help = run(bin, Command::new(bin).arg("--help"), WAIT)
            .success()
            .unwrap();
        assert!(help.join("\n").contains(partner), "{bin} --help: {help:?}");
    }
}

#[test]
fn https_between_the_binaries_and_with_python() {
    let dir = tempfile::tempdir().unwrap();
    let rcgen::CertifiedKey { cert, signing_key } =
        rcgen::generate_simple_self_signed(vec!["localhost".to_string()]).unwrap();
    let (cert_path, key_path) = (dir.path().join("cert.pem"), dir.path().join("key.pem"));
    std::fs::write(&cert_path, cert.pem()).unwrap();
    std::fs::write(&key_path, signing_key.serialize_pem()).unwrap();
    let cert_arg = cert_path.to_str().unwrap();

    let (_server, http_url) = rust_server(&[
        "--tls-cert",
        cert_arg,
        "--tls-key",
        key_path.to_str().unwrap(),
    ]);
    let url = http_url.replace("http://127.0.0.1", "https://localhost");

    let out = rust_client(&url, &["--ca", cert_arg]).success().unwrap();
    assert_eq!(out, [LINE]);
    let untrusted = rust_client(&url, &[]);
    assert!(
        untrusted.status.is_some_and(|s| !s.success()),
        "{untrusted:?}"
    );

    let Some(mut python) =
        peer_command(env!("CARGO_MANIFEST_DIR"), Lang::Python, "peers/client.py")
    else {
        return;
    };
    let out = run(
        "peers/client.py (https)",
        python.arg(&url).env("XMLRPC_CA", &cert_path),
        WAIT,
    )
    .success()
    .unwrap();
    assert_eq!(out, [LINE]);
}
