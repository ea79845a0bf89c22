//! demo5-client — ZeroMQ REQ client speaking MessagePack (section 5, a real payload).
//!
//! Connects to `tcp://localhost:5555` (REQ), sends the MessagePack array `["hello", "world"]`
//! (or its arguments as an array of strings) and prints the decoded reply,
//! `["world", "hello"]`; an error reply goes to stderr with exit status 1. Terminal 1: `cargo run -p demo5-msgpack` (or `php peers/server.php`);
//! terminal 2: `cargo run -p demo5-msgpack --bin demo5-client`.

use std::process::ExitCode;
use std::time::Duration;

use anyhow::Context;
use clap::Parser;
use common::zmq_util::{recv_timeout, ClientError};

/// ZeroMQ REQ client: sends an array of strings as MessagePack and prints the reversed reply.
/// Partner: demo5-server (or the tutorial's server.php).
#[derive(Parser, Debug)]
#[command(version)]
struct Args {
    /// The strings to send, as one MessagePack array (default: hello world).
    words: Vec<String>,
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

fn run() -> anyhow::Result<ExitCode> {
    common::logging::init();
    let args = Args::parse();
    let words: Vec<String> = if args.words.is_empty() {
        demo5_msgpack::GREETING
            .iter()
            .map(|w| w.to_string())
            .collect()
    } else {
        args.words
    };

    let context = zmq::Context::new();
    let socket = context.socket(zmq::REQ)?;
    // Linger 0: if we give up, exit at once instead of waiting to deliver the queued request.
    socket.set_linger(0)?;
    common::zmq_util::connect(&socket, &args.connect, "--connect")?;

    socket.send(demo5_msgpack::request_bytes(&words), 0)?;
    let bytes = recv_timeout(&socket, args.timeout)?.ok_or(ClientError::NoReply {
        endpoint: args.connect.clone(),
        timeout: args.timeout,
        partner: "demo5-server",
    })?;
    let reply = demo5_msgpack::decode(&bytes).context("the server's reply is not MessagePack")?;
    if let Some(error) = demo5_msgpack::as_error(&reply) {
        eprintln!("error: {error}");
        return Ok(ExitCode::FAILURE);
    }
    println!("{reply}");
    Ok(ExitCode::SUCCESS)
}
