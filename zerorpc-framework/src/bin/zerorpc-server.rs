//! zerorpc-server — a zerorpc server (section 6½): the framework step after demo6.
//!
//! Binds `tcp://127.0.0.1:4242` (ROUTER; zerorpc's customary port; `zerorpc-server ENDPOINT`
//! or `--bind` another, `--connect` to connect instead) and serves `add`, `plus`,
//! `hello`, `echo`, `count` (a stream), `sleep` and `fail`, plus zerorpc's built-ins
//! (`_zerorpc_inspect`, …). It speaks zerorpc protocol v3, so the real Python `zerorpc`
//! client works against it. One console line per call: `plus([1, 2, 2, 3, 3, 4, 2, 3, -1]) = 19`.
//! Terminal 1: `cargo run -p zerorpc-framework`;
//! terminal 2: `cargo run -p zerorpc-framework --bin zerorpc-client -- plus '[1, 2, 2, 3, 3, 4, 2, 3, -1]'`
//! (or `python peers/client.py`).

use std::process::ExitCode;
use std::time::Duration;

use anyhow::Context;
use clap::Parser;
use zerorpc_framework::{app, BIND};

/// zerorpc server (ZeroMQ ROUTER, MessagePack, zerorpc protocol v3): methods add, plus, hello,
/// echo, count (a stream), sleep, fail. Partner: zerorpc-client, or any zerorpc client
/// (Python: `zerorpc.Client("tcp://127.0.0.1:4242")`; peers/client.py).
///
/// `zerorpc-server ENDPOINT` is `zerorpc-server --bind ENDPOINT` (the zerorpc cross-tests'
/// form); `--connect ENDPOINT` connects to a client started with `zerorpc-client --bind`.
#[derive(Parser, Debug)]
#[command(version)]
struct Args {
    /// Endpoint to bind, as --bind (e.g. ipc:///tmp/zerorpc.sock).
    #[arg(value_name = "ENDPOINT", conflicts_with_all = ["bind", "connect"])]
    endpoint: Option<String>,
    /// Endpoint to bind [default: tcp://127.0.0.1:4242]. Loopback only by default; use
    /// 'tcp://*:4242' to share the server with a classroom over Wi-Fi.
    #[arg(long, conflicts_with = "connect")]
    bind: Option<String>,
    /// Connect to ENDPOINT instead of binding (a client bound it: `zerorpc-client --bind`).
    #[arg(long, value_name = "ENDPOINT")]
    connect: Option<String>,
    /// Heartbeat interval (zerorpc's is 5 s; a client is lost after two silent intervals).
    #[arg(long, default_value = "5s", value_parser = common::parse_duration)]
    heartbeat: Duration,
    /// Refuse calls whose header lacks `access_key: KEY` (the access-key middleware).
    #[arg(long, env = "ZERORPC_ACCESS_KEY")]
    access_key: Option<String>,
    /// Add the method `quit()`: it answers null, then the server stops and exits 0.
    #[arg(long)]
    allow_quit: bool,
}

fn main() -> ExitCode {
    common::cli::report(run())
}

fn run() -> anyhow::Result<()> {
    common::logging::init();
    let args = Args::parse();
    let stop = common::shutdown::on_ctrl_c().context("cannot install the Ctrl-C handler")?;

    let context = zmq::Context::new();
    let mut server = app::server(args.access_key)
        .heartbeat(args.heartbeat)
        .console(std::io::stdout());
    if args.allow_quit {
        server = server.allow_quit();
    }
    let methods = server.names().join(", ");
    let bound = match (args.connect, args.endpoint.or(args.bind)) {
        (Some(endpoint), _) => {
            common::zmq_util::check_connect(&endpoint, "--connect")?;
            server.connect(&context, &endpoint)?
        }
        (None, endpoint) => {
            let endpoint = endpoint.unwrap_or_else(|| BIND.to_string());
            server
                .bind(&context, &endpoint)
                .map_err(|e| common::zmq_util::bind_error(&endpoint, "--bind", e))?
        }
    };
    tracing::info!(endpoint = bound.endpoint(), %methods, "zerorpc-server listening (Ctrl-C to stop)");
    bound.run(&stop)?;
    tracing::info!("stopped");
    Ok(())
}
