//! demo2-server — ZeroMQ REP echo server (section 2, polyglot request/reply).
//!
//! Binds `tcp://127.0.0.1:5555` (REP) and echoes every frame, printing `Get message: <text>`:
//! the same server as section 1, so any client of the tutorial works with it.
//! Try the late start: terminal 1 `cargo run -p demo2-polyglot --bin demo2-client` (or
//! `.venv/bin/python demo2-polyglot/peers/client.py`), then terminal 2 `cargo run -p demo2-polyglot`.

use std::process::ExitCode;
use std::sync::atomic::AtomicBool;

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
    socket.bind(&args.bind).map_err(|e| {
        anyhow::anyhow!(
            "cannot bind {}: {e} (is another server running?)",
            args.bind
        )
    })?;
    tracing::info!(endpoint = %args.bind, "demo2-server listening (Ctrl-C to stop)");

    static SHUTDOWN: AtomicBool = AtomicBool::new(false);
    demo1_reqrep::serve(&socket, &mut std::io::stdout(), &SHUTDOWN)?;
    Ok(())
}
