//! demo6-server — a tiny RPC server: MessagePack calls over ZeroMQ REP (section 6).
//!
//! Binds `tcp://127.0.0.1:5555` (REP). Each request is a map
//! `{"function_name": "plus", "parameters": [1, 2, 3]}`; the server looks the name up in its
//! route table, calls the function and replies with the bare result (`6`), or with
//! `{"error": "…"}` if anything is wrong — and keeps serving.
//! Terminal 1: `cargo run -p demo6-rpc-server`;
//! terminal 2: `cargo run -p demo6-rpc-server --bin demo6-client` (or `python peers/client.py`).
//! How it stops: Ctrl-C (or SIGTERM) — it answers the request in hand, closes the socket
//! (linger at most 500 ms) and exits 0; a second Ctrl-C exits at once.

use std::process::ExitCode;

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
    // When we close: at most LINGER to deliver a reply still queued, then go.
    socket.set_linger(common::shutdown::LINGER_MS)?;
    common::zmq_util::bind(&socket, &args.bind, "--bind")?;
    // Ctrl-C and SIGTERM raise this flag; `serve` looks at it between requests.
    let stop = common::shutdown::on_ctrl_c()?;
    let router = demo6_rpc_server::functions::router();
    tracing::info!(endpoint = %args.bind, functions = ?router.names(), "demo6-server listening (Ctrl-C to stop)");

    // Buffered: `serve` flushes it whenever it is about to wait for a request.
    let mut console = std::io::BufWriter::new(std::io::stdout().lock());
    demo6_rpc_server::serve(&socket, &router, &mut console, &stop)?;
    tracing::info!("demo6-server stopped");
    Ok(())
}
