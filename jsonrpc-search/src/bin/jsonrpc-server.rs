//! JSON-RPC 2.0 server: `echo(s)` and `search(number?, last_name?, first_name?)` on a SQLite
//! phone book, over raw TCP on `127.0.0.1:31415` (one JSON request, no delimiter, the reply as
//! soon as the request is complete) and over HTTP on `127.0.0.1:31416`. Ctrl-C (or SIGTERM)
//! stops it: requests in flight get half a second to finish; exit status 0.
//!
//! Terminal 1: `cargo run -p jsonrpc-search`                      (this server)
//! Terminal 2: `cargo run -p jsonrpc-search --bin jsonrpc-client -- search --last-name Python`

use std::net::SocketAddr;
use std::path::PathBuf;
use std::process::ExitCode;

use anyhow::Context;
use clap::Parser;
use jsonrpc_search::{db, methods, tcp, PhoneBook};
use jsonrpc_search::{ServerOptions, Transports};
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
    #[command(flatten)]
    transports: Transports,
    /// The SQLite file; created and seeded with a small phone book if it does not exist.
    #[arg(long, default_value = db::seed::DEFAULT_DB, value_name = "PATH")]
    db: PathBuf,
    #[command(flatten)]
    options: ServerOptions,
}

fn main() -> ExitCode {
    common::cli::report(run())
}

fn run() -> anyhow::Result<()> {
    common::logging::init();
    let args = Args::parse();
    let log = args.options.open_log()?;
    let book = PhoneBook::open(&args.db)
        .with_context(|| format!("cannot open the database {}", args.db.display()))?;
    let (path, rows) = (args.db.display(), book.len()?);
    println!("Phone book {path}: {rows} rows in mytable");
    let io = std::sync::Arc::new(methods::handler(book)); // one handler, shared by the transports
    let extras = args.options.start(&args.transports, &io, log)?;

    // One thread for the TCP transport: a call is a few microseconds of work (a phone-book
    // query, an echo), and on one thread the task that accepts a connection also serves it,
    // with no wake-up of a second worker per connection, nor to re-arm its timers
    // (docs/benchmarks.md, hops). The HTTP transport has threads of its own.
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()?;
    // How a server stops: Ctrl-C or SIGTERM ends `stop`, and with it the serve loop.
    let mut sigterm = runtime.block_on(async { signal(SignalKind::terminate()) })?;
    let stop = async move {
        tokio::select! { _ = tokio::signal::ctrl_c() => {}, _ = sigterm.recv() => {} }
    };
    if args.transports.no_tcp {
        runtime.block_on(stop);
    } else {
        let listener = std::net::TcpListener::bind(args.listen)
            .with_context(|| format!("cannot listen on {}", args.listen))?;
        let addr = listener.local_addr()?;
        println!("JSON-RPC over TCP on {addr} (requests end where their JSON ends)");
        let (limits, log) = (extras.limits, extras.log.clone());
        runtime.block_on(tcp::serve(listener, io, limits, log, stop))?;
    }
    extras.finish();
    Ok(())
}
