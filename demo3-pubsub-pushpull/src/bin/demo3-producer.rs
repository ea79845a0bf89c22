//! demo3-producer — ZeroMQ PUB ticker (section 3, publish/subscribe).
//!
//! Binds `tcp://127.0.0.1:5555` (PUB) and publishes the date (`11/22/2026 02:06:01 am`) once a
//! second, printing each. Terminal 1: `cargo run -p demo3-pubsub-pushpull`;
//! terminal 2: `cargo run -p demo3-pubsub-pushpull --bin demo3-consumer` (or `php peers/consumer.php`).
//! The lesson, at the send below: PUB never waits — a date published while nobody is
//! subscribed is dropped (compare `demo3-push`, whose PUSH waits for a puller).
//! How it stops: `--count` dates, or Ctrl-C (SIGTERM): it stops between two dates, closes the
//! socket (linger at most 500 ms) and exits 0.

use std::process::ExitCode;
use std::sync::atomic::Ordering;
use std::time::Duration;

use clap::Parser;
use demo3_pubsub_pushpull::{now_text, sleep_unless};

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
    publisher.set_linger(common::shutdown::LINGER_MS)?;
    common::zmq_util::bind(&publisher, &args.bind, "--bind")?;
    // Ctrl-C and SIGTERM raise this flag; the loop looks at it between two dates.
    let stop = common::shutdown::on_ctrl_c()?;
    tracing::info!(endpoint = %args.bind, "demo3-producer publishing (Ctrl-C to stop)");

    let mut sent = 0;
    while args.count.is_none_or(|c| sent < c) && !stop.load(Ordering::Relaxed) {
        let date = now_text();
        // PUB never waits: with no subscriber (yet), this date is simply dropped — the slow
        // joiner misses it. The send returns at once either way.
        publisher.send(date.as_bytes(), 0)?;
        println!("{date}");
        sent += 1;
        sleep_unless(args.interval, &stop);
    }
    tracing::info!(sent, "demo3-producer stopped");
    Ok(())
}
