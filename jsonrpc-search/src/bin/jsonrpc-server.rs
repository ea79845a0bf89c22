//! JSON-RPC 2.0 server: `echo(s)` and `search(number?, last_name?, first_name?)` on a SQLite
//! phone book, over raw TCP on `127.0.0.1:31415` (one JSON request, no delimiter, the reply as
//! soon as the request is complete) and over HTTP on `127.0.0.1:31416`.
//!
//! Terminal 1: `cargo run -p jsonrpc-search`                      (this server)
//! Terminal 2: `cargo run -p jsonrpc-search --bin jsonrpc-client -- search --last-name Python`
//!
//! `--log-file myrpc.log` keeps the tutorial's transport log. Ctrl-C (or SIGTERM) stops it:
//! requests in flight get half a second to finish; exit status 0.

use std::net::SocketAddr;
use std::path::PathBuf;
use std::process::ExitCode;
use std::sync::Arc;
use std::time::Duration;

use anyhow::{bail, Context};
use clap::Parser;
use jsonrpc_search::hardening::limits::LimitsArgs;
use jsonrpc_search::questions::log_file::TransportLog;
use jsonrpc_search::{db, http, methods, tcp, PhoneBook};
use tokio::signal::unix::{signal, SignalKind};

/// JSON-RPC 2.0 server with `echo(s)` and `search(number?, last_name?, first_name?)` over a SQLite
/// phone book (table `mytable`, created and seeded on first run), on raw TCP and on HTTP.
///
/// Its partner is `jsonrpc-client` (or the tutorial's Python client, peers/client.py):
///   jsonrpc-client search --last-name Python
///
/// It listens on loopback only; `--listen 0.0.0.0:31415` shares it with a classroom.
#[derive(Debug, Parser)]
#[command(version)]
struct Args {
    /// Address for JSON-RPC over raw TCP (one JSON request per message, no delimiter).
    #[arg(long, default_value = jsonrpc_search::TCP_ADDR, value_name = "ADDR")]
    listen: SocketAddr,
    /// JSON-RPC over HTTP too (`--http ADDR`, `--no-http`).
    #[command(flatten)]
    http: http::HttpArgs,
    /// Serve HTTP only.
    #[arg(long, conflicts_with = "no_http")]
    no_tcp: bool,
    /// The SQLite file; created and seeded with a small phone book if it does not exist.
    #[arg(long, default_value = db::DEFAULT_DB, value_name = "PATH")]
    db: PathBuf,
    /// How much a client may send, and how long it may dawdle.
    #[command(flatten)]
    limits: LimitsArgs,
    /// Append one line per TCP request and reply (timestamp, peer) to this file (the tutorial's
    /// `logfunc=log_file("myrpc.log")`).
    #[arg(long, value_name = "PATH")]
    log_file: Option<PathBuf>,
}

fn main() -> ExitCode {
    common::cli::report(run())
}

fn run() -> anyhow::Result<()> {
    common::logging::init();
    let args = Args::parse();

    let (log, writer) = TransportLog::open_if(args.log_file.as_deref())?;
    let book = PhoneBook::open(&args.db)
        .with_context(|| format!("cannot open the database {}", args.db.display()))?;
    println!(
        "Phone book {}: {} rows in mytable",
        args.db.display(),
        book.len()?
    );
    let io = methods::handler(book);
    let limits = args.limits.limits();

    // jsonrpc-http-server runs on threads of its own; keep the handle alive while we serve.
    let http_server = args.http.start(&io, &limits)?;

    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()?;
    // How a server stops: Ctrl-C or SIGTERM ends `stop`, and with it the serve loop.
    let mut sigterm = runtime.block_on(async { signal(SignalKind::terminate()) })?;
    let stop = async move {
        tokio::select! { _ = tokio::signal::ctrl_c() => {}, _ = sigterm.recv() => {} }
    };
    if args.no_tcp {
        if http_server.is_none() {
            bail!("--no-tcp and --no-http leave nothing to serve");
        }
        runtime.block_on(stop);
    } else {
        let listener = std::net::TcpListener::bind(args.listen)
            .with_context(|| format!("cannot listen on {}", args.listen))?;
        println!(
            "JSON-RPC over TCP on {} (requests end where their JSON ends)",
            listener.local_addr()?
        );
        runtime.block_on(tcp::serve(listener, Arc::new(io), limits, log, stop))?;
    }
    // Then the HTTP server closes its sockets, and the log writes its last lines.
    if let Some(server) = http_server {
        server.close();
    }
    if let Some(writer) = writer {
        writer.finish(Duration::from_millis(300));
    }
    Ok(())
}
