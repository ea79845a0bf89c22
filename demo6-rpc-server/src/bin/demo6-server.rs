//! demo6-server — a tiny RPC server: MessagePack calls over ZeroMQ REP (section 6).
//!
//! Binds `tcp://127.0.0.1:5555` (REP). Each request is a map
//! `{"function_name": "plus", "parameters": [1, 2, 3]}`; the server looks the name up in its
//! route table, calls the function and replies with the bare result (`6`), or with
//! `{"error": "…"}` if anything is wrong — and keeps serving.
//! Terminal 1: `cargo run -p demo6-rpc-server`;
//! terminal 2: `cargo run -p demo6-rpc-server --bin demo6-client` (or `python peers/client.py`).

use std::process::ExitCode;
use std::sync::atomic::AtomicBool;

use clap::Parser;

/// ZeroMQ REP server: calls the named function with the given parameters (MessagePack) and
/// replies with the result. Functions: plus, divide, hello, stats, echo.
/// Partner: demo6-client (or the tutorial's client.py).
#[derive(Parser, Debug)]
#[command(version)]
struct Args {
    /// Endpoint to bind. The default is loopback only; use 'tcp://*:5555' to share the server
    /// with a classroom over Wi-Fi.
    #[arg(long, default_value = common::endpoints::ZMQ_BIND)]
    bind: String,
}

fn main() -> ExitCode {
    common::cli::report(run())
}

fn run() -> anyhow::Result<()> {
    common::logging::init();
    let args = Args::parse();

    let context = zmq::Context::new();
    let socket = context.socket(zmq::REP)?;
    socket.bind(&args.bind).map_err(|e| {
        anyhow::anyhow!(
            "cannot bind {}: {e} (is another server running?)",
            args.bind
        )
    })?;
    let router = demo6_rpc_server::functions::router();
    tracing::info!(endpoint = %args.bind, functions = ?router.names(), "demo6-server listening (Ctrl-C to stop)");

    static SHUTDOWN: AtomicBool = AtomicBool::new(false);
    demo6_rpc_server::serve(&socket, &router, &mut std::io::stdout(), &SHUTDOWN)?;
    Ok(())
}
