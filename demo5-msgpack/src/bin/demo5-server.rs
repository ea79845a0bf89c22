//! demo5-server — ZeroMQ REP server speaking MessagePack (section 5, a real payload).
//!
//! Binds `tcp://127.0.0.1:5555` (REP). Each request is one MessagePack array; the server prints
//! `Get message: ["hello", "world"]` and replies with the array reversed. Anything that is not
//! an array gets `{"error": "…"}` back, and the server goes on.
//! Terminal 1: `cargo run -p demo5-msgpack`;
//! terminal 2: `cargo run -p demo5-msgpack --bin demo5-client` (or `python peers/client.py`).
//! How it stops: Ctrl-C (or SIGTERM) — it answers the request in hand, closes the socket
//! (linger at most 500 ms) and exits 0; a second Ctrl-C exits at once.

use std::process::ExitCode;

use clap::Parser;

/// ZeroMQ REP server: replies to a MessagePack array with the same array reversed.
/// Partner: demo5-client (or the tutorial's client.py / client.php).
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
    tracing::info!(endpoint = %args.bind, "demo5-server listening (Ctrl-C to stop)");

    demo5_msgpack::serve(&socket, &mut std::io::stdout(), &stop)?;
    tracing::info!("demo5-server stopped");
    Ok(())
}
