//! demo3-producer — ZeroMQ PUB ticker (section 3, publish/subscribe).
//!
//! Binds `tcp://127.0.0.1:5555` (PUB) and publishes the date (`11/22/2026 02:06:01 am`) once a
//! second, printing each. Terminal 1: `cargo run -p demo3-pubsub-pushpull`;
//! terminal 2: `cargo run -p demo3-pubsub-pushpull --bin demo3-consumer` (or `php peers/consumer.php`).

use std::process::ExitCode;
use std::sync::atomic::AtomicBool;
use std::time::Duration;

use clap::Parser;

/// ZeroMQ PUB socket that publishes the date once a second. Partner: demo3-consumer
/// (start it while this runs: a subscriber only gets what is published after it joined).
#[derive(Parser, Debug)]
#[command(version)]
struct Args {
    /// Endpoint to bind. Loopback by default; 'tcp://*:5555' shares it with a classroom.
    #[arg(long, default_value = common::endpoints::ZMQ_BIND)]
    bind: String,
    /// Time between two messages (e.g. 1, 0.5s, 200ms).
    #[arg(long, default_value = "1s", value_parser = common::parse_duration)]
    interval: Duration,
    /// Stop after this many messages (default: run until Ctrl-C).
    #[arg(long)]
    count: Option<u64>,
}

fn main() -> ExitCode {
    common::cli::report(run())
}

fn run() -> anyhow::Result<()> {
    common::logging::init();
    let args = Args::parse();

    let context = zmq::Context::new();
    let publisher = context.socket(zmq::PUB)?;
    publisher.bind(&args.bind).map_err(|e| {
        anyhow::anyhow!(
            "cannot bind {}: {e} (is another server running?)",
            args.bind
        )
    })?;
    tracing::info!(endpoint = %args.bind, "demo3-producer publishing (Ctrl-C to stop)");

    static SHUTDOWN: AtomicBool = AtomicBool::new(false);
    demo3_pubsub_pushpull::send_dates(
        &publisher,
        demo3_pubsub_pushpull::Role::Producer,
        args.interval,
        args.count,
        &mut std::io::stdout(),
        &SHUTDOWN,
    )?;
    Ok(())
}
