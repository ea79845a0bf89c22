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

/// Sends the call `method(args)` with the str id `id` on a DEALER.
fn call(socket: &zmq::Socket, id: &str, method: &str, args: Vec<Value>) {
    events::send(socket, &[], &call_bytes(Value::from(id), method, args)).expect("send");
}

/// A DEALER set up by `prepare` (options that must come before `connect`), then connected.
fn dealer_with(
    context: &zmq::Context,
    endpoint: &str,
    prepare: impl FnOnce(&zmq::Socket) -> zmq::Result<()>,
) -> zmq::Socket {
    let socket = context.socket(zmq::DEALER).expect("a DEALER");
    socket.set_linger(0).expect("linger");
    prepare(&socket).expect("socket options");
    socket.connect(endpoint).expect("connect");
    socket
}

/// `add(1, 2)` on a fresh DEALER answers 3: the server still serves.
fn assert_serves(endpoint: &str) {
    let context = zmq::Context::new();
    let socket = dealer(&context, endpoint);
    call(&socket, "still", "add", vec![1.into(), 2.into()]);
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
    // Shorter than a greeting: refused at its first byte, not left waiting for 64.
    http.write_all(b"GET /\r\n\r\n").expect("write");
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
    let named = dealer_with(&context, &server.endpoint, |s| s.set_identity(b"alice"));
    let anonymous = dealer(&context, &server.endpoint);
    for round in 0..20 {
        for (socket, who) in [(&named, "alice"), (&anonymous, "anon")] {
            call(socket, &format!("{who}-{round}"), "hello", vec![who.into()]);
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

/// A client that sends a flood of calls at once does not make the others wait for all of
/// them: the peers take turns, and one is not read further while 1000 of its messages wait
/// (libzmq's receive high-water mark).
#[test]
fn a_flood_from_one_client_does_not_hold_up_another() {
    let server = start();
    let mut flood = handshake(&server.endpoint);
    let mut calls = Vec::new();
    for i in 0..50_000 {
        let payload = call_bytes(
            Value::from(format!("f{i}")),
            "add",
            vec![1.into(), 1.into()],
        );
        wire::put_frame(&mut calls, wire::MORE, b"");
        wire::put_frame(&mut calls, 0, &payload);
    }
    let last = call_bytes(Value::from("last"), "hello", vec!["flood".into()]);
    wire::put_frame(&mut calls, wire::MORE, b"");
    wire::put_frame(&mut calls, 0, &last);
    // All of it is on its way (in the kernel's buffers, or read) before the other client calls.
    flood.write_all(&calls).expect("the flood");
    let context = zmq::Context::new();
    let other = dealer(&context, &server.endpoint);
    call(&other, "o", "hello", vec!["other".into()]);
    assert_eq!(
        next_event(&other).args,
        Value::Array(vec!["Hello, other!".into()])
    );
    let deadline = Instant::now() + WAIT * 4;
    let console = loop {
        let console = server.console.lines();
        if console.iter().any(|l| l.contains("\"flood\"")) || Instant::now() > deadline {
            break console;
        }
        std::thread::sleep(Duration::from_millis(20));
    };
    let at = |needle: &str| console.iter().position(|l| l.contains(needle));
    let (Some(other_at), Some(flood_at)) = (at("\"other\""), at("\"flood\"")) else {
        panic!("both calls are served: {} lines", console.len());
    };
    // Round robin: served within a turn or two of arriving (about line 500 here); first come,
    // first served, it would wait for every call of the flood read before it (line 50 000).
    assert!(
        other_at < flood_at / 2,
        "the other client's call waited for half the flood: line {other_at} of {}",
        console.len()
    );
    drop(flood);
    server.stop();
}

/// libzmq's own heartbeats (`ZMQ_HEARTBEAT_IVL`, ZMTP's PING): answered with PONG, so a
/// client that sets them keeps its connection through a call longer than its timeout.
#[test]
fn zmtp_pings_of_a_libzmq_client_are_answered() {
    let server = start();
    let context = zmq::Context::new();
    let socket = dealer_with(&context, &server.endpoint, |s| {
        s.set_heartbeat_ivl(50)?;
        s.set_heartbeat_timeout(200)
    });
    call(&socket, "s", "sleep", vec![Value::F64(1.0)]);
    let answer = next_event(&socket);
    assert_eq!(answer.name, "OK", "{answer:?}");
    server.stop();
}

/// Two clients with one identity: as libzmq's ROUTER does, the second is not heard while the
/// first is connected; the first is served as before.
#[test]
fn a_second_client_with_a_taken_identity_is_not_heard() {
    let server = start();
    let context = zmq::Context::new();
    let named = |who: &str| {
        let socket = dealer_with(&context, &server.endpoint, |s| s.set_identity(b"alice"));
        call(&socket, who, "hello", vec![who.into()]);
        socket
    };
    let first = named("first");
    assert_eq!(
        next_event(&first).args,
        Value::Array(vec!["Hello, first!".into()])
    );
    let second = named("second");
    let heard = events::recv(&second, Duration::from_secs(1)).expect("a receive");
    assert!(heard.is_none(), "the second alice was answered: {heard:?}");
    call(&first, "again", "hello", vec!["again".into()]);
    assert_eq!(
        next_event(&first).args,
        Value::Array(vec!["Hello, again!".into()])
    );
    server.stop();
}

/// `--connect` by host name, started before its client: the ROUTER tries again every 100 ms,
/// resolving `localhost` each time — through a peer that hangs up on it, then refused
/// attempts — until the client is there; then it serves it.
#[test]
fn a_connecting_router_waits_for_its_client_by_host_name() {
    let port = test_support::free_port();
    // First something that accepts and hangs up at once: the router must come back twice.
    let impostor = std::net::TcpListener::bind(("127.0.0.1", port)).expect("a listener");
    impostor.set_nonblocking(true).expect("non-blocking");
    let context = zmq::Context::new();
    let bound = zerorpc_framework::app::server(None)
        .connect(&context, &format!("tcp://localhost:{port}"))
        .expect("a connecting server");
    let server =
        test_support::ServerThread::spawn("zerorpc-server --connect", move |stop| bound.run(&stop));
    let deadline = Instant::now() + WAIT;
    let mut accepted = 0;
    while accepted < 2 {
        match impostor.accept() {
            Ok(_) => accepted += 1, // dropped at once: the router sees the end of the stream
            Err(e) if e.kind() == std::io::ErrorKind::WouldBlock => {
                assert!(
                    Instant::now() < deadline,
                    "the router connected {accepted} times"
                );
                std::thread::sleep(Duration::from_millis(10));
            }
            Err(e) => panic!("accept: {e}"),
        }
    }
    drop(impostor); // now its attempts are refused, until the client binds
    let client = context.socket(zmq::DEALER).expect("a DEALER");
    client.set_linger(0).expect("linger");
    client
        .bind(&format!("tcp://127.0.0.1:{port}"))
        .expect("the client binds");
    call(&client, "c", "add", vec![20.into(), 22.into()]);
    assert_eq!(next_event(&client).args, Value::Array(vec![42.into()]));
    server.stop().expect("the server loop ends without error");
}
