//! The tutorial's open questions, each answered by behaviour against the real broker.

use crate::support;

use std::collections::HashSet;
use std::thread;
use std::time::{Duration, Instant};

use amiquip::{AmqpProperties, ConsumerMessage, ConsumerOptions, Publish, QueueDeclareOptions};
use amqp_fibonacci::declare_like_tutorial;
use amqp_fibonacci::{ensure_request_queue, CallError, Function, RpcClient};
use support::{bin, broker, fib_text, TempQueue, TestServer, BOUND};
use test_support::Proc;

// 1. What if no server is running? ------------------------------------------------------------

#[test]
fn no_server_ever_started_means_no_queue_and_the_request_comes_back() {
    let Some(mut connection) = broker() else {
        return;
    };
    let queue = TempQueue::name_only(); // nobody declared it
    let channel = connection.open_channel(None).unwrap();
    let mut client = RpcClient::new(&channel, &queue.name).unwrap();

    // The timeout is long: the answer must come from the broker's basic.return, not from it.
    match client.call("30", BOUND) {
        Err(CallError::NoQueue { code, queue: q, .. }) => {
            assert_eq!(code, 312, "NO_ROUTE");
            assert_eq!(q, queue.name);
        }
        other => panic!("expected NoQueue, got {other:?}"),
    }
    assert_eq!(client.in_flight(), 0);
}

#[test]
fn a_queue_nobody_consumes_is_told_apart_from_no_queue() {
    let Some(mut connection) = broker() else {
        return;
    };
    let queue = TempQueue::declared(&mut connection);
    let channel = connection.open_channel(None).unwrap();
    let mut client = RpcClient::new(&channel, &queue.name).unwrap();

    match client.call("30", Duration::from_millis(300)) {
        Err(CallError::NoConsumer { waiting, .. }) => {
            assert_eq!(waiting, 1, "our request waits in the queue")
        }
        other => panic!("expected NoConsumer, got {other:?}"),
    }
}

#[test]
fn the_client_binary_explains_both_cases_and_exits_non_zero() {
    let Some(mut connection) = broker() else {
        return;
    };
    let missing = TempQueue::name_only();
    let idle = TempQueue::declared(&mut connection);

    let no_queue = test_support::run(
        "client, no queue",
        bin("amqp-rpc-client").args(["--queue", &missing.name, "--timeout", "20s"]),
        BOUND,
    );
    assert!(
        matches!(no_queue.status, Some(s) if !s.success()),
        "{no_queue:?}"
    );
    assert_eq!(no_queue.stdout, [" [x] Requesting fib(30)"]);
    assert!(
        no_queue.stderr.contains("no queue") && no_queue.stderr.contains("start amqp-rpc-server"),
        "{}",
        no_queue.stderr
    );

    let no_consumer = test_support::run(
        "client, no consumer",
        bin("amqp-rpc-client").args(["--queue", &idle.name, "--timeout", "300ms"]),
        BOUND,
    );
    assert!(
        matches!(no_consumer.status, Some(s) if !s.success()),
        "{no_consumer:?}"
    );
    assert!(
        no_consumer.stderr.contains("no server consumes it")
            && no_consumer.stderr.contains("300 ms"),
        "{}",
        no_consumer.stderr
    );
}

// 2. Should the client time out? Yes, after a configurable time; a late reply is discarded. ----

#[test]
fn a_busy_server_gives_a_timeout_and_its_late_reply_is_discarded() {
    let Some(mut connection) = broker() else {
        return;
    };
    let queue = TempQueue::declared(&mut connection);
    let server = TestServer::start(&queue.name, Function::Fib, Duration::from_millis(1500));
    queue.wait_for_consumers(1);

    let channel = connection.open_channel(None).unwrap();
    let mut client = RpcClient::new(&channel, &queue.name).unwrap();
    match client.call("10", Duration::from_millis(200)) {
        Err(CallError::Timeout { consumers, .. }) => assert_eq!(consumers, 1),
        other => panic!("expected Timeout, got {other:?}"),
    }
    // The next call waits long enough; the late "55" of the first call must not be taken for it.
    assert_eq!(client.call("11", BOUND).unwrap(), "89");
    assert_eq!(
        client.discarded(),
        1,
        "the late reply to fib(10) was discarded"
    );
    server.stop();
}

// 3 and 4. Server-side errors reach the client; invalid requests are answered and acked. -------

#[test]
fn invalid_requests_get_error_replies_are_acked_and_the_server_goes_on() {
    let Some(mut connection) = broker() else {
        return;
    };
    let queue = TempQueue::declared(&mut connection);
    let server = TestServer::start(&queue.name, Function::Fib, Duration::ZERO);

    let channel = connection.open_channel(None).unwrap();
    let mut client = RpcClient::new(&channel, &queue.name).unwrap();
    let bad = [
        ("abc", "not-a-number"),
        ("", "not-a-number"),
        ("4.5", "not-a-number"),
        ("-1", "negative"),
        ("187", "too-large"),
        ("99999999999999999999999999999999999999999999", "too-large"),
    ];
    for (body, want) in bad {
        match client.call(body, BOUND) {
            Err(CallError::Server { kind, message }) => {
                assert_eq!(kind, want, "{body:?}");
                assert!(!message.is_empty());
            }
            other => panic!("{body:?}: expected an error reply, got {other:?}"),
        }
    }
    // Not UTF-8, and a request without reply_to (nobody to answer): published by hand.
    channel
        .basic_publish(
            "",
            Publish::with_properties(
                b"\xff\xfe",
                queue.name.clone(),
                AmqpProperties::default()
                    .with_reply_to(client.callback_queue().to_string())
                    .with_correlation_id("not-utf8".to_string()),
            ),
        )
        .unwrap();
    channel
        .basic_publish("", Publish::new(b"30", queue.name.clone()))
        .unwrap();
    // The server is still alive and answers in order.
    assert_eq!(client.call("186", BOUND).unwrap(), fib_text(186));
    assert_eq!(
        client.discarded(),
        1,
        "the not-UTF-8 error reply had no waiting call"
    );

    let stats = server.stop();
    assert_eq!(stats.errors, 7);
    assert_eq!(stats.dropped, 1);
    assert_eq!(stats.answered, 1);
    assert_eq!(
        stats.redelivered, 0,
        "no request came back: each was acked once"
    );
    assert_eq!(
        queue.counts(),
        (0, 0),
        "nothing left to redeliver after the server stopped"
    );
}

// 5. Several calls in flight from one client, matched by correlation id. -----------------------

#[test]
fn one_hundred_concurrent_calls_each_get_their_own_answer() {
    let Some(mut connection) = broker() else {
        return;
    };
    let queue = TempQueue::declared(&mut connection);
    let _one = TestServer::start(&queue.name, Function::Fib, Duration::ZERO);
    let _two = TestServer::start(&queue.name, Function::Fib, Duration::ZERO);

    let channel = connection.open_channel(None).unwrap();
    let mut client = RpcClient::new(&channel, &queue.name).unwrap();
    let ns: Vec<u64> = (0..100).collect();
    let bodies: Vec<String> = ns.iter().map(|n| n.to_string()).collect();
    let answers = client.call_many(&bodies, BOUND).unwrap();

    assert_eq!(answers.len(), 100);
    for (n, answer) in ns.iter().zip(answers) {
        assert_eq!(answer.unwrap(), fib_text(*n), "fib({n})");
    }
    assert_eq!(client.in_flight(), 0);
    assert_eq!(client.discarded(), 0);
}

#[test]
fn pending_calls_can_be_awaited_in_any_order() {
    let Some(mut connection) = broker() else {
        return;
    };
    let queue = TempQueue::declared(&mut connection);
    let channel = connection.open_channel(None).unwrap();
    let mut client = RpcClient::new(&channel, &queue.name).unwrap();

    let calls: Vec<_> = (20..25)
        .map(|n| client.send(&n.to_string()).unwrap())
        .collect();
    let ids: HashSet<_> = calls
        .iter()
        .map(|c| c.correlation_id().to_string())
        .collect();
    assert_eq!(ids.len(), 5, "a fresh correlation id per call");
    assert_eq!(client.in_flight(), 5);

    let _server = TestServer::start(&queue.name, Function::Fib, Duration::ZERO);
    for call in calls.into_iter().rev() {
        let n: u64 = call.body().parse().unwrap();
        assert_eq!(client.wait(call, BOUND).unwrap(), fib_text(n));
    }
}

// 6. Replies with an unknown or already-answered correlation id are discarded. ----------------

#[test]
fn duplicate_and_unknown_replies_are_discarded() {
    let Some(mut connection) = broker() else {
        return;
    };
    let queue = TempQueue::declared(&mut connection);

    // A misbehaving server: for each request it sends a reply with an unknown id, then the
    // right reply, then the right id again with a wrong body (a duplicate).
    let rogue_queue = queue.name.clone();
    let rogue = test_support::ServerThread::spawn("rogue server", move |stop| {
        let mut connection = amqp_fibonacci::connect(&support::amqp_url()).unwrap();
        let channel = connection.open_channel(None).unwrap();
        let consumer = channel
            .basic_consume(rogue_queue, ConsumerOptions::default())
            .unwrap();
        while !stop.load(std::sync::atomic::Ordering::Relaxed) {
            let message = match consumer.receiver().recv_timeout(Duration::from_millis(50)) {
                Ok(message) => message,
                Err(crossbeam_channel::RecvTimeoutError::Timeout) => continue,
                Err(crossbeam_channel::RecvTimeoutError::Disconnected) => break,
            };
            let ConsumerMessage::Delivery(request) = message else {
                break;
            };
            let reply_to = request.properties.reply_to().clone().unwrap();
            let id = request.properties.correlation_id().clone().unwrap();
            let answer = amqp_fibonacci::Function::Fib.apply(&request.body).unwrap();
            for (id, body) in [
                ("no-such-call".to_string(), "1".to_string()),
                (id.clone(), answer),
                (id, "999".to_string()),
            ] {
                let properties = AmqpProperties::default().with_correlation_id(id);
                channel
                    .basic_publish(
                        "",
                        Publish::with_properties(body.as_bytes(), reply_to.clone(), properties),
                    )
                    .unwrap();
            }
            consumer.ack(request).unwrap();
        }
    });

    let channel = connection.open_channel(None).unwrap();
    let mut client = RpcClient::new(&channel, &queue.name).unwrap();
    assert_eq!(client.call("10", BOUND).unwrap(), "55");
    // The duplicate "999" of the first call may arrive while we wait for the second one: it must
    // be thrown away, not returned as fib(12).
    assert_eq!(client.call("12", BOUND).unwrap(), "144");
    assert_eq!(client.call("13", BOUND).unwrap(), "233");
    assert!(
        client.discarded() >= 5,
        "two unknown ids and at least two duplicates, got {}",
        client.discarded()
    );
    rogue.stop(); // bounded: fails, not hangs, if the rogue does not stop
}

// 7. Several servers share the work; killing one loses no call. -------------------------------

#[test]
fn two_servers_share_the_calls() {
    let Some(mut connection) = broker() else {
        return;
    };
    let queue = TempQueue::declared(&mut connection);
    let one = TestServer::start(&queue.name, Function::Fib, Duration::from_millis(20));
    let two = TestServer::start(&queue.name, Function::Fib, Duration::from_millis(20));
    queue.wait_for_consumers(2);

    let channel = connection.open_channel(None).unwrap();
    let mut client = RpcClient::new(&channel, &queue.name).unwrap();
    let bodies: Vec<String> = (0..40).map(|n| n.to_string()).collect();
    for (n, answer) in client
        .call_many(&bodies, BOUND)
        .unwrap()
        .into_iter()
        .enumerate()
    {
        assert_eq!(answer.unwrap(), fib_text(n as u64));
    }
    let (one, two) = (one.stop(), two.stop());
    assert!(one.answered > 0 && two.answered > 0, "{one:?} {two:?}");
    assert_eq!(one.answered + two.answered, 40);
}

#[test]
fn a_server_killed_mid_load_loses_no_call_and_each_answer_arrives_once() {
    let Some(mut connection) = broker() else {
        return;
    };
    let queue = TempQueue::declared(&mut connection);
    // The victim is slow, so when we kill it right after it printed a request, it still holds
    // that request unacked.
    let mut victim = Proc::spawn(
        "server to kill",
        bin("amqp-rpc-server").args(["--queue", &queue.name, "--delay", "400ms"]),
    );
    let mut survivor = Proc::spawn(
        "surviving server",
        bin("amqp-rpc-server").args(["--queue", &queue.name, "--delay", "10ms"]),
    );
    for server in [&mut victim, &mut survivor] {
        server
            .expect_line(BOUND, |l| l == " [x] Awaiting RPC requests")
            .unwrap();
    }
    queue.wait_for_consumers(2);

    let killer = thread::spawn(move || {
        let mut seen = 0;
        while seen < 2 {
            victim
                .expect_line(BOUND, |l| l.starts_with(" [.] fib("))
                .unwrap();
            seen += 1;
        }
        victim.kill(); // SIGKILL: no goodbye, no ack
    });

    let channel = connection.open_channel(None).unwrap();
    let mut client = RpcClient::new(&channel, &queue.name).unwrap();
    let bodies: Vec<String> = (0..60).map(|n| n.to_string()).collect();
    let answers = client.call_many(&bodies, BOUND).unwrap();
    killer
        .join()
        .expect("the victim served two requests and was killed");

    for (n, answer) in answers.into_iter().enumerate() {
        assert_eq!(answer.unwrap(), fib_text(n as u64), "fib({n})");
    }
    assert_eq!(client.in_flight(), 0);
    let survivor = survivor.finish(Duration::from_millis(200));
    assert!(
        survivor.stderr.contains("redelivered request"),
        "the request the victim held was redelivered to the survivor: {}",
        survivor.stderr
    );
}

// The queue may already exist with other arguments (durable, quorum): use it, explain 406. ----

#[test]
fn the_server_uses_a_queue_declared_durable_or_quorum() {
    let Some(mut connection) = broker() else {
        return;
    };
    let durable = TempQueue::declared_with(
        &mut connection,
        QueueDeclareOptions {
            durable: true,
            ..QueueDeclareOptions::default()
        },
    );
    let quorum = TempQueue::quorum(&mut connection);
    for queue in [&durable, &quorum] {
        let server = TestServer::start(&queue.name, Function::Fib, Duration::ZERO);
        let channel = connection.open_channel(None).unwrap();
        let mut client = RpcClient::new(&channel, &queue.name).unwrap();
        assert_eq!(
            client.call("30", BOUND).unwrap(),
            "832040",
            "{}",
            queue.name
        );
        server.stop();
    }
}

#[test]
fn redeclaring_a_durable_queue_the_tutorial_way_is_a_406_we_explain() {
    let Some(mut connection) = broker() else {
        return;
    };
    let durable = TempQueue::declared_with(
        &mut connection,
        QueueDeclareOptions {
            durable: true,
            ..QueueDeclareOptions::default()
        },
    );
    let channel = connection.open_channel(None).unwrap();
    let error = declare_like_tutorial(&channel, &durable.name).unwrap_err();
    let text = error.to_string();
    assert!(text.contains("406 PRECONDITION_FAILED"), "{text}");
    assert!(
        text.contains("durable") && text.contains("--queue"),
        "{text}"
    );
}

#[test]
fn a_missing_queue_is_declared_the_tutorial_way() {
    let Some(mut connection) = broker() else {
        return;
    };
    let queue = TempQueue::name_only();
    let channel = ensure_request_queue(&mut connection, &queue.name).unwrap();
    // Same arguments again is fine; durable would be a 406: so it is classic and not durable.
    declare_like_tutorial(&channel, &queue.name).unwrap();
    let other = connection.open_channel(None).unwrap();
    let durable = QueueDeclareOptions {
        durable: true,
        ..QueueDeclareOptions::default()
    };
    match other.queue_declare(queue.name.clone(), durable) {
        Err(amiquip::Error::ServerClosedChannel { code: 406, .. }) => {}
        other => panic!(
            "expected 406 for a durable redeclare, got {:?}",
            other.map(|_| ())
        ),
    }
}

// And before all that: no broker, or the wrong password. -------------------------------------

#[test]
fn no_broker_or_wrong_credentials_are_reported_plainly() {
    let nobody = format!(
        "amqp://guest:guest@127.0.0.1:{}/%2f",
        test_support::free_port()
    );
    match amqp_fibonacci::connect(&nobody) {
        Err(e @ amqp_fibonacci::ConnectError::Unreachable { .. }) => {
            assert!(e.to_string().contains("is RabbitMQ running?"), "{e}");
            // Refused in a few milliseconds: say so, not "within 5 s".
            assert!(e.to_string().contains("refused"), "{e}");
            assert!(!e.to_string().contains("within"), "{e}");
            assert!(
                !e.to_string().contains("guest:guest"),
                "password hidden: {e}"
            );
        }
        other => panic!("expected Unreachable, got {:?}", other.map(|_| ())),
    }
    let done = test_support::run(
        "client, no broker",
        bin("amqp-rpc-client").args(["--amqp-url", &nobody]),
        BOUND,
    );
    assert!(matches!(done.status, Some(s) if !s.success()), "{done:?}");
    assert!(
        done.stderr.contains("cannot reach the broker"),
        "{}",
        done.stderr
    );
    assert!(
        done.stdout.is_empty(),
        "nothing requested: {:?}",
        done.stdout
    );

    if broker().is_none() {
        return;
    }
    let url = support::amqp_url();
    let wrong = url.replacen("guest:guest@", "guest:wrong@", 1);
    if wrong != url {
        match amqp_fibonacci::connect(&wrong) {
            Err(amqp_fibonacci::ConnectError::Refused { .. }) => {}
            other => panic!("expected Refused, got {:?}", other.map(|_| ())),
        }
    }
}

// Plumbing: clients come and go on one connection (what the tour does) without killing it. ----

#[test]
fn many_clients_in_turn_on_one_connection_leave_it_working() {
    let Some(mut connection) = broker() else {
        return;
    };
    let queue = TempQueue::declared(&mut connection);
    let _server = TestServer::start(&queue.name, Function::Fib, Duration::ZERO);
    let channel = connection.open_channel(None).unwrap();
    for n in 0..40u64 {
        let mut client = RpcClient::new(&channel, &queue.name).unwrap();
        assert_eq!(client.call(&n.to_string(), BOUND).unwrap(), fib_text(n));
    } // each client is dropped here: its consumer is cancelled, its queue stays until we close
    let mut last = RpcClient::new(&channel, &queue.name).unwrap();
    assert_eq!(last.call("30", BOUND).unwrap(), "832040");
}

// How a server stops: Ctrl-C after the request in hand, exit 0, no request lost. -------------

#[test]
fn ctrl_c_stops_the_server_within_a_second_and_no_request_is_lost() {
    let Some(mut connection) = broker() else {
        return;
    };
    let queue = TempQueue::declared(&mut connection);
    let mut server = Proc::spawn(
        "server to stop",
        bin("amqp-rpc-server").args(["--queue", &queue.name, "--delay", "300ms"]),
    );
    server
        .expect_line(BOUND, |l| l == " [x] Awaiting RPC requests")
        .unwrap();
    queue.wait_for_consumers(1);

    let channel = connection.open_channel(None).unwrap();
    let mut client = RpcClient::new(&channel, &queue.name).unwrap();
    let calls: Vec<_> = (20..26u64)
        .map(|n| (n, client.send(&n.to_string()).unwrap()))
        .collect();
    // The server is busy with its first request (300 ms) when Ctrl-C comes.
    server
        .expect_line(BOUND, |l| l.starts_with(" [.] fib("))
        .unwrap();
    server.signal("INT");
    let started = Instant::now();
    let stopped = server.finish(Duration::from_secs(1));
    let took = started.elapsed();
    let served = stopped
        .stdout
        .iter()
        .filter(|l| l.starts_with(" [.] fib("))
        .count();
    let stopped = stopped
        .success()
        .expect("exit status 0 within 1 s of SIGINT");
    assert!(took < Duration::from_secs(1), "took {took:?}");

    // A second server takes over what the first handed back; every call gets its answer once.
    let second = TestServer::start(&queue.name, Function::Fib, Duration::ZERO);
    for (n, call) in calls {
        assert_eq!(client.wait(call, BOUND).unwrap(), fib_text(n), "fib({n})");
    }
    let stats = second.stop();
    assert!(
        served >= 1,
        "the first server was stopped mid-request: {stopped:?}"
    );
    assert_eq!(
        served as u64 + stats.answered,
        6,
        "each request answered once, by one server or the other"
    );
    assert_eq!(client.in_flight(), 0);
}
