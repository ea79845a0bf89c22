//! The bench's command line, end to end: listing, one quick scenario with `--json` and
//! `--write-docs` into a temporary folder, and a wrong scenario name. No timing assertions:
//! only that it runs, exits as it should and writes well-formed output.

use std::process::Command;

fn bench() -> Command {
    Command::new(env!("CARGO_BIN_EXE_bench"))
}

#[test]
fn lists_every_scenario() {
    let out = bench().arg("--list").output().expect("bench runs");
    assert!(out.status.success());
    let text = String::from_utf8_lossy(&out.stdout);
    for name in [
        "zmq-reqrep",
        "zmq-pushpull",
        "discovery",
        "msgpack-rpc",
        "zerorpc",
        "amqp-rpc-sequential",
        "amqp-rpc-pipelined",
        "amqp-rpc-cluster",
        "xmlrpc",
        "jsonrpc-http",
        "jsonrpc-tcp",
        "idle-rss",
    ] {
        assert!(text.contains(name), "{name} missing from --list:\n{text}");
    }
}

#[test]
fn unknown_scenario_is_an_error() {
    let out = bench()
        .args(["--scenario", "no-such-thing"])
        .output()
        .expect("bench runs");
    assert!(!out.status.success());
    assert!(String::from_utf8_lossy(&out.stderr).contains("no scenario"));
}

/// zmq-pushpull needs only pyzmq; without it the scenario is reported as skipped (and the run
/// fails only under REQUIRE_PEERS=1, which is what CI sets).
#[test]
fn quick_run_writes_json_lines_and_docs() {
    let dir = tempfile::tempdir().expect("temp dir");
    let json = dir.path().join("rows.jsonl");
    let docs = dir.path().join("docs");
    let out = bench()
        .args([
            "--quick",
            "--scenario",
            "zmq-pushpull",
            "--write-docs",
            "--json",
        ])
        .arg(&json)
        .arg("--docs-dir")
        .arg(&docs)
        .output()
        .expect("bench runs");
    let stdout = String::from_utf8_lossy(&out.stdout);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(out.status.success(), "stdout:\n{stdout}\nstderr:\n{stderr}");
    assert!(
        stderr.contains("[zmq-pushpull]"),
        "no progress lines: {stderr}"
    );
    let rows = std::fs::read_to_string(&json).expect("--json file");
    if stdout.contains("skipped") {
        assert!(rows.is_empty());
    } else {
        assert_eq!(rows.lines().count(), 1, "{rows}");
        let row: serde_json::Value = serde_json::from_str(rows.trim()).expect("a JSON object");
        assert_eq!(row["scenario"], "zmq-pushpull");
        assert_eq!(row["peer"], "pyzmq PUSH/PULL");
        for key in ["rust", "peer_value", "ratio"] {
            assert!(row[key].as_f64().is_some_and(|v| v > 0.0), "{key} in {row}");
        }
    }
    let page = std::fs::read_to_string(docs.join("benchmarks.md")).expect("page written");
    assert!(page.contains("| scenario |") && page.contains("benchmarks.svg"));
    let svg = std::fs::read_to_string(docs.join("benchmarks.svg")).expect("chart written");
    assert!(svg.starts_with("<svg") || svg.contains("<svg"));
}
