//! The two binaries as a student runs them: the server prints where it listens, the client prints
//! the result as JSON, or an error in plain words with a non-zero exit status.

use std::process::Command;
use std::time::Duration;

use serde_json::{json, Value};
use test_support::{run, Proc};

const WAIT: Duration = Duration::from_secs(10);
const SERVER: &str = env!("CARGO_BIN_EXE_jsonrpc-server");
const CLIENT: &str = env!("CARGO_BIN_EXE_jsonrpc-client");

/// Starts `jsonrpc-server` on ephemeral ports with a fresh database; returns it with its TCP
/// address and HTTP URL, read from its console lines.
fn start_server(db: &std::path::Path) -> (Proc, String, String) {
    start_server_with(db, &[])
}

/// [`start_server`] with more flags.
fn start_server_with(db: &std::path::Path, extra: &[&str]) -> (Proc, String, String) {
    let mut server = Proc::spawn(
        "jsonrpc-server",
        Command::new(SERVER)
            .args(["--listen", "127.0.0.1:0", "--http", "127.0.0.1:0", "--db"])
            .arg(db)
            .args(extra),
    );
    let http = server
        .expect_line(WAIT, |l| l.starts_with("JSON-RPC over HTTP on "))
        .unwrap();
    let tcp = server
        .expect_line(WAIT, |l| l.starts_with("JSON-RPC over TCP on "))
        .unwrap();
    let word = |line: &str| line.split_whitespace().nth(4).unwrap().to_string();
    (server, word(&tcp), word(&http))
}

fn client(args: &[&str]) -> test_support::Finished {
    run("jsonrpc-client", Command::new(CLIENT).args(args), WAIT)
}

fn only_line(out: test_support::Finished) -> Value {
    let lines = out.success().unwrap();
    assert_eq!(lines.len(), 1, "{lines:?}");
    serde_json::from_str(&lines[0]).unwrap()
}

#[test]
fn tutorial_commands_over_tcp_and_http() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("book.sqlite3");
    let (mut server, tcp, url) = start_server(&db);
    assert!(db.exists(), "the database file was created");

    assert_eq!(
        only_line(client(&["--addr", &tcp, "echo", "hello world"])),
        json!("hello world")
    );
    let pythons = json!([
        [1, "Python", "Monty", "555-0101"],
        [4, "Python", "Brian", "555-0104"]
    ]);
    assert_eq!(
        only_line(client(&["--addr", &tcp, "search", "--last-name", "Python"])),
        pythons
    );
    assert_eq!(
        only_line(client(&["search", "--last-name", "Python", "--http", &url])),
        pythons
    );
    assert_eq!(
        only_line(client(&[
            "--http",
            &url,
            "search",
            "--last-name",
            "Python",
            "--first-name",
            "Brian"
        ])),
        json!([[4, "Python", "Brian", "555-0104"]])
    );
    assert_eq!(
        only_line(client(&[
            "--addr",
            &tcp,
            "call",
            "echo",
            r#"{"s":"named"}"#
        ])),
        json!("named")
    );

    // An error reply: said plainly on stderr, non-zero exit, nothing on stdout.
    let out = client(&["--addr", &tcp, "call", "no_such_method"]);
    assert_eq!(out.status.and_then(|s| s.code()), Some(1), "{out:?}");
    assert!(out.stdout.is_empty(), "{out:?}");
    assert!(
        out.stderr.contains("error -32601: Method not found"),
        "{}",
        out.stderr
    );
    let out = client(&["--http", &url, "call", "search", r#"{"lastname":"Python"}"#]);
    assert!(out.stderr.contains("error -32602"), "{}", out.stderr);

    // The server is still there, and a restart keeps the same (not re-seeded) file.
    server.kill();
    let (_server, tcp, _) = start_server(&db);
    let all = only_line(client(&["--addr", &tcp, "search"]));
    assert_eq!(
        all.as_array().unwrap().len(),
        jsonrpc_search::db::seed::SEED.len()
    );
}

#[test]
fn client_without_server_fails_plainly() {
    let port = test_support::free_port();
    let out = client(&["--addr", &format!("127.0.0.1:{port}"), "echo", "x"]);
    assert_eq!(out.status.and_then(|s| s.code()), Some(1), "{out:?}");
    assert!(
        out.stderr.contains("is jsonrpc-server running?"),
        "{}",
        out.stderr
    );

    // Accepts, never answers: the timeout flag bounds the wait.
    let silent = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let addr = silent.local_addr().unwrap().to_string();
    let out = client(&["--addr", &addr, "--timeout", "300ms", "echo", "x"]);
    assert_eq!(out.status.and_then(|s| s.code()), Some(1), "{out:?}");
    assert!(
        out.stderr.contains("no reply from tcp://"),
        "{}",
        out.stderr
    );
}

#[test]
fn help_names_the_partner() {
    let server = run("server --help", Command::new(SERVER).arg("--help"), WAIT)
        .success()
        .unwrap()
        .join("\n");
    assert!(server.contains("jsonrpc-client"), "{server}");
    assert!(
        server.contains("--listen") && server.contains("--http") && server.contains("--db"),
        "{server}"
    );
    let client = run("client --help", Command::new(CLIENT).arg("--help"), WAIT)
        .success()
        .unwrap()
        .join("\n");
    assert!(client.contains("jsonrpc-server"), "{client}");
    assert!(
        client.contains("--http") && client.contains("--timeout"),
        "{client}"
    );
}

#[test]
fn ctrl_c_and_sigterm_stop_the_server_with_exit_0_within_a_second() {
    let dir = tempfile::tempdir().unwrap();
    for signal in ["INT", "TERM"] {
        let (server, tcp, url) = start_server(&dir.path().join("book.sqlite3"));
        assert_eq!(
            only_line(client(&["--addr", &tcp, "echo", "up"])),
            json!("up")
        );
        assert_eq!(
            only_line(client(&["--http", &url, "echo", "up"])),
            json!("up")
        );
        server.signal(signal);
        let started = std::time::Instant::now();
        let stopped = server.finish(Duration::from_secs(1));
        assert!(started.elapsed() < Duration::from_secs(1), "SIG{signal}");
        stopped
            .success()
            .unwrap_or_else(|e| panic!("SIG{signal}: exit 0 within 1 s: {e}"));
    }
}

#[test]
fn log_file_records_every_request_and_reply_and_appends() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("book.sqlite3");
    let log = dir.path().join("myrpc.log");
    let log_flag = ["--log-file", log.to_str().unwrap()];
    let read_log = || std::fs::read_to_string(&log).unwrap_or_default();
    for run in 1..=2 {
        let (server, tcp, _) = start_server_with(&db, &log_flag);
        assert_eq!(
            only_line(client(&["--addr", &tcp, "echo", "logged"])),
            json!("logged")
        );
        // The reply went out; its log line follows through the writer thread: wait for it.
        let deadline = std::time::Instant::now() + WAIT;
        while read_log().lines().count() < 2 * run {
            assert!(
                std::time::Instant::now() < deadline,
                "log so far: {}",
                read_log()
            );
            std::thread::sleep(Duration::from_millis(10));
        }
        server.signal("INT");
        server.finish(WAIT).success().unwrap();
    }
    let text = read_log();
    let lines: Vec<&str> = text.lines().collect();
    assert_eq!(
        lines.len(),
        4,
        "two runs, a request and a reply each, appended: {text}"
    );
    for (line, arrow) in lines.iter().zip(["-->", "<--", "-->", "<--"]) {
        let words: Vec<&str> = line.splitn(4, ' ').collect();
        let [stamp, peer, got, message] = words[..] else {
            panic!("{line}")
        };
        assert!(
            stamp.len() == 24 && stamp.ends_with('Z') && stamp.as_bytes()[10] == b'T',
            "{line}"
        );
        assert!(peer.starts_with("127.0.0.1:"), "{line}");
        assert_eq!(got, arrow, "{line}");
        let message: Value = serde_json::from_str(message).unwrap();
        let want = if arrow == "-->" {
            &message["params"][0]
        } else {
            &message["result"]
        };
        assert_eq!(want, "logged", "{line}");
    }

    let nowhere = dir.path().join("no-such-dir").join("myrpc.log");
    let out = run(
        "jsonrpc-server",
        Command::new(SERVER)
            .args(["--listen", "127.0.0.1:0", "--no-http", "--db"])
            .arg(&db)
            .arg("--log-file")
            .arg(&nowhere),
        WAIT,
    );
    assert_eq!(out.status.and_then(|s| s.code()), Some(1), "{out:?}");
    assert!(out.stderr.contains("--log-file"), "{}", out.stderr);
}

#[test]
fn natural_mistakes_get_a_hint() {
    let dir = tempfile::tempdir().unwrap();
    let (_server, tcp, _) = start_server(&dir.path().join("book.sqlite3"));
    // HTTP against the raw-TCP port.
    let out = client(&["--http", &format!("http://{tcp}/"), "echo", "x"]);
    assert_eq!(out.status.and_then(|s| s.code()), Some(1), "{out:?}");
    assert!(out.stderr.contains("raw-TCP port"), "{}", out.stderr);
    assert!(out.stderr.contains("31416"), "{}", out.stderr);
    // Params that are JSON but neither an array nor an object.
    let out = client(&["--addr", &tcp, "call", "echo", "1"]);
    assert_eq!(out.status.and_then(|s| s.code()), Some(1), "{out:?}");
    assert!(
        out.stderr
            .contains("params must be a JSON array or object, e.g. '[\"hi\"]'"),
        "{}",
        out.stderr
    );
}

/// `--stay-awake`, on both transports: after a reply the serving thread keeps polling for the
/// window (the next request needs no wake-up: docs/benchmarks.md), then sleeps; an idle server
/// costs no CPU. The window is long here so that CPU clock ticks (10 ms) can see it.
#[test]
fn after_a_reply_each_transport_stays_awake_for_its_window_then_costs_no_cpu() {
    let dir = tempfile::tempdir().unwrap();
    let (server, tcp, http) = start_server_with(&dir.path().join("db"), &["--stay-awake", "400ms"]);
    for (flag, target) in [("--addr", tcp), ("--http", http)] {
        assert_eq!(
            only_line(client(&[flag, &target, "echo", "awake"])),
            json!("awake")
        );
        let before = server.cpu_time();
        std::thread::sleep(Duration::from_millis(300)); // measuring a period, not waiting for it
        let during = server.cpu_time() - before;
        assert!(
            during >= Duration::from_millis(60),
            "{target}: spun {during:?}"
        );
        std::thread::sleep(Duration::from_millis(200)); // past the window
        let before = server.cpu_time();
        std::thread::sleep(Duration::from_millis(500));
        let idle = server.cpu_time() - before;
        assert!(
            idle <= Duration::from_millis(20),
            "{target}: idle, {idle:?} of CPU"
        );
    }
}
