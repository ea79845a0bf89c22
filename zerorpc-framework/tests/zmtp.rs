//! The server's own ROUTER (`src/zmtp`) against what libzmq's would survive: a connection that
//! is not ZeroMQ, a socket type that cannot talk to a ROUTER, a frame too large to hold, a
//! client that stops reading, clients with and without an identity; and the `ipc://` file.
//! Everything else about it is tested by every other test of the crate: each talks to it.

use std::io::{Read, Write};
use std::net::TcpStream;
use std::time::{Duration, Instant};

use zerorpc_framework::events::{self, Event};
use zerorpc_framework::zmtp::{wire, Router};
use zerorpc_framework::Value;

use crate::support::InProcess;
use crate::wire::{call_bytes, dealer, next_event};

const WAIT: Duration = Duration::from_secs(5);

fn start() -> InProcess {
    InProcess::start(Duration::from_secs(5), None)
}

fn tcp(endpoint: &str) -> TcpStream {
    let addr = endpoint.trim_start_matches("tcp://");
    let stream = TcpStream::connect(addr).expect("connect");
    stream.set_read_timeout(Some(WAIT)).expect("a read timeout");
    stream
}

/// Reads until the server closes the connection; fails if it is still open after [`WAIT`].
fn assert_closed_by_server(mut stream: TcpStream, why: &str) {
    let deadline = Instant::now() + WAIT;
    let mut buf = [0u8; 4096];
    loop {
        match stream.read(&mut buf) {
            Ok(0) => return,
            Ok(_) => {}
            Err(e) if e.kind() == std::io::ErrorKind::ConnectionReset => return,
            Err(e) => panic!("{why}: the connection is still open ({e})"),
        }
        assert!(
            Instant::now() < deadline,
            "{why}: still open after {WAIT:?}"
        );
    }
}

/// `add(1, 2)` on a fresh DEALER answers 3: the server still serves.
fn assert_serves(endpoint: &str) {
    let context = zmq::Context::new();
    let socket = dealer(&context, endpoint);
    events::send(
        &socket,
        &[],
        &call_bytes(Value::from("still"), "add", vec![1.into(), 2.into()]),
    )
    .expect("send");
    assert_eq!(next_event(&socket).args, Value::Array(vec![3.into()]));
}

/// A raw connection that has done the handshake as a DEALER.
fn handshake(endpoint: &str) -> TcpStream {
    let mut stream = tcp(endpoint);
    stream.write_all(&wire::greeting()).expect("greeting");
    stream
        .write_all(&wire::ready(&[("Socket-Type", b"DEALER")]))
        .expect("READY");
    let mut greeting = [0u8; wire::GREETING_LEN];
    stream
        .read_exact(&mut greeting)
        .expect("the server's greeting");
    assert_eq!(wire::check_greeting(&greeting), Ok(()));
    stream
}

#[test]
fn a_connection_that_is_not_zeromq_is_closed_and_the_server_goes_on() {
    let server = start();
    let mut http = tcp(&server.endpoint);
    let request = format!("GET / HTTP/1.1\r\nHost: x\r\n{:64}\r\n\r\n", "");
    http.write_all(request.as_bytes()).expect("write");
    assert_closed_by_server(http, "an HTTP request");
    assert_serves(&server.endpoint);
    server.stop();
}

#[test]
fn a_socket_type_that_cannot_talk_to_a_router_is_refused() {
    let server = start();
    let context = zmq::Context::new();
    let push = context.socket(zmq::PUSH).expect("a PUSH");
    push.set_linger(0).expect("linger");
    push.connect(&server.endpoint).expect("connect");
    // A PUSH queues until a peer takes it: the ROUTER never does, so nothing is served.
    let _ = push.send(
        call_bytes(Value::from("p"), "add", vec![40.into(), 2.into()]),
        zmq::DONTWAIT,
    );
    let mut raw = tcp(&server.endpoint);
    raw.write_all(&wire::greeting()).expect("greeting");
    raw.write_all(&wire::ready(&[("Socket-Type", b"PUB")]))
        .expect("READY");
    assert_closed_by_server(raw, "a PUB");
    assert_serves(&server.endpoint);
    let console = server.stop();
    assert!(
        !console.iter().any(|l| l.starts_with("add(40, 2)")),
        "a PUSH's call was served: {console:?}"
    );
}

#[test]
fn a_frame_too_large_to_hold_closes_that_connection_only() {
    let server = start();
    let mut raw = handshake(&server.endpoint);
    let mut frame = vec![wire::LONG];
    frame.extend_from_slice(&(1u64 << 40).to_be_bytes()); // announces 1 TiB
    raw.write_all(&frame).expect("write");
    assert_closed_by_server(raw, "a 1 TiB frame");
    assert_serves(&server.endpoint);
    server.stop();
}

/// A client that sends calls and never reads their answers fills its socket; the server
/// keeps what it cannot write yet and answers everybody else meanwhile.
#[test]
fn a_client_that_stops_reading_does_not_stall_the_others() {
    let server = start();
    let mut greedy = handshake(&server.endpoint);
    let bin = Value::Binary(vec![7; 64 << 10]);
    let mut calls = Vec::new();
    for i in 0..200 {
        let payload = call_bytes(Value::from(format!("g{i}")), "echo", vec![bin.clone()]);
        wire::put_frame(&mut calls, wire::MORE, b"");
        wire::put_frame(&mut calls, 0, &payload);
    }
    greedy.write_all(&calls).expect("200 calls"); // 13 MB of answers, none read
    let started = Instant::now();
    assert_serves(&server.endpoint);
    assert!(
        started.elapsed() < WAIT,
        "another client waited {:?}",
        started.elapsed()
    );
    drop(greedy);
    server.stop();
}

/// Each answer goes to the peer that called, by the routing id the ROUTER gave it — or the
/// identity it chose itself (`ZMQ_ROUTING_ID`).
#[test]
fn answers_go_to_their_callers_with_and_without_an_identity() {
    let server = start();
    let context = zmq::Context::new();
    let named = context.socket(zmq::DEALER).expect("a DEALER");
    named.set_identity(b"alice").expect("identity");
    named.set_linger(0).expect("linger");
    named.connect(&server.endpoint).expect("connect");
    let anonymous = dealer(&context, &server.endpoint);
    for round in 0..20 {
        for (socket, who) in [(&named, "alice"), (&anonymous, "anon")] {
            let id = Value::from(format!("{who}-{round}"));
            events::send(socket, &[], &call_bytes(id, "hello", vec![who.into()])).expect("send");
        }
        for (socket, who) in [(&named, "alice"), (&anonymous, "anon")] {
            let answer: Event = next_event(socket);
            assert_eq!(
                answer.header.response_to,
                Some(Value::from(format!("{who}-{round}")))
            );
            assert_eq!(
                answer.args,
                Value::Array(vec![format!("Hello, {who}!").into()])
            );
        }
    }
    server.stop();
}

/// `ipc://PATH`: a stale file there is replaced, and the file goes with the router.
#[test]
fn an_ipc_router_replaces_a_stale_file_and_removes_its_own() {
    let dir = std::env::temp_dir().join(format!("zmtp-test-{}", std::process::id()));
    std::fs::create_dir_all(&dir).expect("a temp dir");
    let path = dir.join("server.sock");
    std::fs::write(&path, b"left by an earlier run").expect("a stale file");
    let endpoint = format!("ipc://{}", path.display());
    let router = Router::bind(&endpoint).expect("bind over the stale file");
    assert_eq!(router.endpoint(), endpoint);
    assert!(path.exists());
    drop(router);
    assert!(!path.exists(), "the socket file outlived its router");
    let _ = std::fs::remove_dir(&dir);
}
