//! Section 3 over real sockets: the date format against PHP's `date()`, the slow-joiner effect,
//! fair distribution between two pullers, and the interop matrices (Rust/PHP on both sides).

use std::process::Command;
use std::thread;
use std::time::{Duration, Instant};

use chrono::TimeZone;
use common::zmq_util::{bind_ephemeral, recv_timeout};
use demo3_pubsub_pushpull::DATE_FORMAT;
use test_support::{free_endpoint, implementation, Lang, Matrix, Monitor, Proc};

const WAIT: Duration = Duration::from_secs(10);
const CRATE: &str = env!("CARGO_MANIFEST_DIR");

/// `11/22/2026 02:06:01 am`: two-digit month/day/hour/minute/second, four-digit year, am/pm.
fn looks_like_tutorial_date(text: &str) -> bool {
    let b = text.as_bytes();
    text.len() == 22
        && [0, 1, 3, 4, 6, 7, 8, 9, 11, 12, 14, 15, 17, 18]
            .iter()
            .all(|&i| b[i].is_ascii_digit())
        && b[2] == b'/'
        && b[5] == b'/'
        && b[13] == b':'
        && b[16] == b':'
        && (text.ends_with(" am") || text.ends_with(" pm"))
}

#[test]
fn date_format_is_byte_identical_to_php_date() {
    let Some(php) = test_support::php() else {
        return test_support::skip("php missing");
    };
    // Midnight (12 am), morning, noon (12 pm), evening.
    for ts in [
        1_795_392_000_i64,
        1_795_398_361,
        1_795_435_200,
        1_795_474_799,
    ] {
        let ours = chrono::Utc
            .timestamp_opt(ts, 0)
            .unwrap()
            .format(DATE_FORMAT)
            .to_string();
        let out = Command::new(&php)
            .args([
                "-d",
                "date.timezone=UTC",
                "-r",
                &format!("echo date('m/d/Y h:i:s a', {ts});"),
            ])
            .output()
            .unwrap();
        assert_eq!(
            ours,
            String::from_utf8(out.stdout).unwrap(),
            "timestamp {ts}"
        );
        assert!(looks_like_tutorial_date(&ours), "{ours}");
    }
}

#[test]
fn slow_joiner_misses_what_was_published_before_it_joined() {
    let context = zmq::Context::new();
    let publisher = context.socket(zmq::PUB).unwrap();
    let endpoint = bind_ephemeral(&publisher).unwrap();
    let subscriber = context.socket(zmq::SUB).unwrap();
    subscriber.connect(&endpoint).unwrap();
    subscriber.set_subscribe(b"").unwrap();

    // Published at once: the subscription has not reached the publisher yet.
    publisher.send("early", 0).unwrap();
    // Then "late" again and again until one arrives: once the subscription is there,
    // messages flow (waiting for that, not for a fixed time).
    let deadline = Instant::now() + WAIT;
    let first = loop {
        publisher.send("late", 0).unwrap();
        if let Some(message) = recv_timeout(&subscriber, Duration::from_millis(20)).unwrap() {
            break message;
        }
        assert!(
            Instant::now() < deadline,
            "no message arrived within {WAIT:?}"
        );
    };
    assert_eq!(
        first, b"late",
        "the early message was dropped by PUB: no subscriber yet"
    );
}

#[test]
fn push_shares_the_work_fairly_between_two_pullers() {
    let context = zmq::Context::new();
    let pusher = context.socket(zmq::PUSH).unwrap();
    let endpoint = bind_ephemeral(&pusher).unwrap();
    let mut monitor = Monitor::new(&context, &pusher);
    let workers: Vec<_> = (0..2)
        .map(|_| {
            let puller = context.socket(zmq::PULL).unwrap();
            puller.connect(&endpoint).unwrap();
            puller
        })
        .collect();
    // Both connected before the work starts (else the first one gets it all).
    monitor
        .wait_for(zmq::SocketEvent::HANDSHAKE_SUCCEEDED, 2, WAIT)
        .unwrap();

    for i in 0..20 {
        pusher.send(format!("task {i}").as_bytes(), 0).unwrap();
    }
    let counts: Vec<usize> = workers
        .into_iter()
        .map(|puller| {
            thread::spawn(move || {
                let mut n = 0;
                while recv_timeout(&puller, Duration::from_secs(1))
                    .unwrap()
                    .is_some()
                {
                    n += 1;
                }
                n
            })
        })
        .collect::<Vec<_>>()
        .into_iter()
        .map(|h| h.join().unwrap())
        .collect();
    assert_eq!(
        counts.iter().sum::<usize>(),
        20,
        "every task delivered once: {counts:?}"
    );
    assert!(
        counts[0].abs_diff(counts[1]) <= 1,
        "round-robin: {counts:?}"
    );
}

/// A program of this section: the Rust binary `bin` with `rust_args`, or the PHP peer `script`.
fn program(
    lang: Lang,
    bin: &str,
    script: &str,
    endpoint: &str,
    rust_args: &[&str],
) -> Option<Command> {
    let mut cmd = implementation(lang, bin, CRATE, script)?;
    match lang {
        Lang::Rust => {
            cmd.args(rust_args)
                .arg(if bin.ends_with("producer") || bin.ends_with("push") {
                    "--bind"
                } else {
                    "--connect"
                })
        }
        _ => cmd.env("ZMQ_ENDPOINT", endpoint).env("WORK_SECONDS", "0"),
    };
    if lang == Lang::Rust {
        cmd.arg(endpoint);
    }
    Some(cmd)
}

/// Runs every sender × receiver pair; each receiver must print two well-formed dates.
fn matrix(
    title: &str,
    sender: (&str, &str, &[&str]),
    receiver: (&str, &str, &[&str]),
    prefix: &str,
) {
    let mut matrix = Matrix::new(title);
    for sender_lang in [Lang::Rust, Lang::Php] {
        for receiver_lang in [Lang::Rust, Lang::Php] {
            let endpoint = free_endpoint();
            // A missing peer skips this pair only (visibly); the rest is still asserted.
            let Some(mut send) = program(sender_lang, sender.0, sender.1, &endpoint, sender.2)
            else {
                continue;
            };
            let Some(mut recv) =
                program(receiver_lang, receiver.0, receiver.1, &endpoint, receiver.2)
            else {
                continue;
            };
            let _sender = Proc::spawn(format!("{sender_lang} sender"), &mut send);
            let mut receiver_proc = Proc::spawn(format!("{receiver_lang} receiver"), &mut recv);
            let outcome = (0..2).try_for_each(|_| {
                receiver_proc
                    .expect_line(WAIT, |l| {
                        l.strip_prefix(prefix).is_some_and(looks_like_tutorial_date)
                    })
                    .map(drop)
            });
            matrix.record(
                format!("{receiver_lang} receiver"),
                format!("{sender_lang} sender"),
                outcome,
            );
        }
    }
    matrix.assert_all_ok();
}

#[test]
fn pubsub_interop_matrix() {
    matrix(
        "demo3 PUB/SUB: consumer × producer",
        (
            env!("CARGO_BIN_EXE_demo3-producer"),
            "peers/producer.php",
            &["--interval", "200ms"],
        ),
        (
            env!("CARGO_BIN_EXE_demo3-consumer"),
            "peers/consumer.php",
            &["--count", "2"],
        ),
        "Get date: ",
    );
}

#[test]
fn pushpull_interop_matrix() {
    matrix(
        "demo3 PUSH/PULL: puller × pusher",
        (
            env!("CARGO_BIN_EXE_demo3-push"),
            "peers/pusher.php",
            &["--interval", "200ms"],
        ),
        (
            env!("CARGO_BIN_EXE_demo3-pull"),
            "peers/puller.php",
            &["--count", "2", "--work", "0"],
        ),
        "Get back message ",
    );
}

#[test]
fn producer_prints_the_dates_it_publishes_and_stops_after_count() {
    let endpoint = free_endpoint();
    let out = test_support::run(
        "demo3-producer",
        Command::new(env!("CARGO_BIN_EXE_demo3-producer")).args([
            "--bind",
            &endpoint,
            "--interval",
            "50ms",
            "--count",
            "3",
        ]),
        WAIT,
    )
    .success()
    .unwrap();
    assert_eq!(out.len(), 3, "{out:?}");
    assert!(out.iter().all(|l| looks_like_tutorial_date(l)), "{out:?}");
}

#[test]
fn pusher_waits_for_a_puller_instead_of_dropping_work() {
    let endpoint = free_endpoint();
    let mut pusher = Proc::spawn(
        "demo3-push",
        Command::new(env!("CARGO_BIN_EXE_demo3-push")).args([
            "--bind",
            &endpoint,
            "--interval",
            "50ms",
        ]),
    );
    // Unlike PUB, PUSH does not drop a message when nobody listens: the first send waits.
    let early = pusher.lines_for(Duration::from_secs(1));
    assert!(
        early.is_empty(),
        "nothing sent before a puller exists: {early:?}"
    );

    let out = test_support::run(
        "demo3-pull",
        Command::new(env!("CARGO_BIN_EXE_demo3-pull")).args([
            "--connect",
            &endpoint,
            "--count",
            "3",
            "--work",
            "0",
        ]),
        WAIT,
    )
    .success()
    .unwrap();
    assert_eq!(out.len(), 3, "{out:?}");
    pusher
        .expect_line(WAIT, |l| l.starts_with("Now is "))
        .unwrap();
    let done = pusher.finish(Duration::ZERO);
    assert!(
        done.stderr.contains("no puller connected yet"),
        "{}",
        done.stderr
    );
}

#[test]
fn consumer_explains_a_silent_producer() {
    let out = test_support::run(
        "demo3-consumer",
        Command::new(env!("CARGO_BIN_EXE_demo3-consumer")).args([
            "--connect",
            &free_endpoint(),
            "--timeout",
            "300ms",
        ]),
        WAIT,
    );
    assert!(out.status.is_some_and(|s| !s.success()), "{out:?}");
    assert!(
        out.stderr
            .contains("within 300 ms — is demo3-producer running?"),
        "{}",
        out.stderr
    );
}

/// The tutorial's PHP consumer and puller as they are (no endpoint given) against our producer
/// and pusher with no flags but a count: port 5555, loopback, both patterns.
#[test]
fn tutorial_scripts_and_our_programs_meet_at_their_defaults() {
    let Some(_port) = test_support::lock_default_port(common::endpoints::ZMQ_PORT) else {
        return;
    };
    for (bin, script, prefix) in [
        (
            env!("CARGO_BIN_EXE_demo3-producer"),
            "peers/consumer.php",
            "Get date: ",
        ),
        (
            env!("CARGO_BIN_EXE_demo3-push"),
            "peers/puller.php",
            "Get back message ",
        ),
    ] {
        let Some(mut php) = implementation(Lang::Php, "", CRATE, script) else {
            return;
        };
        let _sender = Proc::spawn(bin, Command::new(bin).args(["--count", "30"]));
        let mut receiver = Proc::spawn(script, php.env("WORK_SECONDS", "0"));
        receiver
            .expect_line(WAIT, |l| {
                l.strip_prefix(prefix).is_some_and(looks_like_tutorial_date)
            })
            .unwrap();
    }
}

#[test]
fn help_names_the_partners() {
    for (bin, partner) in [
        (
            env!("CARGO_BIN_EXE_demo3-producer"),
            "Partner: demo3-consumer",
        ),
        (
            env!("CARGO_BIN_EXE_demo3-consumer"),
            "Partner: demo3-producer",
        ),
        (env!("CARGO_BIN_EXE_demo3-push"), "Partner: demo3-pull"),
        (env!("CARGO_BIN_EXE_demo3-pull"), "Partner: demo3-push"),
    ] {
        let help = test_support::run(bin, Command::new(bin).arg("--help"), WAIT)
            .success()
            .unwrap()
            .join("\n");
        assert!(help.contains(partner), "{bin}: {help}");
    }
}

/// How soon a program must have exited after Ctrl-C.
const STOP_WITHIN: Duration = Duration::from_secs(1);

fn spawn(bin: &str, args: &[&str]) -> Proc {
    Proc::spawn(bin, Command::new(bin).args(args))
}

/// Ctrl-C (SIGINT) while publishing: demo3-producer exits 0 within a second.
#[test]
fn the_producer_stops_cleanly_on_ctrl_c() {
    let endpoint = free_endpoint();
    let mut producer = spawn(
        env!("CARGO_BIN_EXE_demo3-producer"),
        &["--bind", &endpoint, "--interval", "50ms"],
    );
    producer
        .expect_line(WAIT, looks_like_tutorial_date)
        .unwrap();
    producer.ctrl_c(STOP_WITHIN).success().unwrap();
}

/// Ctrl-C while pushing to a puller, and while waiting for one: demo3-push exits 0 both times.
#[test]
fn the_pusher_stops_cleanly_on_ctrl_c_even_while_waiting_for_a_puller() {
    let context = zmq::Context::new();
    let endpoint = free_endpoint();
    let mut pusher = spawn(
        env!("CARGO_BIN_EXE_demo3-push"),
        &["--bind", &endpoint, "--interval", "50ms"],
    );
    let puller = context.socket(zmq::PULL).unwrap();
    puller.connect(&endpoint).unwrap();
    recv_timeout(&puller, WAIT)
        .unwrap()
        .expect("a date from demo3-push");
    pusher
        .expect_line(WAIT, |l| l.starts_with("Now is "))
        .unwrap();
    pusher.ctrl_c(STOP_WITHIN).success().unwrap();

    // No puller at all: the first send waits; Ctrl-C must still end it.
    let endpoint = free_endpoint();
    let waiting = spawn(env!("CARGO_BIN_EXE_demo3-push"), &["--bind", &endpoint]);
    test_support::wait_for_port(endpoint.trim_start_matches("tcp://").parse().unwrap(), WAIT)
        .unwrap();
    let done = waiting.ctrl_c(STOP_WITHIN);
    assert!(done.stdout.is_empty(), "{done:?}");
    done.success().unwrap();
}

/// Ctrl-C while receiving: demo3-consumer and demo3-pull exit 0 within a second.
#[test]
fn the_consumer_and_the_puller_stop_cleanly_on_ctrl_c() {
    let context = zmq::Context::new();
    for (socket_type, bin, line) in [
        (
            zmq::PUB,
            env!("CARGO_BIN_EXE_demo3-consumer"),
            "Get date: tick",
        ),
        (
            zmq::PUSH,
            env!("CARGO_BIN_EXE_demo3-pull"),
            "Get back message tick",
        ),
    ] {
        let sender = context.socket(socket_type).unwrap();
        sender.set_linger(0).unwrap();
        let endpoint = bind_ephemeral(&sender).unwrap();
        let mut args = vec!["--connect", endpoint.as_str()];
        if bin.ends_with("pull") {
            args.extend(["--work", "0"]);
        }
        let mut receiver = spawn(bin, &args);
        // Send until it shows one (a SUB joins late, a PULL may not be connected yet).
        let deadline = Instant::now() + WAIT;
        loop {
            let _ = sender.send("tick", zmq::DONTWAIT);
            if receiver
                .expect_line(Duration::from_millis(50), |l| l == line)
                .is_ok()
            {
                break;
            }
            assert!(Instant::now() < deadline, "{bin} printed no {line:?}");
        }
        receiver.ctrl_c(STOP_WITHIN).success().unwrap();
    }
}

/// A prefix that matches nothing looks like a silent producer — the error says which
/// prefix was subscribed to, and that.
#[test]
fn a_consumer_with_a_prefix_says_which_prefix_it_waited_for() {
    let context = zmq::Context::new();
    let producer = context.socket(zmq::PUB).unwrap();
    let endpoint = bind_ephemeral(&producer).unwrap();
    // The producer runs all along, publishing dates that do not start with 11/.
    let producer = test_support::ServerThread::spawn("producer", move |stop| {
        while !stop.load(std::sync::atomic::Ordering::Relaxed) {
            producer.send("12/01/2026 11:00:00 pm", 0).unwrap();
            thread::sleep(Duration::from_millis(20)); // its pace, not a synchronisation
        }
    });
    let done = test_support::run(
        "demo3-consumer",
        Command::new(env!("CARGO_BIN_EXE_demo3-consumer")).args([
            "--connect",
            &endpoint,
            "--prefix",
            "11/",
            "--timeout",
            "500ms",
        ]),
        WAIT,
    );
    producer.stop();
    assert!(
        done.stdout.is_empty(),
        "nothing matches the prefix: {done:?}"
    );
    assert!(done.status.is_some_and(|s| !s.success()), "{done:?}");
    assert!(
        done.stderr.contains(
            "is demo3-producer running? (subscribed to the prefix \"11/\" only: a prefix that \
             matches nothing looks exactly like a silent producer; try without --prefix)"
        ),
        "{}",
        done.stderr
    );
}

/// An endpoint without a transport names the flag and the form it needs, in all four binaries.
#[test]
fn a_bad_endpoint_names_the_flag_and_the_form_it_needs() {
    for (bin, flag, args) in [
        (env!("CARGO_BIN_EXE_demo3-producer"), "--bind", &[][..]),
        (env!("CARGO_BIN_EXE_demo3-push"), "--bind", &[][..]),
        (env!("CARGO_BIN_EXE_demo3-consumer"), "--connect", &[][..]),
        (env!("CARGO_BIN_EXE_demo3-pull"), "--connect", &[][..]),
    ] {
        test_support::assert_endpoint_error(bin, flag, "localhost:5555", args);
    }
}
