//! demo3-push — ZeroMQ PUSH ventilator (section 3, push/pull).
//!
//! Binds `tcp://127.0.0.1:5555` (PUSH) and sends the date every 0.5 s, printing `Now is <date>`.
//! Each message goes to one connected puller, round-robin. Terminal 1:
//! `cargo run -p demo3-pubsub-pushpull --bin demo3-push`; terminals 2 and 3:
//! `cargo run -p demo3-pubsub-pushpull --bin demo3-pull` (or `php peers/puller.php`).

use std::process::ExitCode;
use std::sync::atomic::AtomicBool;
use std::time::Duration;

use clap::Parser;

/// ZeroMQ PUSH socket that hands out the date every 0.5 s to its pullers, round-robin.
/// Partner: demo3-pull (start two to see the work shared).
#[derive(Parser, Debug)]
#[command(version)]
struct Args {
    /// Endpoint to bind. Loopback by default; 'tcp://*:5555' shares it with a classroom.
    #[arg(long, default_value = common::endpoints::ZMQ_BIND)]
    bind: String,
    /// Time between two messages (e.g. 0.5, 500ms).
    #[arg(long, default_value = "500ms", value_parser = common::parse_duration)]
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
    let pusher = context.socket(zmq::PUSH)?;
    pusher.bind(&args.bind).map_err(|e| {
        anyhow::anyhow!(
            "cannot bind {}: {e} (is another server running?)",
            args.bind
        )
    })?;
    tracing::info!(endpoint = %args.bind, "demo3-push sending (Ctrl-C to stop)");

    static SHUTDOWN: AtomicBool = AtomicBool::new(false);
    demo3_pubsub_pushpull::send_dates(
        &pusher,
        demo3_pubsub_pushpull::Role::Pusher,
        args.interval,
        args.count,
        &mut std::io::stdout(),
        &SHUTDOWN,
    )?;
    // Linger (the default) lets queued messages reach the pullers before the process exits.
    Ok(())
}
