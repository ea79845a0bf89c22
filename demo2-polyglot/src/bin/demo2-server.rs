//! demo2-server — ZeroMQ REP echo server (section 2, polyglot request/reply).
//!
//! Binds `tcp://127.0.0.1:5555` (REP) and echoes every frame, printing `Get message: <text>`:
//! the same server as section 1, so any client of the tutorial works with it.
//! Try the late start: terminal 1 `cargo run -p demo2-polyglot --bin demo2-client` (or
//! `.venv/bin/python demo2-polyglot/peers/client.py`), then terminal 2 `cargo run -p demo2-polyglot`.
//! How it stops: Ctrl-C (or SIGTERM) — it answers the request in hand, closes the socket
//! (linger at most 500 ms) and exits 0; a second Ctrl-C exits at once.

use std::process::ExitCode;

use clap::Parser;

/// ZeroMQ REP echo server. Partners: demo2-client, the Python client.py, the PHP client.php.
/// Start it before or after the client: a queued request is answered when it comes up.
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
    tracing::info!(endpoint = %args.bind, "demo2-server listening (Ctrl-C to stop)");

    demo1_reqrep::serve(&socket, &mut std::io::stdout(), &stop)?;
    tracing::info!("demo2-server stopped");
    Ok(())
}
