//! demo4-client — one ZeroMQ REQ client, several REP servers, Lazy Pirate retries (section 4).
//!
//! Connects to every `--connect` endpoint (default `tcp://localhost:5555`), sends `[b"hello"]`
//! `--requests` times round-robin and prints each reply as Python prints it: `[b'alice']`.
//! A server that stays silent for `--retries` tries of `--timeout` each is skipped, with an
//! `E: <endpoint> is unreachable …` line on stderr; the client still finishes with the others.
//! Terminals 1–3: `cargo run -p demo4-multi-reply -- --bind tcp://127.0.0.1:555N --name NAME`;
//! terminal 4: `cargo run -p demo4-multi-reply --bin demo4-client -- --connect tcp://localhost:5555
//! --connect tcp://localhost:5556 --connect tcp://localhost:5557`.

use std::process::ExitCode;
use std::time::Duration;

use clap::Parser;
use demo4_multi_reply::{frames_repr, ClientError, LazyPirate};

/// ZeroMQ REQ client for several servers: round-robin requests, skipping dead servers.
/// Partner: demo4-server (or the tutorial's server.php), one per endpoint.
#[derive(Parser, Debug)]
#[command(version)]
struct Args {
    /// The frames of the request (several words = a multipart message).
    #[arg(default_value = "hello")]
    frames: Vec<String>,
    /// Endpoint of a server; repeat it for several servers.
    #[arg(long, default_value = common::endpoints::ZMQ_CONNECT)]
    connect: Vec<String>,
    /// How many requests to send (round-robin over the servers).
    #[arg(long, default_value_t = demo4_multi_reply::REQUESTS)]
    requests: usize,
    /// How long to wait for each reply before retrying (e.g. 2.5, 2.5s, 500ms).
    #[arg(long, default_value = "2.5s", value_parser = common::parse_duration)]
    timeout: Duration,
    /// Tries per server (the first included) before it is skipped as unreachable.
    #[arg(long, default_value_t = demo4_multi_reply::REQUEST_RETRIES,
          value_parser = clap::value_parser!(u32).range(1..))]
    retries: u32,
}

fn main() -> ExitCode {
    common::cli::report(run())
}

fn run() -> anyhow::Result<()> {
    common::logging::init();
    let args = Args::parse();

    let context = zmq::Context::new();
    let mut client = LazyPirate::connect(&context, &args.connect, args.timeout, args.retries)?;
    let request: Vec<&[u8]> = args.frames.iter().map(|f| f.as_bytes()).collect();

    let mut answered = 0;
    for _ in 0..args.requests {
        match client.request(&request, &mut std::io::stderr()) {
            Ok(reply) => {
                answered += 1;
                tracing::debug!(endpoint = %reply.endpoint, "reply");
                println!("{}", frames_repr(&reply.frames));
            }
            // Every server is gone: no point in sending the rest.
            Err(e @ ClientError::AllUnreachable { .. }) if answered == 0 => return Err(e.into()),
            Err(ClientError::AllUnreachable { .. }) => {
                eprintln!(
                    "E: every server is unreachable now; stopping after {answered} of {} requests",
                    args.requests
                );
                break;
            }
            Err(e) => return Err(e.into()),
        }
    }
    Ok(())
}
