//! Interop: every client (Rust `jsonrpc-client`, the tutorial-style Python client) against every
//! server (Rust `jsonrpc-server`, the Python peer), over raw TCP and over HTTP. Each pair makes
//! the tutorial's calls — `echo("hello world")`, `search(last_name="Python")` — and one call to a
//! method that does not exist.

use std::path::Path;
use std::process::Command;
use std::time::Duration;

use serde_json::{json, Value};
use test_support::{lock_default_port, peer_command, run, Lang, Matrix, Proc};

const WAIT: Duration = Duration::from_secs(10);
const CRATE: &str = env!("CARGO_MANIFEST_DIR");

/// A transport of a running server: how a client reaches it.
#[derive(Clone, Copy)]
enum Via {
    Tcp,
    Http,
}

struct Server {
    _proc: Proc,
    tcp: String,
    url: String,
}

impl Server {
    fn rust(db: &Path) -> Server {
        let mut cmd = Command::new(env!("CARGO_BIN_EXE_jsonrpc-server"));
        cmd.args(["--listen", "127.0.0.1:0", "--http", "127.0.0.1:0", "--db"])
            .arg(db);
        Server::start(Proc::spawn("jsonrpc-server", &mut cmd))
    }

    fn python(db: &Path) -> Option<Server> {
        let mut cmd = peer_command(CRATE, Lang::Python, "peers/server.py")?;
        cmd.env("JSONRPC_ADDR", "127.0.0.1:0")
            .env("JSONRPC_HTTP", "127.0.0.1:0")
            .env("JSONRPC_DB", db);
        Some(Server::start(Proc::spawn("peers/server.py", &mut cmd)))
    }

    /// Both servers print `JSON-RPC over HTTP on URL`, then `JSON-RPC over TCP on ADDR …`.
    fn start(mut proc: Proc) -> Server {
        let word = |line: String| {
            line.split_whitespace()
                .nth(4)
                .unwrap_or_default()
                .to_string()
        };
        let url = word(
            proc.expect_line(WAIT, |l| l.starts_with("JSON-RPC over HTTP on "))
                .unwrap(),
        );
        let tcp = word(
            proc.expect_line(WAIT, |l| l.starts_with("JSON-RPC over TCP on "))
                .unwrap(),
        );
        Server {
            _proc: proc,
            tcp,
            url,
        }
    }
}

fn pythons() -> Value {
    json!([
        [1, "Python", "Monty", "555-0101"],
        [4, "Python", "Brian", "555-0104"]
    ])
}

fn parse(line: &str) -> Result<Value, String> {
    serde_json::from_str(line).map_err(|e| format!("{e}: {line:?}"))
}

fn expect(what: &str, got: Value, want: Value) -> Result<(), String> {
    if got == want {
        Ok(())
    } else {
        Err(format!("{what}: got {got}, want {want}"))
    }
}

/// The Rust client: three runs of `jsonrpc-client`.
fn rust_client(server: &Server, via: Via) -> Result<(), String> {
    let target: Vec<&str> = match via {
        Via::Tcp => vec!["--addr", &server.tcp],
        Via::Http => vec!["--http", &server.url],
    };
    let client = |args: &[&str]| {
        let mut cmd = Command::new(env!("CARGO_BIN_EXE_jsonrpc-client"));
        cmd.args(&target).args(args);
        run("jsonrpc-client", &mut cmd, WAIT)
    };
    let one = |args: &[&str]| -> Result<Value, String> {
        let lines = client(args).success()?;
        parse(lines.first().ok_or("no output")?)
    };
    expect("echo", one(&["echo", "hello world"])?, json!("hello world"))?;
    expect(
        "search",
        one(&["search", "--last-name", "Python"])?,
        pythons(),
    )?;
    let bad = client(&["call", "no_such_method"]);
    match bad.status.and_then(|s| s.code()) {
        Some(1) if bad.stderr.contains("error -32601") => Ok(()),
        _ => Err(format!("no_such_method: {bad:?}")),
    }
}

/// The tutorial-style Python client: its three lines.
fn python_client(mut cmd: Command, server: &Server, via: Via) -> Result<(), String> {
    match via {
        Via::Tcp => cmd.env("JSONRPC_ADDR", &server.tcp),
        Via::Http => cmd.env("JSONRPC_URL", &server.url),
    };
    python_lines_ok(run("peers/client.py", &mut cmd, WAIT).success()?)
}

/// `"hello world"`, the two Pythons, and the -32601 error of the unknown method.
fn python_lines_ok(lines: Vec<String>) -> Result<(), String> {
    let [echo, search, error] = lines.as_slice() else {
        return Err(format!("want 3 lines, got {lines:?}"));
    };
    expect("echo", parse(echo)?, json!("hello world"))?;
    expect("search", parse(search)?, pythons())?;
    if error.starts_with("error -32601") {
        Ok(())
    } else {
        Err(format!("no_such_method: {error:?}"))
    }
}

#[test]
fn every_client_against_every_server() {
    let dir = tempfile::tempdir().unwrap();
    let mut servers = vec![("Rust", Server::rust(&dir.path().join("rust.sqlite3")))];
    if let Some(python) = Server::python(&dir.path().join("python.sqlite3")) {
        servers.push(("Python", python));
    }
    let mut matrix = Matrix::new("jsonrpc-search: client \\ server (transport)");
    for (name, server) in &servers {
        for (via, label) in [(Via::Tcp, "tcp"), (Via::Http, "http")] {
            let column = format!("{name} {label}");
            matrix.record("Rust", &column, rust_client(server, via));
            if let Some(cmd) = peer_command(CRATE, Lang::Python, "peers/client.py") {
                matrix.record("Python", &column, python_client(cmd, server, via));
            }
        }
    }
    matrix.assert_all_ok();
}

/// The Python peer seeds the same phone book as the Rust server (so the rows above agree).
#[test]
fn python_peer_seeds_the_same_rows() {
    let dir = tempfile::tempdir().unwrap();
    let Some(python) = Server::python(&dir.path().join("python.sqlite3")) else {
        return;
    };
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_jsonrpc-client"));
    cmd.args(["--http", &python.url, "search"]);
    let lines = run("jsonrpc-client", &mut cmd, WAIT).success().unwrap();
    let want = serde_json::to_value(jsonrpc_search::db::seed::seed_rows()).unwrap();
    assert_eq!(parse(&lines[0]).unwrap(), want);
}

/// The tutorial's client and the Python server as they are — no address given anywhere —
/// against our programs, also with no flags: the defaults (TCP 127.0.0.1:31415, HTTP
/// 127.0.0.1:31416, the database in the working directory) must line up.
#[test]
fn tutorial_client_and_our_programs_meet_at_their_defaults() {
    // Always in this order (31415, then 31416), so two such tests cannot deadlock.
    let Some(_tcp_port) = lock_default_port(31415) else {
        return;
    };
    let Some(_http_port) = lock_default_port(31416) else {
        return;
    };
    let Some(mut python_client) = peer_command(CRATE, Lang::Python, "peers/client.py") else {
        return;
    };
    let Some(mut python_server) = peer_command(CRATE, Lang::Python, "peers/server.py") else {
        return;
    };
    let rust_dir = tempfile::tempdir().unwrap();
    let python_dir = tempfile::tempdir().unwrap();

    let mut cmd = Command::new(env!("CARGO_BIN_EXE_jsonrpc-server"));
    let mut server = Proc::spawn("jsonrpc-server", cmd.current_dir(rust_dir.path()));
    server
        .expect_line(WAIT, |l| {
            l.starts_with("JSON-RPC over TCP on 127.0.0.1:31415")
        })
        .unwrap();
    assert!(rust_dir.path().join("phonebook.sqlite3").exists());
    let lines = run("peers/client.py", &mut python_client, WAIT)
        .success()
        .unwrap();
    python_lines_ok(lines).unwrap();
    drop(server);

    let mut server = Proc::spawn(
        "peers/server.py",
        python_server.current_dir(python_dir.path()),
    );
    server
        .expect_line(WAIT, |l| {
            l.starts_with("JSON-RPC over TCP on 127.0.0.1:31415")
        })
        .unwrap();
    let client = |args: &[&str]| {
        let mut cmd = Command::new(env!("CARGO_BIN_EXE_jsonrpc-client"));
        let lines = run("jsonrpc-client", cmd.args(args), WAIT)
            .success()
            .unwrap();
        parse(&lines[0]).unwrap()
    };
    assert_eq!(client(&["echo", "hello world"]), json!("hello world"));
    assert_eq!(client(&["search", "--last-name", "Python"]), pythons());
    let url = jsonrpc_search::HTTP_URL;
    assert_eq!(
        client(&["--http", url, "search", "--last-name", "Python"]),
        pythons()
    );
}
