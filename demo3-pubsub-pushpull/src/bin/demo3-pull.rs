//! demo3-pull — ZeroMQ PULL worker (section 3, push/pull).
//!
//! Connects to `tcp://localhost:5555` (PULL), prints `Get back message <msg>` and works 2 s per
//! message (a slow worker). Terminal 1: `cargo run -p demo3-pubsub-pushpull --bin demo3-push`;
//! terminals 2 and 3: `cargo run -p demo3-pubsub-pushpull --bin demo3-pull`.
//! How it stops: `--count` messages, `--timeout` of silence (exit 1, with the reason), or
//! Ctrl-C/SIGTERM (between two messages, exit 0).

use std::process::ExitCode;
use std::time::Duration;

use clap::Parser;
use demo3_pubsub_pushpull::Receiver;

/// ZeroMQ PULL worker that takes its share of the pusher's messages. Partner: demo3-push.
#[derive(Parser, Debug)]
#[command(version)]
struct Args {
    /// Endpoint of the pusher (tcp://HOST:PORT).
    #[arg(long, default_value = common::endpoints::ZMQ_CONNECT)]
    connect: String,
    /// Time spent "working" on each message (the tutorial sleeps 2 s).
    #[arg(long, default_value = "2s", value_parser = common::parse_duration)]
    work: Duration,
    /// Stop after this many messages (default: run until Ctrl-C).
    #[arg(long)]
    count: Option<u64>,
    /// Give up when nothing arrives for this long (e.g. 10, 500ms).
    #[arg(long, default_value = "10s", value_parser = common::parse_duration)]
    timeout: Duration,
}

fn main() -> ExitCode {
    common::cli::report(run())
}

fn run() -> anyhow::Result<()> {
    common::logging::init();
    let args = Args::parse();

    let context = zmq::Context::new();
    let puller = context.socket(zmq::PULL)?;
    common::zmq_util::connect(&puller, &args.connect, "--connect")?;

    let receiver = Receiver {
        prefix: "Get back message ",
        work: args.work,
        count: args.count,
        timeout: args.timeout,
        endpoint: args.connect,
        partner: "demo3-push",
        subscribed: None,
    };
    // Ctrl-C and SIGTERM raise this flag: the receiver stops between messages and exits 0.
    let stop = common::shutdown::on_ctrl_c()?;
    receiver.run(&puller, &mut std::io::stdout(), &stop)?;
    Ok(())
}
