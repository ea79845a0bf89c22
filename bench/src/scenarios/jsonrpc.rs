//! `jsonrpc-http` and `jsonrpc-tcp` — section 9's server (`jsonrpc-server`) against the plain
//! Python peer (`jsonrpc-search/peers/server.py`: `http.server` and `socketserver`, threads),
//! one client making `echo("hello world")` calls back to back with the same load generator:
//! - over HTTP, keeping the connection alive when the server allows it (Python's
//!   `BaseHTTPRequestHandler` speaks HTTP/1.0 and closes after each reply);
//! - over raw TCP the tutorial's way: one connection per call, no delimiter.
//!
//! `echo` measures the transport; `search` would add the same SQLite query to both sides.

use std::net::SocketAddr;
use std::path::PathBuf;
use std::process::Command;
use std::time::Duration;

use anyhow::bail;

use crate::ctx::{free_addr, section_peer, start_server, Ctx, Ready};
use crate::limits::Loopback;
use crate::load::{self, HttpClient};
use crate::measure::{self, Better, Contender, Row, Target};

const PEER: &str = "Python http.server/socketserver";
/// One client: at least this fraction of its loopback limit, measured in the same run.
const LIMIT_TARGET: f64 = 0.8;
const ECHO: &str = r#"{"jsonrpc": "2.0", "method": "echo", "params": ["hello world"], "id": 1}"#;

/// Both servers with both transports, started once for the two scenarios of a run.
struct Servers {
    rust_tcp: SocketAddr,
    rust_http: SocketAddr,
    py_tcp: SocketAddr,
    py_http: SocketAddr,
    _procs: Vec<test_support::Proc>,
    _db: TempDb,
}

/// A phone-book file per run, removed afterwards (each server creates and seeds its own).
struct TempDb(Vec<PathBuf>);

impl Drop for TempDb {
    fn drop(&mut self) {
        for path in &self.0 {
            let _ = std::fs::remove_file(path);
        }
    }
}

fn start(ctx: &Ctx) -> anyhow::Result<Servers> {
    let mut python = ctx.python(&section_peer("jsonrpc-search", "server.py"))?;
    let binary = ctx.binary("jsonrpc-search", "jsonrpc-server")?;
    let dir = std::env::temp_dir();
    let pid = std::process::id();
    let rust_db = dir.join(format!("bench-{pid}-rust.sqlite3"));
    let py_db = dir.join(format!("bench-{pid}-python.sqlite3"));
    let db = TempDb(vec![rust_db.clone(), py_db.clone()]);
    let (rust_tcp, rust_http, py_tcp, py_http) =
        (free_addr(), free_addr(), free_addr(), free_addr());
    let rust = start_server(
        "jsonrpc-server",
        Command::new(binary)
            .arg("--listen")
            .arg(rust_tcp.to_string())
            .arg("--http")
            .arg(rust_http.to_string())
            .arg("--db")
            .arg(&rust_db),
        Ready::Line("JSON-RPC over TCP"),
        Duration::from_secs(10),
    )?;
    let py = start_server(
        "server.py",
        python
            .env("JSONRPC_ADDR", py_tcp.to_string())
            .env("JSONRPC_HTTP", py_http.to_string())
            .env("JSONRPC_DB", &py_db),
        Ready::Line("JSON-RPC over TCP"),
        Duration::from_secs(10),
    )?;
    for addr in [rust_tcp, rust_http, py_tcp, py_http] {
        crate::ctx::wait_for_port(addr, Duration::from_secs(10))?;
    }
    let servers = Servers {
        rust_tcp,
        rust_http,
        py_tcp,
        py_http,
        _procs: vec![rust, py],
        _db: db,
    };
    for addr in [rust_http, py_http] {
        check(
            &HttpClient::post(addr, "/", "application/json", ECHO).call()?,
            addr,
        )?;
    }
    for addr in [rust_tcp, py_tcp] {
        check(&load::tcp_json_call(addr, ECHO.as_bytes())?, addr)?;
    }
    Ok(servers)
}

fn check(reply: &[u8], addr: SocketAddr) -> anyhow::Result<()> {
    let value: serde_json::Value = serde_json::from_slice(reply)?;
    if value["result"] != "hello world" {
        bail!("{addr} did not echo: {value}");
    }
    Ok(())
}

pub fn run_http(ctx: &Ctx) -> anyhow::Result<Vec<Row>> {
    let servers = start(ctx)?;
    let sample = ctx.budget.sample;
    let rate = |addr| -> anyhow::Result<f64> {
        let mut client = HttpClient::post(addr, "/", "application/json", ECHO);
        Ok(measure::for_duration(sample, u64::MAX, || client.call().map(drop))?.per_second())
    };
    let limits = Loopback::start()?;
    let medians = measure::round_robin(
        ctx.budget.repeats,
        &mut [
            Contender::new("Rust jsonrpc-server", || rate(servers.rust_http)),
            Contender::new(PEER, || rate(servers.py_http)),
            Contender::new("TCP ping-pong", || limits.tcp_ping_pong(sample)),
        ],
        ctx.sample_reporter("calls/s"),
    )?;
    ctx.note_limit(medians[2]);
    Ok(vec![Row::new(
        "jsonrpc-http",
        "calls/s",
        Better::Higher,
        medians[0],
        PEER,
        medians[1],
    )
    .with_target(Target::RatioAtLeast(5.0))
    .with_limit(medians[2])
    .with_target(Target::LimitAtLeast(LIMIT_TARGET))])
}

pub fn run_tcp(ctx: &Ctx) -> anyhow::Result<Vec<Row>> {
    let servers = start(ctx)?;
    let sample = ctx.budget.sample;
    let rate = |addr| -> anyhow::Result<f64> {
        Ok(measure::for_duration(sample, u64::MAX, || {
            load::tcp_json_call(addr, ECHO.as_bytes()).map(drop)
        })?
        .per_second())
    };
    let limits = Loopback::start()?;
    let medians = measure::round_robin(
        ctx.budget.repeats,
        &mut [
            Contender::new("Rust jsonrpc-server", || rate(servers.rust_tcp)),
            Contender::new(PEER, || rate(servers.py_tcp)),
            Contender::new("TCP connect + ping-pong + close", || {
                limits.tcp_connect_ping_pong_close(sample)
            }),
        ],
        ctx.sample_reporter("calls/s"),
    )?;
    Ok(vec![Row::new(
        "jsonrpc-tcp",
        "calls/s (a connection each)",
        Better::Higher,
        medians[0],
        PEER,
        medians[1],
    )
    .with_limit(medians[2])
    .with_target(Target::LimitAtLeast(LIMIT_TARGET))])
}
