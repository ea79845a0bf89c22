//! demo1-client — ZeroMQ REQ client (section 1, request/reply).
//!
//! Connects to `tcp://localhost:5555` (REQ), sends `hello there!` (or its argument) and prints
//! `Get back message: <reply>`. Terminal 1: `cargo run -p demo1-reqrep` (or `php peers/server.php`);
//! terminal 2: `cargo run -p demo1-reqrep --bin demo1-client`.

use std::process::ExitCode;
use std::time::Duration;

use clap::Parser;
use common::zmq_util::{recv_timeout, ClientError};

/// ZeroMQ REQ client: sends one message and prints the echo.
/// Partner: demo1-server (or the tutorial's server.php).
#[derive(Parser, Debug)]
#[command(version)]
struct Args {
    /// The text to send.
    #[arg(default_value = demo1_reqrep::GREETING)]
    message: String,
    /// Endpoint of the server (tcp://HOST:PORT).
    #[arg(long, default_value = common::endpoints::ZMQ_CONNECT)]
    connect: String,
    /// How long to wait for the reply (e.g. 5, 2.5s, 500ms).
    #[arg(long, default_value = "5s", value_parser = common::parse_duration)]
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
    // Linger 0: if we give up, exit at once instead of waiting to deliver the queued request.
    socket.set_linger(0)?;
    common::zmq_util::connect(&socket, &args.connect, "--connect")?;

    socket.send(args.message.as_bytes(), 0)?;
    let reply = recv_timeout(&socket, args.timeout)?.ok_or(ClientError::NoReply {
        endpoint: args.connect.clone(),
        timeout: args.timeout,
        partner: "demo1-server",
    })?;
    println!("Get back message: {}", String::from_utf8_lossy(&reply));
    Ok(())
}
