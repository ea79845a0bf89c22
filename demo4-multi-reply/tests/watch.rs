//! `demo4-watch` against a real etcd: the rendered `config/rpc.php` before and after a join
//! and a leave, never seen half-written, `--exec` run once per change; the PUB events, with the
//! whole list for a subscriber that comes late; `demo4-client --subscribe` following them.

use std::collections::BTreeSet;
use std::path::Path;
use std::process::Command;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

use demo4_multi_reply::discovery::{render, watch::Servers};
use test_support::{free_endpoint, Proc, ServerThread};

use crate::discovery::{merged, server};
use crate::etcd::Etcd;

pub const WATCH: &str = env!("CARGO_BIN_EXE_demo4-watch");
const CLIENT: &str = env!("CARGO_BIN_EXE_demo4-client");
const CRATE: &str = env!("CARGO_MANIFEST_DIR");
const WAIT: Duration = Duration::from_secs(10);

/// Waits (bounded) until `check()` is true.
fn wait_until(what: &str, mut check: impl FnMut() -> bool) {
    let deadline = Instant::now() + WAIT;
    while !check() {
        assert!(Instant::now() < deadline, "not within {WAIT:?}: {what}");
        std::thread::sleep(Duration::from_millis(20));
    }
}

fn lines_in(path: &Path) -> usize {
    std::fs::read_to_string(path).map_or(0, |t| t.lines().count())
}

#[test]
fn the_rendered_config_follows_joins_and_leaves_atomically_with_one_reload_per_change() {
    let Some(etcd) = Etcd::start() else { return };
    let dir = tempfile::tempdir().unwrap();
    let template_path = Path::new(CRATE).join("peers/templates/rpc.php.tpl");
    let template = std::fs::read_to_string(&template_path).unwrap();
    let dest = dir.path().join("config/rpc.php");
    let reloads = dir.path().join("reloads");
    let render_flag = format!("{}:{}", template_path.display(), dest.display());
    let exec = format!("echo reloaded >> '{}'", reloads.display());
    let publish = free_endpoint();
    let mut watch = Proc::spawn(
        "demo4-watch",
        &mut merged(
            WATCH,
            &[
                "--registry",
                &etcd.client_url,
                "--publish",
                &publish,
                "--render",
                &render_flag,
                "--exec",
                &exec,
            ],
        ),
    );
    let expected = |servers: &[(&str, &str)]| {
        let servers: Servers = servers
            .iter()
            .map(|(n, e)| (n.to_string(), e.to_string()))
            .collect();
        render::render(&template, &servers)
    };
    wait_until("the empty list is rendered", || {
        std::fs::read_to_string(&dest).is_ok_and(|t| t == expected(&[]))
    });
    wait_until("one reload at start", || lines_in(&reloads) == 1);

    // A reader that reads the file all along, as PHP's `include` on every request would.
    let reader_dest = dest.clone();
    let reader = ServerThread::spawn("reader", move |stop: Arc<AtomicBool>| {
        let mut seen = BTreeSet::new();
        while !stop.load(Ordering::Relaxed) {
            if let Ok(text) = std::fs::read_to_string(&reader_dest) {
                seen.insert(text);
            }
        }
        seen
    });

    let (alice, alice_at) = server(&etcd.client_url, "alice", &[]);
    watch
        .expect_line(WAIT, |l| l == format!("up alice {alice_at}"))
        .unwrap();
    let one = expected(&[("alice", &alice_at)]);
    wait_until("alice rendered", || {
        std::fs::read_to_string(&dest).is_ok_and(|t| t == one)
    });
    wait_until("a reload for alice", || lines_in(&reloads) == 2);

    let (_bob, bob_at) = server(&etcd.client_url, "bob", &[]);
    let two = expected(&[("alice", &alice_at), ("bob", &bob_at)]);
    wait_until("bob rendered", || {
        std::fs::read_to_string(&dest).is_ok_and(|t| t == two)
    });
    wait_until("a reload for bob", || lines_in(&reloads) == 3);

    alice.signal("INT");
    watch.expect_line(WAIT, |l| l == "down alice").unwrap();
    let after = expected(&[("bob", &bob_at)]);
    wait_until("alice's leave rendered", || {
        std::fs::read_to_string(&dest).is_ok_and(|t| t == after)
    });
    wait_until("a reload for alice's leave", || lines_in(&reloads) == 4);
    assert!(after.contains(&format!("'{bob_at}', // bob")), "{after}");

    let seen = reader.stop();
    let whole: BTreeSet<String> = [expected(&[]), one, two, after].into_iter().collect();
    assert!(seen.len() >= 2, "the reader saw the file change: {seen:?}");
    for text in &seen {
        assert!(
            whole.contains(text),
            "a reader saw a file that is not a whole version:\n{text}"
        );
    }
    // Once per change: nothing more runs while nothing changes (watched for two republish rounds).
    let quiet = watch.lines_for(Duration::from_secs(2));
    assert_eq!(lines_in(&reloads), 4, "{quiet:?}");
}

/// A SUB socket that connects after the servers registered (and after their `up` events went
/// out) still gets the whole list, and then the changes.
#[test]
fn a_late_subscriber_gets_the_whole_list_then_the_changes() {
    let Some(etcd) = Etcd::start() else { return };
    let publish = free_endpoint();
    let (_alice, alice_at) = server(&etcd.client_url, "alice", &[]);
    let (bob, _) = server(&etcd.client_url, "bob", &[]);
    let mut watch = Proc::spawn(
        "demo4-watch",
        &mut merged(
            WATCH,
            &["--registry", &etcd.client_url, "--publish", &publish],
        ),
    );
    watch
        .expect_line(WAIT, |l| l.starts_with("up bob"))
        .unwrap();

    let context = zmq::Context::new();
    let sub = context.socket(zmq::SUB).unwrap();
    sub.set_linger(0).unwrap();
    sub.set_subscribe(b"").unwrap();
    sub.connect(&publish).unwrap();
    let mut heard = BTreeSet::new();
    let deadline = Instant::now() + Duration::from_secs(3);
    while heard.len() < 2 && Instant::now() < deadline {
        if let Some(frame) =
            common::zmq_util::recv_timeout(&sub, Duration::from_millis(200)).unwrap()
        {
            heard.insert(String::from_utf8(frame).unwrap());
        }
    }
    assert!(heard.contains(&format!("up alice {alice_at}")), "{heard:?}");
    assert!(
        heard.iter().any(|f| f.starts_with("up bob tcp://")),
        "{heard:?}"
    );

    bob.signal("INT");
    let deadline = Instant::now() + WAIT;
    loop {
        let frame = common::zmq_util::recv_timeout(
            &sub,
            deadline.saturating_duration_since(Instant::now()),
        )
        .unwrap()
        .expect("`down bob` is published");
        if frame == b"down bob" {
            break;
        }
    }
}

#[test]
fn the_client_follows_the_pub_events_instead_of_etcd() {
    let Some(etcd) = Etcd::start() else { return };
    let publish = free_endpoint();
    let watch = Proc::spawn(
        "demo4-watch",
        &mut merged(
            WATCH,
            &["--registry", &etcd.client_url, "--publish", &publish],
        ),
    );
    let (_alice, alice_at) = server(&etcd.client_url, "alice", &[]);
    let mut client = Proc::spawn(
        "client --subscribe",
        &mut merged(
            CLIENT,
            &[
                "--subscribe",
                &publish,
                "--requests",
                "0",
                "--interval",
                "100ms",
            ],
        ),
    );
    client
        .expect_line(WAIT, |l| l == format!("joined alice {alice_at}"))
        .unwrap();
    client.expect_line(WAIT, |l| l == "[b'alice']").unwrap();
    let (bob, bob_at) = server(&etcd.client_url, "bob", &[]);
    client
        .expect_line(WAIT, |l| l == format!("joined bob {bob_at}"))
        .unwrap();
    client.expect_line(WAIT, |l| l == "[b'bob']").unwrap();
    bob.signal("INT");
    client.expect_line(WAIT, |l| l == "left bob").unwrap();
    for _ in 0..3 {
        assert_eq!(
            client.expect_line(WAIT, |l| l.starts_with("[b'")).unwrap(),
            "[b'alice']"
        );
    }
    // Ctrl-C stops the watcher with exit 0.
    watch.signal("INT");
    let stopped = watch.finish(Duration::from_secs(1));
    assert!(stopped.status.is_some_and(|s| s.success()), "{stopped:?}");
}

/// `--help` names the partners (as every binary's does).
#[test]
fn watch_help_names_its_partners() {
    let help = test_support::run(
        "demo4-watch --help",
        Command::new(WATCH).arg("--help"),
        WAIT,
    )
    .success()
    .unwrap()
    .join("\n");
    assert!(help.contains("Partner: demo4-server --register"), "{help}");
}
