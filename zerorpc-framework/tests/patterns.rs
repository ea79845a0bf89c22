//! zerorpc's patterns without a reply, with zerorpc-python's own classes on either side:
//! `Pusher` → `Puller` (PUSH/PULL) and `Publisher` → `Subscriber` (PUB/SUB), every sender ×
//! receiver pair. The sender binds (as in zerorpc-python's tests/test_pubpush.py) and sends
//! `lolita(1, 2)`; the pair passes when the receiver's method is called with 1 and 2.

use std::process::Command;
use std::sync::mpsc;
use std::time::{Duration, Instant};

use test_support::{peer_command, Lang, Matrix, Proc, ServerThread};
use zerorpc_framework::{Failure, Puller, Pusher, Server, Value};

use crate::crosstests::ipc_endpoint;
use crate::support::{zerorpc_python, DIR};

const WAIT: Duration = Duration::from_secs(10);
/// A publisher repeats its event this often until it is received (the slow joiner).
const REPEAT: Duration = Duration::from_millis(100);

/// One side of a pair, on a thread.
type Side = ServerThread<Result<(), String>>;

#[derive(Clone, Copy, PartialEq)]
enum Pattern {
    PushPull,
    PubSub,
}

fn python(role: &str, endpoint: &str) -> Option<Command> {
    zerorpc_python()?;
    let mut cmd = peer_command(DIR, Lang::Python, "peers/patterns.py")?;
    cmd.args([role, endpoint]);
    Some(cmd)
}

/// Our sender on a thread: binds, then sends `lolita(1, 2)` — once on PUSH, every
/// [`REPEAT`] on PUB until stopped.
fn rust_sender(pattern: Pattern, endpoint: &str) -> Side {
    let endpoint = endpoint.to_string();
    ServerThread::spawn("Rust sender", move |stop| {
        let context = zmq::Context::new();
        let sender = match pattern {
            Pattern::PushPull => Pusher::new(&context),
            Pattern::PubSub => Pusher::publisher(&context),
        }
        .and_then(|s| s.send_timeout(WAIT))
        .map_err(|e| e.to_string())?;
        sender.bind(&endpoint).map_err(|e| e.to_string())?;
        let lolita = || sender.call("lolita", vec![1.into(), 2.into()]);
        lolita().map_err(|e| format!("push: {e}"))?;
        let deadline = Instant::now() + WAIT;
        while pattern == Pattern::PubSub && !stop.load(std::sync::atomic::Ordering::Relaxed) {
            if Instant::now() > deadline {
                return Err("published for 10 s".into());
            }
            std::thread::sleep(REPEAT); // the publisher's pace, not a synchronisation
            lolita().map_err(|e| e.to_string())?;
        }
        Ok(())
    })
}

/// Our receiver on a thread: connects, and reports each `lolita(a, b)` on the channel.
fn rust_receiver(pattern: Pattern, endpoint: &str) -> (Side, mpsc::Receiver<(i64, i64)>) {
    let (tx, calls) = mpsc::channel();
    let server = Server::new("receiver").method("lolita(a, b)", "records a, b", move |a, b| {
        let _ = tx.send((a, b));
        Ok::<_, Failure>(Value::Nil)
    });
    let endpoint = endpoint.to_string();
    let thread = ServerThread::spawn("Rust receiver", move |stop| {
        let context = zmq::Context::new();
        let receiver = match pattern {
            Pattern::PushPull => Puller::new(&context, server),
            Pattern::PubSub => Puller::subscriber(&context, server),
        }
        .map_err(|e| e.to_string())?;
        receiver.connect(&endpoint).map_err(|e| e.to_string())?;
        receiver.run(&stop).map_err(|e| e.to_string())
    });
    (thread, calls)
}

/// One pair; `None` when a Python side is missing (a visible skip).
fn pair(pattern: Pattern, sender: Lang, receiver: Lang) -> Option<Result<(), String>> {
    let endpoint = ipc_endpoint();
    let (send_role, receive_role) = match pattern {
        Pattern::PushPull => ("push", "pull"),
        Pattern::PubSub => ("publish", "subscribe"),
    };
    let mut python_sender = None;
    let mut rust_sending = None;
    match sender {
        Lang::Python => {
            python_sender = Some(Proc::spawn(
                "Python sender",
                &mut python(send_role, &endpoint)?,
            ))
        }
        _ => rust_sending = Some(rust_sender(pattern, &endpoint)),
    }
    let received = match receiver {
        Lang::Python => {
            let mut cmd = python(receive_role, &endpoint)?;
            let mut proc = Proc::spawn("Python receiver", &mut cmd);
            proc.expect_line(WAIT, |l| l == "lolita 1 2").map(drop)
        }
        _ => {
            let (thread, calls) = rust_receiver(pattern, &endpoint);
            let got = calls.recv_timeout(WAIT);
            let stopped = thread.stop();
            match got {
                Ok((1, 2)) => stopped,
                other => Err(format!("lolita(1, 2) not received: {other:?}")),
            }
        }
    };
    drop(python_sender);
    let sent = rust_sending.map_or(Ok(()), ServerThread::stop);
    Some(received.and(sent))
}

#[test]
fn pushers_and_publishers_reach_pullers_and_subscribers_in_both_languages() {
    let mut matrix = Matrix::new("zerorpc patterns: lolita(1, 2), sender (rows) → receiver");
    for (pattern, sends, receives) in [
        (Pattern::PushPull, "Pusher", "Puller"),
        (Pattern::PubSub, "Publisher", "Subscriber"),
    ] {
        for sender in [Lang::Rust, Lang::Python] {
            for receiver in [Lang::Rust, Lang::Python] {
                if let Some(outcome) = pair(pattern, sender, receiver) {
                    matrix.record(
                        format!("{sender} {sends}"),
                        format!("{receiver} {receives}"),
                        outcome,
                    );
                }
            }
        }
    }
    matrix.assert_all_ok();
}

/// Garbage, an unknown method and a call with a wrong argument reach a puller first: each is
/// logged and dropped (nobody to answer), and the next good call is still served.
#[test]
fn a_puller_survives_bad_events() {
    let endpoint = ipc_endpoint();
    let (thread, calls) = rust_receiver(Pattern::PushPull, &endpoint);
    let context = zmq::Context::new();
    let raw = context.socket(zmq::PUSH).expect("a PUSH socket");
    raw.set_sndtimeo(10_000).expect("a send timeout");
    raw.bind(&endpoint).expect("bind the ipc endpoint");
    raw.send(&b"\xc1 not msgpack"[..], 0).expect("send garbage");
    let pusher = Pusher::new(&context).expect("a pusher");
    let pusher = pusher.send_timeout(WAIT).expect("a send timeout");
    drop(raw);
    pusher.bind(&endpoint).expect("bind again");
    pusher
        .call("nosuch", vec![])
        .expect("push an unknown method");
    pusher
        .call("lolita", vec!["x".into(), 2.into()])
        .expect("push a wrong argument");
    pusher
        .call("lolita", vec![1.into(), 2.into()])
        .expect("push a good call");
    assert_eq!(calls.recv_timeout(WAIT), Ok((1, 2)));
    thread.stop().expect("the puller stops cleanly");
}
