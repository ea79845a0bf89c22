//! XML-RPC server (HTTP POST, `text/xml`) on `127.0.0.1:8000`: the tutorial's calculator
//! (`add`, `subtract`, `multiply`, `divide`, `system.multicall`, `system.listMethods` at `/` and
//! `/RPC2`; `hello(name)` at `/api`; `sleep(seconds)`). Each connection is a tokio task, so
//! hundreds of slow calls run at once.
//!
//! Terminal 1: `cargo run -p xmlrpc-calc`
//! Terminal 2: `cargo run -p xmlrpc-calc --bin xmlrpc-client`  → `7 + 3 = 10, 7-3 = 4, 7*3 = 21, 7/3 = 2`
//! (or the tutorial's Python client: `.venv/bin/python xmlrpc-calc/peers/client.py`).
//! Ctrl-C (or SIGTERM) stops it: calls in flight get half a second to finish; exit status 0.
//! With `--allow-file`, `kill -HUP <pid>` re-reads the allowlist (`--pid-file` writes the pid).

use std::process::ExitCode;

use anyhow::Context;
use clap::Parser;
use xmlrpc_calc::hardening::HardeningArgs;
use xmlrpc_calc::{questions::concurrency, server};

/// XML-RPC calculator server: add, subtract, multiply, divide, sleep, system.multicall and
/// system.listMethods at / and /RPC2, hello(name) at /api. Partner: xmlrpc-client (or peers/client.py).
#[derive(Debug, Parser)]
#[command(
    version,
    after_help = "Partner: xmlrpc-client (`cargo run -p xmlrpc-calc --bin xmlrpc-client`).\n\
    Loopback by default; `--listen 0.0.0.0:8000` shares the server with a classroom — \
    then consider --allow and --tls-cert/--tls-key."
)]
struct Args {
    /// Address to listen on.
    #[arg(long, default_value = server::DEFAULT_LISTEN)]
    listen: String,
    /// Write this process's id to PATH (and remove it at exit), for `kill -HUP $(cat PATH)`.
    #[arg(long, value_name = "PATH")]
    pid_file: Option<std::path::PathBuf>,
    /// After each reply, keep the thread awake this long for the client's next request (one
    /// client in a loop: twice the calls/s; costs CPU only while calls come). 0: off.
    #[arg(long, default_value = "200us", value_parser = common::parse_duration)]
    stay_awake: std::time::Duration,
    /// The answers to the tutorial's timeout and security questions.
    #[command(flatten)]
    hardening: HardeningArgs,
}

fn main() -> ExitCode {
    common::cli::report(run())
}

// One thread: a call is a few microseconds of work, and on one thread the task that reads a
// request also answers it, with no hand-off to another worker (docs/benchmarks.md, hops).
#[tokio::main(flavor = "current_thread")]
async fn run() -> anyhow::Result<()> {
    common::logging::init();
    let args = Args::parse();
    let mut config = args.hardening.into_config()?;
    config.stay_awake = args.stay_awake;
    let scheme = if config.tls.is_some() {
        "https"
    } else {
        "http"
    };
    let listener = concurrency::listen(&args.listen)
        .await
        .with_context(|| format!("cannot listen on {} (already in use?)", args.listen))?;
    let addr = listener.local_addr()?;
    tracing::info!(url = %format!("{scheme}://{addr}/"), "serving XML-RPC");
    if let Some(path) = &args.pid_file {
        std::fs::write(path, format!("{}\n", std::process::id()))
            .with_context(|| format!("cannot write --pid-file {}", path.display()))?;
    }
    println!("Listening on port {}...", addr.port());
    let mut sigterm = tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate())?;
    let stop = async move {
        tokio::select! { _ = tokio::signal::ctrl_c() => {}, _ = sigterm.recv() => {} }
    };
    let served = server::run(listener, config, stop).await;
    if let Some(path) = &args.pid_file {
        let _ = std::fs::remove_file(path);
    }
    Ok(served?)
}
