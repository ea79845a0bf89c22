//! demo6-client — a tiny RPC client: one MessagePack call over ZeroMQ REQ (section 6).
//!
//! Connects to `tcp://localhost:5555` (REQ) and sends the tutorial's call
//! `{"function_name": "plus", "parameters": [1, 2, 2, 3, 3, 4, 2, 3, -1]}`, or the one given
//! on the command line (`demo6-client plus 1 2 3`), then prints the result (`19`, `6`).
//! An error reply is printed on stderr and the exit status is 1.
//! Terminal 1: `cargo run -p demo6-rpc-server` (or `php peers/server.php`);
//! terminal 2: `cargo run -p demo6-rpc-server --bin demo6-client -- plus 1 2 3`.

use std::process::ExitCode;
use std::time::Duration;

use anyhow::Context;
use clap::Parser;
use common::zmq_util::{recv_timeout, ClientError};
use demo6_rpc_server::{display_value, parse_parameter, Request};

/// ZeroMQ REQ client: calls a function on demo6-server and prints the result.
/// Partner: demo6-server (or the tutorial's server.php).
///
/// Examples: `demo6-client` (the tutorial's plus call, prints 19), `demo6-client plus 1 2 3`,
/// `demo6-client divide 7 2`, `demo6-client hello Ada`, `demo6-client echo '[1, {"a": true}]'`.
#[derive(Parser, Debug)]
#[command(version)]
struct Args {
    /// The function to call (default: the tutorial's `plus 1 2 2 3 3 4 2 3 -1`).
    function: Option<String>,
    /// Its parameters: JSON literals (3, 2.5, true, [1, 2], "7") or plain text for a string.
    #[arg(allow_negative_numbers = true)]
    parameters: Vec<String>,
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
    let request = match &args.function {
        None => Request::tutorial(),
        Some(name) => Request::new(
            name,
            args.parameters.iter().map(|p| parse_parameter(p)).collect(),
        ),
    };
    tracing::debug!(call = %request.display_call(), "calling");

    let context = zmq::Context::new();
    let socket = context.socket(zmq::REQ)?;
    // Linger 0: if we give up, exit at once instead of waiting to deliver the queued request.
    socket.set_linger(0)?;
    common::zmq_util::connect(&socket, &args.connect, "--connect")?;

    socket.send(request.to_bytes(), 0)?;
    let bytes = recv_timeout(&socket, args.timeout)?.ok_or(ClientError::NoReply {
        endpoint: args.connect.clone(),
        timeout: args.timeout,
        partner: "demo6-server",
    })?;
    let reply = demo5_msgpack::decode(&bytes).context("the server's reply is not MessagePack")?;
    // The protocol's one convention: a map {"error": …} is a failure, anything else a result.
    if let Some(error) = demo5_msgpack::as_error(&reply) {
        eprintln!("error: {error}");
        return Ok(ExitCode::FAILURE);
    }
    println!("{}", display_value(&reply));
    Ok(ExitCode::SUCCESS)
}
