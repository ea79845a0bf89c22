//! `zmq-pushpull` — messages per second of 16-byte messages through PUSH → PULL on loopback.
//!
//! One sample: the puller binds, a pusher connects and sends as fast as it can; the puller's
//! clock starts at the first message and it counts what arrives during the sample time.
//! - **Rust**: a PUSH thread and a PULL thread with the `zmq` crate, each with its own context
//!   (as two processes would have);
//! - **pyzmq**: the same as two Python processes (`bench/peers/zmq_pushpull.py`).
//!
//! Throughput here is set by how fast each side's *application thread* hands frames to libzmq
//! (which batches them on the wire): exactly where an interpreter's per-call cost shows.

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

use anyhow::{anyhow, Context as _};

use super::background;
use crate::ctx::{bench_peer, start_server, Ctx, Ready};
use crate::measure::{self, Better, Contender, Rate, Row, Target};

/// The message size: 16 bytes, about the size of section 3's date line.
const SIZE: usize = 16;

pub fn run(ctx: &Ctx) -> anyhow::Result<Vec<Row>> {
    let sample = ctx.budget.sample;
    let script = bench_peer("zmq_pushpull.py");
    ctx.python(&script)?; // skip early when Python is missing
    let medians = measure::round_robin(
        ctx.budget.repeats,
        &mut [
            Contender::new("Rust PUSH/PULL", || Ok(rust_sample(sample)?.per_second())),
            Contender::new("pyzmq PUSH/PULL", || {
                Ok(python_sample(ctx, &script, sample)?.per_second())
            }),
        ],
        ctx.sample_reporter("messages/s"),
    )?;
    let [rust, python] = medians[..] else {
        return Err(anyhow!("expected two medians"));
    };
    Ok(vec![Row::new(
        "zmq-pushpull",
        "messages/s",
        Better::Higher,
        rust,
        "pyzmq PUSH/PULL",
        python,
    )
    .with_target(Target::RatioAtLeast(3.0))])
}

fn rust_sample(duration: Duration) -> anyhow::Result<Rate> {
    let context = zmq::Context::new();
    let pull = context.socket(zmq::PULL)?;
    pull.set_rcvtimeo(5000)?;
    pull.set_linger(0)?;
    let endpoint = common::zmq_util::bind_ephemeral(&pull)?;
    // The pusher has its own context: its own I/O thread, as a separate program would.
    let pusher = background("Rust pusher", move |stop: Arc<AtomicBool>| {
        let context = zmq::Context::new();
        let push = context.socket(zmq::PUSH)?;
        push.set_sndtimeo(100)?; // a full queue returns EAGAIN, so `stop` is seen
        push.set_linger(0)?;
        push.connect(&endpoint)?;
        let message = [b'x'; SIZE];
        while !stop.load(Ordering::Relaxed) {
            match push.send(&message[..], 0) {
                Ok(()) | Err(zmq::Error::EAGAIN) => {}
                Err(e) => return Err(e.into()),
            }
        }
        Ok(())
    });
    let mut message = zmq::Message::new();
    pull.recv(&mut message, 0)
        .context("no message from the pusher")?;
    let start = Instant::now();
    let mut count = 0u64;
    // Look at the clock every 1000 messages, like the Python puller.
    while start.elapsed() < duration {
        for _ in 0..1000 {
            pull.recv(&mut message, 0)
                .context("the pusher went silent")?;
        }
        count += 1000;
    }
    let rate = Rate {
        ops: count,
        elapsed: start.elapsed(),
    };
    if let Err(error) = pusher.stop() {
        eprintln!("Rust pusher stopped with an error: {error:#}");
    }
    Ok(rate)
}

fn python_sample(ctx: &Ctx, script: &std::path::Path, duration: Duration) -> anyhow::Result<Rate> {
    let endpoint = test_support::free_endpoint();
    let seconds = duration.as_secs_f64().to_string();
    let mut pull_cmd = ctx.python(script)?;
    pull_cmd.args(["pull", &endpoint, &seconds]);
    let puller = start_server(
        "pyzmq puller",
        &mut pull_cmd,
        Ready::Line("READY"),
        Duration::from_secs(10),
    )?;
    let mut push_cmd = ctx.python(script)?;
    push_cmd.args(["push", &endpoint, &SIZE.to_string()]);
    let _pusher = test_support::Proc::spawn("pyzmq pusher", &mut push_cmd);
    let lines = puller
        .finish(duration * 4 + Duration::from_secs(15))
        .success()
        .map_err(|e| anyhow!(e))?;
    lines
        .iter()
        .find_map(|l| Rate::from_peer_line(l))
        .ok_or_else(|| anyhow!("the pyzmq puller printed no RESULT: {lines:?}"))
}
