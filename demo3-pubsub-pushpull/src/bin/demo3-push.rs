//! demo3-push — ZeroMQ PUSH ventilator (section 3, push/pull).
//!
//! Binds `tcp://127.0.0.1:5555` (PUSH) and sends the date every 0.5 s, printing `Now is <date>`.
//! Each message goes to one connected puller, round-robin. Terminal 1:
//! `cargo run -p demo3-pubsub-pushpull --bin demo3-push`; terminals 2 and 3:
//! `cargo run -p demo3-pubsub-pushpull --bin demo3-pull` (or `php peers/puller.php`).
//! The lesson, at the send below: PUSH never drops — with no puller connected, the send waits
//! for one (compare `demo3-producer`, whose PUB drops what nobody subscribed to).
//! How it stops: `--count` messages, or Ctrl-C (SIGTERM), even while waiting for a puller: it
//! closes the socket (linger at most 500 ms for messages still queued) and exits 0.

use std::process::ExitCode;
use std::sync::atomic::Ordering;
use std::time::Duration;

use clap::Parser;
use demo3_pubsub_pushpull::{now_text, push_or_wait, sleep_unless};

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
    // Linger: queued messages still reach the pullers after the loop ends, for at most LINGER.
    pusher.set_linger(common::shutdown::LINGER_MS)?;
    common::zmq_util::bind(&pusher, &args.bind, "--bind")?;
    // Ctrl-C and SIGTERM raise this flag; the loop (and a waiting send) look at it.
    let stop = common::shutdown::on_ctrl_c()?;
    tracing::info!(endpoint = %args.bind, "demo3-push sending (Ctrl-C to stop)");

    let mut sent = 0;
    while args.count.is_none_or(|c| sent < c) && !stop.load(Ordering::Relaxed) {
        let date = now_text();
        // PUSH never drops: with no puller connected, this waits until one connects (and
        // says so once on stderr) — where PUB would have dropped the message.
        if !push_or_wait(&pusher, date.as_bytes(), &stop)? {
            break; // Ctrl-C while waiting for a puller
        }
        println!("Now is {date}");
        sent += 1;
        sleep_unless(args.interval, &stop);
    }
    tracing::info!(sent, "demo3-push stopped");
    Ok(())
}
