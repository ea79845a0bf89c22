//! XML-RPC server (HTTP POST, `text/xml`) on `127.0.0.1:8000`: the tutorial's calculator
//! (`add`, `subtract`, `multiply`, `divide`, `system.multicall`, `system.listMethods` at `/` and
//! `/RPC2`; `hello(name)` at `/api`; `sleep(seconds)`). Each connection is a tokio task, so
//! hundreds of slow calls run at once.
//!
//! Terminal 1: `cargo run -p xmlrpc-calc`
//! Terminal 2: `cargo run -p xmlrpc-calc --bin xmlrpc-client`  → `7 + 3 = 10, 7-3 = 4, 7*3 = 21, 7/3 = 2`
//! (or the tutorial's Python client: `.venv/bin/python xmlrpc-calc/peers/client.py`).

use std::path::PathBuf;
use std::process::ExitCode;
use std::time::Duration;

use anyhow::Context;
use clap::Parser;
use ipnet::IpNet;
use xmlrpc_calc::server::{self, ServerConfig};

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
    /// Drop a client that sends no request headers (or body) within this time: 10, 2.5s, 500ms.
    #[arg(long, default_value = "10s", value_parser = common::parse_duration)]
    read_timeout: Duration,
    /// Largest request body in bytes; bigger requests get `413 Payload Too Large`.
    #[arg(long, default_value_t = server::MAX_BODY)]
    max_body: usize,
    /// Only clients from this network may call (repeatable), e.g. 127.0.0.1/32, 10.0.0.0/8.
    /// Others get `403 Forbidden`. Default: everyone.
    #[arg(long = "allow", value_name = "CIDR")]
    allow: Vec<IpNet>,
    /// Serve HTTPS with this PEM certificate chain (needs --tls-key).
    #[arg(long, requires = "tls_key")]
    tls_cert: Option<PathBuf>,
    /// The PEM private key of --tls-cert.
    #[arg(long, requires = "tls_cert")]
    tls_key: Option<PathBuf>,
}

fn main() -> ExitCode {
    common::cli::report(run())
}

#[tokio::main]
async fn run() -> anyhow::Result<()> {
    common::logging::init();
    let args = Args::parse();
    let tls = match (&args.tls_cert, &args.tls_key) {
        (Some(cert), Some(key)) => Some(server::load_tls(cert, key)?),
        _ => None,
    };
    let scheme = if tls.is_some() { "https" } else { "http" };
    let listener = server::listen(&args.listen)
        .await
        .with_context(|| format!("cannot listen on {} (already in use?)", args.listen))?;
    let addr = listener.local_addr()?;
    let config = ServerConfig {
        read_timeout: args.read_timeout,
        max_body: args.max_body,
        allow: args.allow,
        tls,
    };
    tracing::info!(url = %format!("{scheme}://{addr}/"), ?config.allow, "serving XML-RPC");
    println!("Listening on port {}...", addr.port());
    let ctrl_c = async {
        let _ = tokio::signal::ctrl_c().await;
    };
    server::run(listener, config, ctrl_c).await?;
    Ok(())
}
