//! demo3-consumer — ZeroMQ SUB subscriber (section 3, publish/subscribe).
//!
//! Connects to `tcp://localhost:5555` (SUB), subscribes to every message (or `--prefix`) and
//! prints `Get date: <date>`. Terminal 1: `cargo run -p demo3-pubsub-pushpull` (or
//! `php peers/producer.php`); terminal 2: `cargo run -p demo3-pubsub-pushpull --bin demo3-consumer`.
//! How it stops: `--count` messages, `--timeout` of silence (exit 1, with the reason), or
//! Ctrl-C/SIGTERM (between two messages, exit 0).

use std::process::ExitCode;
use std::time::Duration;

use clap::Parser;
use demo3_pubsub_pushpull::Receiver;

/// ZeroMQ SUB socket that prints every date the producer publishes. Partner: demo3-producer.
/// It misses what was published before it joined (the slow-joiner effect).
#[derive(Parser, Debug)]
#[command(version)]
struct Args {
    /// Endpoint of the producer (tcp://HOST:PORT).
    #[arg(long, default_value = common::endpoints::ZMQ_CONNECT)]
    connect: String,
    /// Only receive messages that start with these bytes (default: everything).
    #[arg(long, default_value = "")]
    prefix: String,
    /// Stop after this many messages (default: run until Ctrl-C).
    #[arg(long)]
    count: Option<u64>,
    /// Give up when nothing arrives for this long (e.g. 5, 2.5s, 500ms).
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
    let subscriber = context.socket(zmq::SUB)?;
    common::zmq_util::connect(&subscriber, &args.connect, "--connect")?;
    // A SUB socket receives nothing until it subscribes; "" means every message.
    subscriber.set_subscribe(args.prefix.as_bytes())?;
    match args.prefix.as_str() {
        "" => tracing::info!(endpoint = %args.connect, "subscribed to every message"),
        prefix => {
            tracing::info!(endpoint = %args.connect, "subscribed to messages starting with {prefix:?} only")
        }
    }

    let receiver = Receiver {
        prefix: "Get date: ",
        work: Duration::ZERO,
        count: args.count,
        timeout: args.timeout,
        endpoint: args.connect,
        partner: "demo3-producer",
        subscribed: Some(args.prefix),
    };
    // Ctrl-C and SIGTERM raise this flag: the receiver stops between messages and exits 0.
    let stop = common::shutdown::on_ctrl_c()?;
    receiver.run(&subscriber, &mut std::io::stdout(), &stop)?;
    Ok(())
}
