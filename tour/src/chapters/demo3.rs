//! Chapter demo3 — publish/subscribe (and the slow joiner), push/pull (and fair sharing).

use std::sync::mpsc;
use std::thread;
use std::time::Duration;

use common::zmq_util::{bind_ephemeral, recv_timeout};
use demo3_pubsub_pushpull::now_text;

use super::{zmtp_message, Chapter, Dump};
use crate::narrator::Narrator;
use crate::recorder::{short, Fate, Message};

pub const CHAPTER: Chapter = Chapter {
    name: "demo3",
    number: "3",
    krate: "demo3-pubsub-pushpull",
    title: "publish/subscribe and push/pull",
    needs: &[],
    optional: &[],
    run,
};

const WAIT: Duration = Duration::from_secs(2);

/// A published message as the chapter shows it: the frame, then the same on TCP — no
/// delimiter: PUB/SUB has no replies to route back, so there is no envelope.
pub(super) fn published_dumps(message: &[u8]) -> [Dump; 2] {
    [
        Dump::new("one published frame", message),
        Dump::new(
            "on the TCP wire (ZMTP 3): no envelope, just `00` = last frame, the size, the text",
            zmtp_message(&[message]),
        ),
    ]
}

fn run(n: &mut Narrator) -> anyhow::Result<()> {
    pub_sub(n)?;
    push_pull(n)
}

fn pub_sub(n: &mut Narrator) -> anyhow::Result<()> {
    n.say(
        "PUB/SUB: the producer publishes the date once a second; every connected consumer\n\
         gets a copy. Nobody answers: it is a broadcast, not a request.",
    );
    n.participants(&["demo3-producer", "demo3-consumer"]);
    let context = zmq::Context::new();
    let producer = context.socket(zmq::PUB)?;
    let endpoint = bind_ephemeral(&producer)?;
    n.step(&format!("demo3-producer binds PUB on {endpoint}"));
    n.step("demo3-consumer connects SUB and subscribes to everything (prefix \"\")");
    n.step("… and the producer publishes five numbered dates, 100 ms apart, starting right away");
    let consumer = context.socket(zmq::SUB)?;
    consumer.connect(&endpoint)?;
    consumer.set_subscribe(b"")?;
    let mut published = Vec::new();
    for i in 1..=5 {
        let message = format!("#{i} {}", now_text());
        producer.send(message.as_bytes(), 0)?;
        n.console("demo3-producer", &message);
        published.push(message);
        thread::sleep(Duration::from_millis(100));
    }
    let mut got = Vec::new();
    while let Some(frame) = recv_timeout(&consumer, Duration::from_millis(300))? {
        let text = String::from_utf8_lossy(&frame).into_owned();
        n.console("demo3-consumer", &format!("Get date: {text}"));
        got.push(text);
    }
    for message in &published {
        let label = short(message.split(' ').next().unwrap_or(message));
        let drawn = Message::zmq(
            "demo3-producer",
            "demo3-consumer",
            label,
            &[message.as_bytes()],
        );
        n.message(if got.contains(message) {
            drawn
        } else {
            drawn.fate(Fate::Lost(
                "published before the subscription reached the PUB socket: dropped (the slow joiner)"
                    .to_string(),
            ))
        });
    }
    anyhow::ensure!(!got.is_empty(), "the consumer got nothing at all");
    if let Some(first) = got.first() {
        for dump in published_dumps(first.as_bytes()) {
            dump.show(n);
        }
    }
    n.question("Why did the consumer miss the first message(s)?");
    let verdict = if got.len() < 5 {
        format!(
            "It got {} of 5 (from {}).",
            got.len(),
            got[0].split(' ').next().unwrap_or("?")
        )
    } else {
        "This time it got all 5 (the subscription was quick) — but nothing guarantees it."
            .to_string()
    };
    n.answer(&format!(
        "{verdict} A PUB socket sends only to subscribers it knows *now*; the TCP connection\n\
         and the subscription take a moment to reach it, and what is published before is dropped.\n\
         This is the \"slow joiner\": synchronise first (e.g. a REQ/REP hello) if you cannot lose messages."
    ));
    Ok(())
}

/// The `N` of a message `#N <date>`.
fn number(message: &str) -> usize {
    message
        .strip_prefix('#')
        .and_then(|rest| rest.split(' ').next()?.parse().ok())
        .unwrap_or(usize::MAX)
}

fn push_pull(n: &mut Narrator) -> anyhow::Result<()> {
    n.say(
        "\nPUSH/PULL: the pusher hands out work; each message goes to exactly one puller.\n\
         The tutorial's pullers are slow (2 s per message); the tour's work 100 ms.",
    );
    n.participants(&["demo3-push", "worker A", "worker B"]);
    let context = zmq::Context::new();
    let pusher = context.socket(zmq::PUSH)?;
    let endpoint = bind_ephemeral(&pusher)?;
    let mut monitor = test_support::Monitor::new(&context, &pusher);
    n.step(&format!(
        "demo3-push binds PUSH on {endpoint}; two demo3-pull workers connect"
    ));
    let (tx, rx) = mpsc::channel();
    let workers: Vec<_> = ["worker A", "worker B"]
        .into_iter()
        .map(|name| {
            let puller = context.socket(zmq::PULL)?;
            puller.connect(&endpoint)?;
            let tx = tx.clone();
            Ok(thread::spawn(move || {
                while let Ok(Some(frame)) = recv_timeout(&puller, WAIT) {
                    let _ = tx.send((name, String::from_utf8_lossy(&frame).into_owned()));
                    thread::sleep(Duration::from_millis(100));
                }
            }))
        })
        .collect::<Result<_, zmq::Error>>()?;
    drop(tx);
    // Both workers connected before the work starts (else the first one gets it all).
    monitor
        .wait_for(zmq::SocketEvent::HANDSHAKE_SUCCEEDED, 2, WAIT)
        .map_err(anyhow::Error::msg)?;

    n.step("the pusher sends six messages");
    for i in 1..=6 {
        let message = format!("#{i} {}", now_text());
        pusher.send(message.as_bytes(), 0)?;
        n.console("demo3-push", &format!("Now is {message}"));
    }
    let mut shares = [0, 0];
    let mut dealt = Vec::new();
    for (name, message) in rx.iter().take(6) {
        shares[usize::from(name == "worker B")] += 1;
        n.console(name, &format!("Get back message {message}"));
        dealt.push((name, message));
    }
    // Drawn in the order the pusher sent them (the workers' threads print in any order).
    dealt.sort_by_key(|(_, message)| number(message));
    for (name, message) in &dealt {
        let label = short(message.split(' ').next().unwrap_or(message));
        n.message(Message::zmq(
            "demo3-push",
            *name,
            label,
            &[message.as_bytes()],
        ));
    }
    for worker in workers {
        let _ = worker.join();
    }
    n.question("With two slow workers, who gets what?");
    n.answer(&format!(
        "worker A got {}, worker B got {}: PUSH deals messages round-robin to the connected pullers,\n\
         so adding a worker divides the work. (And with no puller at all, PUSH waits — it never drops.)",
        shares[0], shares[1]
    ));
    anyhow::ensure!(shares[0] + shares[1] == 6, "messages were lost");
    Ok(())
}
