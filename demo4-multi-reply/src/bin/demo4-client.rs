//! demo4-client — one ZeroMQ REQ client, several REP servers, Lazy Pirate retries (section 4).
//!
//! Connects to every `--connect` endpoint (default `tcp://localhost:5555`), sends `[b"hello"]`
//! `--requests` times round-robin and prints each reply as Python prints it: `[b'alice']`.
//! A server that stays silent for `--retries` tries of `--timeout` each is skipped, with an
//! `E: <endpoint> is unreachable …` line on stderr; the client still finishes with the others.
//! Terminals 1–3: `cargo run -p demo4-multi-reply -- --bind tcp://127.0.0.1:555N --name NAME`;
//! terminal 4: `cargo run -p demo4-multi-reply --bin demo4-client -- --connect tcp://localhost:5555
//! --connect tcp://localhost:5556 --connect tcp://localhost:5557`.
//! `--one-socket`: the tutorial's client (one REQ socket, every `connect` on it). `--discover`:
//! the servers come from etcd (`demo4-server --register`), `joined`/`left` lines on stderr;
//! `--subscribe tcp://127.0.0.1:5556`: the same from `demo4-watch`'s PUB events.

use std::process::ExitCode;
use std::sync::mpsc;
use std::time::Duration;

use clap::Parser;
use demo4_multi_reply::discovery::{self, events, follow, watch::Servers, Change, Registry};
use demo4_multi_reply::{frames_repr, one_socket, ClientError, LazyPirate};

/// ZeroMQ REQ client for several servers: round-robin requests, skipping dead servers.
/// Partner: demo4-server (or the tutorial's server.php), one per endpoint.
#[derive(Parser, Debug)]
#[command(name = "demo4-client", version)]
struct Args {
    /// The frames of the request (several words = a multipart message).
    #[arg(default_value = "hello")]
    frames: Vec<String>,
    /// Endpoint of a server; repeat it for several servers.
    #[arg(long, default_value = common::endpoints::ZMQ_CONNECT)]
    connect: Vec<String>,
    /// How many requests to send (round-robin over the servers); with --discover or
    /// --subscribe, 0 means until Ctrl-C.
    #[arg(long, default_value_t = demo4_multi_reply::REQUESTS)]
    requests: usize,
    /// How long to wait for each reply before retrying (e.g. 2.5, 2.5s, 500ms).
    #[arg(long, default_value = "2.5s", value_parser = common::parse_duration)]
    timeout: Duration,
    /// Tries per server (the first included) before it is skipped as unreachable.
    #[arg(long, default_value_t = demo4_multi_reply::REQUEST_RETRIES,
          value_parser = clap::value_parser!(u32).range(1..))]
    retries: u32,
    /// The tutorial's client: ONE REQ socket connected to every --connect endpoint, ZeroMQ
    /// doing the round-robin (and no way to tell which server is down).
    #[arg(long, conflicts_with_all = ["discover", "subscribe"])]
    one_socket: bool,
    /// Take the servers from etcd (keys /rpc/demo4/<name>) and follow them as they come and go.
    #[arg(long, conflicts_with_all = ["subscribe", "connect"])]
    discover: bool,
    /// Follow demo4-watch's PUB events at this endpoint instead of etcd.
    #[arg(long, value_name = "ENDPOINT", conflicts_with = "connect")]
    subscribe: Option<String>,
    /// Pause between requests with --discover or --subscribe (the tutorial's sleep(1)).
    #[arg(long, default_value = "1s", value_parser = common::parse_duration)]
    interval: Duration,
    /// etcd endpoints, comma-separated (with --discover).
    #[arg(long, env = "ETCD_ENDPOINTS", default_value = discovery::DEFAULT_REGISTRY, value_delimiter = ',')]
    registry: Vec<String>,
}

fn main() -> ExitCode {
    common::cli::report(run())
}

fn run() -> anyhow::Result<()> {
    common::logging::init();
    let args = Args::parse();
    let context = zmq::Context::new();
    let request: Vec<&[u8]> = args.frames.iter().map(|f| f.as_bytes()).collect();

    // A wrong endpoint is the flag's fault: say so before any socket connects.
    for endpoint in &args.connect {
        common::zmq_util::check_connect(endpoint, "--connect")?;
    }
    if let Some(endpoint) = &args.subscribe {
        common::zmq_util::check_connect(endpoint, "--subscribe")?;
    }
    if args.one_socket {
        return tutorial_client(&args, &context, &request);
    }
    if args.discover {
        let registry = Registry::new(args.registry.clone())?;
        let (servers, watch) = registry.watch()?;
        let empty = format!(
            "waiting for a server to register (none under {})",
            discovery::PREFIX
        );
        return following(&args, &context, &request, servers, &watch.changes, &empty);
    }
    if let Some(endpoint) = &args.subscribe {
        let subscription = events::subscribe(&context, endpoint)?;
        // This client never reads etcd: all it knows is what demo4-watch publishes.
        let empty = format!("no event from {endpoint} yet: is demo4-watch running there?");
        return following(
            &args,
            &context,
            &request,
            Servers::new(),
            &subscription.changes,
            &empty,
        );
    }

    let mut client = LazyPirate::connect(&context, &args.connect, args.timeout, args.retries)?;
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

/// The tutorial's client, as it wrote it: one socket, every `connect` on it.
fn tutorial_client(args: &Args, context: &zmq::Context, request: &[&[u8]]) -> anyhow::Result<()> {
    let socket = one_socket::connect(context, &args.connect)?;
    for _ in 0..args.requests {
        let Some(frames) = one_socket::request(&socket, request, args.timeout)? else {
            anyhow::bail!(
                "no reply within {} from one of {} — one socket cannot tell which server is down (drop --one-socket to let the Lazy Pirate find it)",
                common::endpoints::human(args.timeout),
                args.connect.join(", ")
            );
        };
        println!("{}", frames_repr(&frames));
    }
    Ok(())
}

/// The client with a live list of servers (see `discovery::follow`), until `--requests` or
/// Ctrl-C.
fn following(
    args: &Args,
    context: &zmq::Context,
    request: &[&[u8]],
    servers: Servers,
    changes: &mpsc::Receiver<Change>,
    empty: &str,
) -> anyhow::Result<()> {
    let stop = common::shutdown::on_ctrl_c()?;
    let pace = follow::Pace {
        requests: args.requests,
        interval: args.interval,
        timeout: args.timeout,
        retries: args.retries,
    };
    follow::follow(
        context,
        request,
        &pace,
        servers,
        changes,
        &stop,
        empty,
        &mut std::io::stdout(),
        &mut std::io::stderr(),
    )?;
    Ok(())
}
