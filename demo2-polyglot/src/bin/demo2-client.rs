//! demo2-client — ZeroMQ REQ client that may start before its server (section 2).
//!
//! Connects to `tcp://localhost:5555` (REQ), sends `hello` and prints `Get back message: hello`.
//! Start it first — terminal 1: `cargo run -p demo2-polyglot --bin demo2-client` — then the
//! server within 30 s — terminal 2: `cargo run -p demo2-polyglot` (or `php demo1-reqrep/peers/server.php`).

use std::process::ExitCode;
use std::time::Duration;

use clap::Parser;
use common::zmq_util::{recv_timeout, ClientError};

/// ZeroMQ REQ client: sends `hello` and waits (30 s by default) for the echo, even if the server
/// is not running yet. Partners: demo2-server, or the tutorial's PHP server.php.
#[derive(Parser, Debug)]
#[command(version)]
struct Args {
    /// The text to send.
    #[arg(default_value = demo2_polyglot::MESSAGE)]
    message: String,
    /// Endpoint of the server (tcp://HOST:PORT).
    #[arg(long, default_value = common::endpoints::ZMQ_CONNECT)]
    connect: String,
    /// How long to wait for the reply (e.g. 30, 2.5s, 500ms).
    #[arg(long, default_value = "30s", value_parser = common::parse_duration)]
    timeout: Duration,
}

fn main() -> ExitCode {
    common::cli::report(run())
}

fn run() -> anyhow::Result<()> {
    common::logging::init();
    let args = Args::parse();

    let context = zmq::Context::new();
    let socket = context.socket(zmq::REQ)?;
    socket.set_linger(0)?;
    // No server needed yet: connect() returns at once and retries in the background.
    common::zmq_util::connect(&socket, &args.connect, "--connect")?;
    // The request is queued inside the socket until a connection exists.
    socket.send(args.message.as_bytes(), 0)?;
    tracing::info!(
        endpoint = %args.connect,
        "request queued; waiting up to {} for the server (start it now if it is not running)",
        common::endpoints::human(args.timeout)
    );

    let reply = recv_timeout(&socket, args.timeout)?.ok_or(ClientError::NoReply {
        endpoint: args.connect.clone(),
        timeout: args.timeout,
        partner: "demo2-server",
    })?;
    println!("Get back message: {}", String::from_utf8_lossy(&reply));
    Ok(())
}
