//! When one broker is not enough: a private 3-node cluster (ephemeral ports, its own cookie,
//! killed when the test ends, even on failure), a quorum `rpc_queue`, two Rust servers on
//! different nodes and the client on the third, and nodes killed with SIGKILL mid-load:
//! (a) the node holding the queue's leader, (c) that node restarted and rejoining, (b) the
//! client's own node; then the tutorial's pika client while a node dies. Every call must be
//! answered, right, once. One cluster for the whole story (booting one costs 15–40 s), so the
//! scenarios run one after the other in one test, in parallel with the other tests.

use crate::support;

use std::io::Write;
use std::process::Command;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;
use std::thread;
use std::time::{Duration, Instant};

use amqp_fibonacci::{run_load, Brokers, LoadOptions, LoadReport, QueueType, ReplyTo};
use amqp_fibonacci::{sbin, Cluster};
use support::{bin, broker, TempQueue, BOUND};
use test_support::{peer_command, python, skip, Lang, Proc};

/// The load: 300 calls, 20 in flight.
const CALLS: usize = 300;
const IN_FLIGHT: usize = 20;
/// The kill comes once this many calls are answered: mid-load.
const KILL_AFTER: usize = 60;
/// A load run, a node's boot, a pika call: each is bounded by this.
const LONG: Duration = Duration::from_secs(180);

/// A server binary on the cluster, preferring node `first`.
fn server(cluster: &Cluster, first: usize, queue: &str, delay: &str) -> Proc {
    let mut cmd = bin("amqp-rpc-server");
    cmd.env_remove("AMQP_URL")
        .args(["--queue", queue, "--queue-type", "quorum", "--delay", delay]);
    for url in cluster.urls_from(first) {
        cmd.args(["--amqp-url", &url]);
    }
    let mut server = Proc::spawn(format!("server on {}", cluster.name(first)), &mut cmd);
    server
        .expect_line(LONG, |l| l == " [x] Awaiting RPC requests")
        .unwrap();
    server
}

/// A load run on a thread (the client, on node `first`): its answers counted as they come.
struct Load {
    answered: Arc<AtomicUsize>,
    done: std::sync::mpsc::Receiver<LoadReport>,
}

impl Load {
    fn start(cluster: &Cluster, first: usize, queue: &str, reply_to: ReplyTo) -> Load {
        let mut brokers = Brokers::new(&cluster.urls_from(first));
        let answered = Arc::new(AtomicUsize::new(0));
        let (counter, queue) = (Arc::clone(&answered), queue.to_string());
        let (tx, done) = std::sync::mpsc::channel();
        let options = LoadOptions {
            calls: CALLS,
            in_flight: IN_FLIGHT,
            timeout: Duration::from_secs(20),
            reply_to,
        };
        thread::spawn(move || {
            let report = run_load(&mut brokers, &queue, options, &counter).expect("a broker");
            let _ = tx.send(report);
        });
        Load { answered, done }
    }

    /// Waits (bounded) until `count` calls are answered.
    fn wait_for(&self, count: usize) {
        let deadline = Instant::now() + LONG;
        while self.answered.load(Ordering::Relaxed) < count {
            assert!(
                Instant::now() < deadline,
                "{count} answers not within {LONG:?}"
            );
            thread::sleep(Duration::from_millis(5));
        }
    }

    fn finish(self) -> LoadReport {
        self.done.recv_timeout(LONG).expect("the load run ends")
    }
}

/// One line of the figures the README and the issue ask for: what the run saw, how long after
/// `at` (the kill, the restart) the next answer came, and the longest silence between two answers
/// from then on (the failover's pause, as the caller feels it).
fn record(what: &str, report: &LoadReport, at: Instant, took: Duration) -> String {
    let ms = |d: Duration| format!("{:.0} ms", d.as_secs_f64() * 1000.0);
    let after: Vec<Instant> = report
        .answer_times
        .iter()
        .copied()
        .filter(|&t| t > at)
        .collect();
    let next = after.first().map_or("none".to_string(), |&t| ms(t - at));
    let mut previous = at;
    let mut longest = Duration::ZERO;
    for &t in &after {
        longest = longest.max(t - previous);
        previous = t;
    }
    format!(
        "{what}: answered {}/{}, re-sent {}, duplicates dropped {}, reconnects {}, \
         next answer after {next}, longest silence {}, run {:.1} s",
        report.answered,
        report.calls,
        report.resent,
        report.duplicates,
        report.reconnects,
        ms(longest),
        took.as_secs_f64()
    )
}

fn assert_every_call_once(what: &str, report: &LoadReport) {
    assert!(report.ok(), "{what}: {report}");
    assert_eq!(report.answer_times.len(), CALLS, "{what}: each answer once");
}

fn start_cluster() -> Option<Cluster> {
    if sbin().is_none() {
        skip("RabbitMQ is not installed (its sbin scripts), so no private cluster");
        return None;
    }
    Some(Cluster::start(3).expect("a private 3-node cluster"))
}

#[test]
fn a_cluster_loses_nodes_mid_load_and_no_call() {
    common::logging::init_with_default("amqp_fibonacci=warn"); // the in-process client's reconnect lines
    let booting = Instant::now();
    let Some(mut cluster) = start_cluster() else {
        return;
    };
    let booted = booting.elapsed();
    let story = Instant::now();
    let queue = "rpc_queue";
    // Declared from node 0, the quorum queue's leader is there (RabbitMQ's "client-local").
    let mut connection = amqp_fibonacci::connect(&cluster.url(0)).unwrap();
    amqp_fibonacci::ensure_queue(&mut connection, queue, QueueType::Quorum).unwrap();
    let _ = connection.close();
    let leader = cluster.leader_of(queue, 1).unwrap();
    let (other, third) = ((leader + 1) % 3, (leader + 2) % 3);
    let mut figures = Vec::new();

    // Two servers on two nodes (one of them the leader's), the client on the third.
    let mut on_leader = server(&cluster, leader, queue, "5ms");
    let on_other = server(&cluster, other, queue, "5ms");

    // (a) kill -9 of the node holding the queue's leader.
    let started = Instant::now();
    let load = Load::start(&cluster, third, queue, ReplyTo::Queue);
    load.wait_for(KILL_AFTER);
    cluster.kill(leader);
    let killed_at = Instant::now();
    let report = load.finish();
    figures.push(record(
        "(a) leader's node killed",
        &report,
        killed_at,
        started.elapsed(),
    ));
    assert_every_call_once("(a)", &report);
    let moved = on_leader
        .expect_line(LONG, |l| l == " [x] Awaiting RPC requests")
        .unwrap();
    assert_eq!(
        moved, " [x] Awaiting RPC requests",
        "the server resumed on another node"
    );
    let new_leader = cluster.leader_of(queue, other).unwrap();
    assert_ne!(new_leader, leader, "a new leader was elected");

    // (c) the killed node restarted mid-load: it rejoins, and a client on it is served.
    let started = Instant::now();
    let load = Load::start(&cluster, third, queue, ReplyTo::Queue);
    load.wait_for(KILL_AFTER);
    let restart_at = Instant::now();
    cluster.restart(leader).unwrap();
    cluster.await_members(other, 3).unwrap();
    let rejoined = restart_at.elapsed();
    let report = load.finish();
    figures.push(record(
        "(c) node restarted",
        &report,
        restart_at,
        started.elapsed(),
    ));
    assert_every_call_once("(c)", &report);
    let load = Load::start(&cluster, leader, queue, ReplyTo::Direct);
    let report = load.finish();
    assert_every_call_once("(c) client on the rejoined node, direct reply-to", &report);
    figures.push(format!(
        "(c) restart → running and in the cluster: {:.1} s; a client on it: {report}",
        rejoined.as_secs_f64()
    ));

    // (b) kill -9 of the client's own node: new reply queue, every unanswered call re-sent.
    let started = Instant::now();
    let load = Load::start(&cluster, third, queue, ReplyTo::Queue);
    load.wait_for(KILL_AFTER);
    cluster.kill(third);
    let killed_at = Instant::now();
    let report = load.finish();
    figures.push(record(
        "(b) client's node killed",
        &report,
        killed_at,
        started.elapsed(),
    ));
    assert_every_call_once("(b)", &report);
    assert!(report.resent > 0 && report.reconnects >= 1, "(b): {report}");

    // The servers logged the node they lost and the node they reached.
    drop(on_other);
    let on_leader = on_leader.finish(Duration::ZERO);
    let lost = format!(
        "lost the connection to {}",
        amqp_fibonacci::redact(&cluster.url(leader))
    );
    assert!(
        on_leader.stderr.contains(&lost) && on_leader.stderr.contains("reconnected to"),
        "{}",
        on_leader.stderr
    );

    // The tutorial's pika client (on a node that stays) while the node of a busy server dies.
    cluster.restart(third).unwrap();
    cluster.await_members(other, 3).unwrap();
    figures.push(pika_client_while_a_node_dies(&mut cluster, other, third));

    let mut out = format!(
        "\nSection 7 on a 3-node cluster (booted in {:.0} s, then the story in {:.0} s):\n",
        booted.as_secs_f64(),
        story.elapsed().as_secs_f64()
    );
    for line in &figures {
        out.push_str(&format!("  {line}\n"));
    }
    let _ = std::io::stderr().write_all(out.as_bytes());
}

/// Two pika clients on node `stays`; two slow Rust servers, one on node `dies`. When the server
/// there has taken a request, its node is killed: both pika clients still get their answer.
fn pika_client_while_a_node_dies(cluster: &mut Cluster, stays: usize, dies: usize) -> String {
    if python().is_none() {
        skip("the Python venv with pika is missing (peers/rpc_client.py)");
        return "pika: skipped".to_string();
    }
    let queue = "rpc_queue_pika";
    let mut victim = server(cluster, dies, queue, "1500ms");
    let mut survivor = server(cluster, stays, queue, "1500ms");
    let pika = |_| {
        let script = "peers/rpc_client.py";
        let mut cmd: Command = peer_command(env!("CARGO_MANIFEST_DIR"), Lang::Python, script)
            .expect("checked that python is there");
        cmd.env("AMQP_URL", cluster.url(stays))
            .env("RPC_QUEUE", queue);
        Proc::spawn("pika client", &mut cmd)
    };
    let clients: Vec<Proc> = (0..2).map(pika).collect();
    // Both requests are with a server (so the broker had them): pika publishes without
    // confirms, and a request still on its way when the node dies would be lost for good.
    for server in [&mut victim, &mut survivor] {
        server.expect_line(LONG, |l| l == " [.] fib(30)").unwrap();
    }
    cluster.kill(dies);
    let killed_at = Instant::now();
    let mut took = Vec::new();
    for client in clients {
        let done = client.finish(Duration::from_secs(60)).success().unwrap();
        took.push(killed_at.elapsed());
        assert_eq!(done, [" [x] Requesting fib(30)", " [.] Got 832040"]);
    }
    format!(
        "pika client × 2 while a busy server's node dies: both answered, the last {:.1} s after \
         the kill",
        took.iter().max().unwrap_or(&Duration::ZERO).as_secs_f64()
    )
}

#[test]
fn an_unreachable_broker_is_skipped_and_none_is_an_error_naming_every_url() {
    let nobody = |_| {
        format!(
            "amqp://guest:secret@127.0.0.1:{}/%2f",
            test_support::free_port()
        )
    };
    let dead: Vec<String> = (0..2).map(nobody).collect();
    let done = test_support::run(
        "client, two dead brokers",
        bin("amqp-rpc-client").args(["--amqp-url", &dead[0], "--amqp-url", &dead[1]]),
        BOUND,
    );
    assert!(matches!(done.status, Some(s) if !s.success()), "{done:?}");
    assert!(
        done.stderr.contains("none of the 2 brokers answered"),
        "{}",
        done.stderr
    );
    for url in &dead {
        let shown = amqp_fibonacci::redact(url);
        assert!(
            done.stderr.contains(&shown),
            "{shown} named: {}",
            done.stderr
        );
    }
    assert!(
        !done.stderr.contains("secret"),
        "passwords hidden: {}",
        done.stderr
    );

    // A dead broker first, a live one second: skipped with a warning, the call answered.
    let Some(mut connection) = broker() else {
        return;
    };
    let queue = TempQueue::declared(&mut connection);
    let _server =
        support::TestServer::start(&queue.name, amqp_fibonacci::Function::Fib, Duration::ZERO);
    queue.wait_for_consumers(1);
    let list = format!("{},{}", dead[0], support::amqp_url());
    let done = test_support::run(
        "client, a dead broker then a live one",
        bin("amqp-rpc-client")
            .env("AMQP_URL", list)
            .args(["--queue", &queue.name, "10"]),
        BOUND,
    );
    assert!(done.stderr.contains("skipping"), "{}", done.stderr);
    assert_eq!(
        done.success().unwrap(),
        [" [x] Requesting fib(10)", " [.] Got 55"]
    );
}

#[test]
fn the_load_mode_ends_with_its_one_line_and_quorum_over_classic_is_explained() {
    let Some(mut connection) = broker() else {
        return;
    };
    let queue = TempQueue::declared(&mut connection);
    let _server =
        support::TestServer::start(&queue.name, amqp_fibonacci::Function::Fib, Duration::ZERO);
    queue.wait_for_consumers(1);
    for reply_to in ["queue", "direct"] {
        let done = test_support::run(
            "client, load mode",
            bin("amqp-rpc-client").args([
                "--queue",
                &queue.name,
                "--calls",
                "200",
                "--in-flight",
                "10",
                "--reply-to",
                reply_to,
            ]),
            BOUND,
        );
        assert_eq!(
            done.success().unwrap(),
            ["calls: 200, answered: 200, unanswered: 0, wrong: 0, re-sent: 0, duplicates dropped: 0"]
        );
    }
    // A classic queue exists: asking for a quorum one is today's clear 406.
    let error = amqp_fibonacci::ensure_queue(&mut connection, &queue.name, QueueType::Quorum)
        .err()
        .expect("a 406");
    let text = error.to_string();
    assert!(
        text.contains("406 PRECONDITION_FAILED") && text.contains("--queue"),
        "{text}"
    );
}
