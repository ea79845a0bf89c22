//! Interop with the tutorial's pika scripts (peers/): every client × every server, for the
//! RabbitMQ tutorial (fib, `rpc_queue`) and the `s14rpc` variant (n + 100). Clients run at their
//! defaults (n = 30); only the queue is changed, so the tests can run in parallel.

use crate::support;

use std::process::Command;

use support::{amqp_url, bin, broker, consumers_of, lock_default_queues, TempQueue, BOUND};
use test_support::{peer_command, python, skip, Lang, Matrix, Proc};

struct Variant {
    label: &'static str,
    function: &'static str,
    python_server: &'static str,
    python_client: &'static str,
    expected: [&'static str; 2],
    server_line: &'static str,
}

const VARIANTS: [Variant; 2] = [
    Variant {
        label: "",
        function: "fib",
        python_server: "peers/rpc_server.py",
        python_client: "peers/rpc_client.py",
        expected: [" [x] Requesting fib(30)", " [.] Got 832040"],
        server_line: " [.] fib(30)",
    },
    Variant {
        label: " s14rpc",
        function: "plus100",
        python_server: "peers/s14rpc_server.py",
        python_client: "peers/s14rpc_client.py",
        expected: [" [x] Requesting plus100(30)", " [.] Got 130"],
        server_line: " [.] plus100(30)",
    },
];

fn python_peer(script: &str, queue: &str) -> Command {
    let mut cmd = peer_command(env!("CARGO_MANIFEST_DIR"), Lang::Python, script)
        .expect("checked that python is there");
    cmd.env("AMQP_URL", amqp_url()).env("RPC_QUEUE", queue);
    cmd
}

#[test]
fn every_client_talks_to_every_server() {
    let Some(mut connection) = broker() else {
        return;
    };
    if python().is_none() {
        return skip("the Python venv with pika is missing (peers/*.py)");
    }
    let mut matrix = Matrix::new("Section 7 — RPC over RabbitMQ: client × server");

    for variant in &VARIANTS {
        // One queue per server, so each client's call can only be answered by that server.
        let rust_queue = TempQueue::declared(&mut connection);
        let python_queue = TempQueue::declared(&mut connection);
        let mut servers = [
            (
                format!("Rust{}", variant.label),
                &rust_queue,
                Proc::spawn(
                    "amqp-rpc-server",
                    bin("amqp-rpc-server").args([
                        "--queue",
                        &rust_queue.name,
                        "--function",
                        variant.function,
                    ]),
                ),
            ),
            (
                format!("Python{}", variant.label),
                &python_queue,
                Proc::spawn(
                    variant.python_server,
                    &mut python_peer(variant.python_server, &python_queue.name),
                ),
            ),
        ];
        for (name, _, server) in &mut servers {
            if let Err(e) = server.expect_line(BOUND, |l| l == " [x] Awaiting RPC requests") {
                panic!("{name} server did not start: {e}");
            }
        }

        for (server_name, queue, server) in &mut servers {
            let mut rust_client = bin("amqp-rpc-client");
            rust_client
                .args(["--queue", &queue.name, "--function", variant.function])
                .args(["--timeout", "60s"]);
            let clients = [
                (format!("Rust{}", variant.label), rust_client),
                (
                    format!("Python{}", variant.label),
                    python_peer(variant.python_client, &queue.name),
                ),
            ];
            for (client_name, mut cmd) in clients {
                let outcome = test_support::run(&client_name, &mut cmd, BOUND)
                    .success()
                    .and_then(|lines| {
                        if lines == variant.expected {
                            Ok(())
                        } else {
                            Err(format!(
                                "printed {lines:?}, expected {:?}",
                                variant.expected
                            ))
                        }
                    })
                    .and_then(|()| server.expect_line(BOUND, |l| l == variant.server_line))
                    .map(|_| ());
                matrix.record(client_name, server_name.clone(), outcome);
            }
        }
    }
    matrix.assert_all_ok();
}

/// The tutorial's scripts as they are — no queue, no URL, no n given anywhere — against our
/// programs with no flags but `--function`: the defaults (`rpc_queue`/`s14rpc`, localhost, n = 30)
/// must line up. The only test that touches the tutorial's queue names.
#[test]
fn tutorial_scripts_and_our_programs_meet_at_their_defaults() {
    if std::env::var("AMQP_URL").is_ok_and(|url| url != common::endpoints::AMQP_URL) {
        return skip("AMQP_URL points at another broker; the scripts' default is localhost");
    }
    let Some(_broker) = broker() else { return };
    if python().is_none() {
        return skip("the Python venv with pika is missing (peers/*.py)");
    }
    let _lock = lock_default_queues();

    for variant in &VARIANTS {
        let queue = if variant.function == "fib" {
            "rpc_queue"
        } else {
            "s14rpc"
        };
        let existed = consumers_of(queue);
        if existed.is_some_and(|consumers| consumers > 0) {
            return skip(&format!(
                "a server already consumes `{queue}` (left running?)"
            ));
        }
        let unchanged = |script: &str| {
            let mut cmd = peer_command(env!("CARGO_MANIFEST_DIR"), Lang::Python, script)
                .expect("checked that python is there");
            cmd.env_remove("AMQP_URL").env_remove("RPC_QUEUE");
            cmd
        };
        let ours = |name: &str| {
            let mut cmd = bin(name);
            cmd.env_remove("AMQP_URL")
                .args(["--function", variant.function]);
            cmd
        };

        let mut rust_server = Proc::spawn("amqp-rpc-server", &mut ours("amqp-rpc-server"));
        rust_server
            .expect_line(BOUND, |l| l == " [x] Awaiting RPC requests")
            .unwrap();
        let lines = test_support::run(
            variant.python_client,
            &mut unchanged(variant.python_client),
            BOUND,
        )
        .success()
        .unwrap();
        assert_eq!(lines, variant.expected);
        rust_server
            .expect_line(BOUND, |l| l == variant.server_line)
            .unwrap();
        drop(rust_server);

        let mut python_server =
            Proc::spawn(variant.python_server, &mut unchanged(variant.python_server));
        python_server
            .expect_line(BOUND, |l| l == " [x] Awaiting RPC requests")
            .unwrap();
        let mut rust_client = ours("amqp-rpc-client");
        let lines = test_support::run(
            "amqp-rpc-client",
            rust_client.args(["--timeout", "30s"]),
            BOUND,
        )
        .success()
        .unwrap();
        assert_eq!(lines, variant.expected);
        python_server
            .expect_line(BOUND, |l| l == variant.server_line)
            .unwrap();
        drop(python_server);

        if existed.is_none() {
            // We created it: leave the broker as we found it.
            if let Some(mut connection) = broker() {
                let channel = connection.open_channel(None).unwrap();
                channel
                    .queue_delete(queue, amiquip::QueueDeleteOptions::default())
                    .unwrap();
            }
        }
    }
}
