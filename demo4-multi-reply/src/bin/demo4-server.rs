//! demo4-server — ZeroMQ REP server that answers with its name (section 4, one client, many servers).
//!
//! Binds `tcp://127.0.0.1:5555` (REP), prints `Get message: [b'hello']` for each request (its
//! frames as Python prints them) and replies with its name as one frame (`--name`, default the
//! host name). Terminals 1–3: `cargo run -p demo4-multi-reply -- --name alice --bind tcp://*:5555`
//! on three machines (or three ports on one: `--bind tcp://127.0.0.1:5556 --name bob`, …);
//! terminal 4: `cargo run -p demo4-multi-reply --bin demo4-client -- --connect … --connect …`.

use std::process::ExitCode;
use std::sync::atomic::AtomicBool;

use clap::Parser;

/// ZeroMQ REP server: answers every request, whatever its frames, with its name.
/// Partner: demo4-client (or the tutorial's client.py), which asks several such servers in turn.
#[derive(Parser, Debug)]
#[command(version)]
struct Args {
    /// Endpoint to bind. The default is loopback only; use 'tcp://*:5555' to share the server
    /// with a classroom over Wi-Fi.
    #[arg(long, default_value = common::endpoints::ZMQ_BIND)]
    bind: String,
    /// The name to reply with [default: this machine's host name].
    #[arg(long)]
    name: Option<String>,
}

fn main() -> ExitCode {
    common::cli::report(run())
}

fn run() -> anyhow::Result<()> {
    common::logging::init();
    let args = Args::parse();
    let name = args.name.unwrap_or_else(demo4_multi_reply::default_name);

    let context = zmq::Context::new();
    let socket = context.socket(zmq::REP)?;
    socket.bind(&args.bind).map_err(|e| {
        anyhow::anyhow!(
            "cannot bind {}: {e} (is another server running?)",
            args.bind
        )
    })?;
    tracing::info!(endpoint = %args.bind, %name, "demo4-server listening (Ctrl-C to stop)");

    static SHUTDOWN: AtomicBool = AtomicBool::new(false);
    demo4_multi_reply::serve(&socket, &name, &mut std::io::stdout(), &SHUTDOWN)?;
    Ok(())
}
