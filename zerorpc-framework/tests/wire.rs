//! The wire, byte by byte, with a raw DEALER socket playing the client: ids echoed with their
//! msgpack type, `v: 3`, the `OK`/`ERR` shapes, heartbeats during a slow call, stream credit.

use std::time::Duration;

use zerorpc_framework::events::{self, Event, Header};
use zerorpc_framework::Value;

use crate::support::InProcess;

const WAIT: Duration = Duration::from_secs(5);

/// A raw DEALER connected to `endpoint`.
pub fn dealer(context: &zmq::Context, endpoint: &str) -> zmq::Socket {
    let socket = context.socket(zmq::DEALER).unwrap();
    socket.set_linger(0).unwrap();
    socket.connect(endpoint).unwrap();
    socket
}

/// The next event the DEALER receives (frames `["", payload]`), within [`WAIT`].
pub fn next_event(socket: &zmq::Socket) -> Event {
    let (_, event) = events::recv(socket, WAIT)
        .expect("a well-formed event")
        .expect("an event within 5 s");
    event
}

/// A call event with the given id, as bytes.
pub fn call_bytes(id: Value, method: &str, args: Vec<Value>) -> Vec<u8> {
    let mut event = Event::new(method, Value::Array(args), None);
    event.header.message_id = id;
    event.encode()
}

fn header(event: &Event) -> &Header {
    &event.header
}

#[test]
fn an_answer_echoes_the_call_id_with_its_exact_msgpack_type() {
    let server = InProcess::start(Duration::from_secs(5), None);
    let context = zmq::Context::new();
    let socket = dealer(&context, &server.endpoint);
    // A bin id, as zerorpc-python sends, and a str id, as other implementations do.
    for id in [
        Value::Binary(b"0123456789abcdef0123456789abcdef".to_vec()),
        Value::from("str-id-7"),
    ] {
        events::send(
            &socket,
            &[],
            &call_bytes(id.clone(), "add", vec![2.into(), 3.into()]),
        )
        .unwrap();
        let answer = next_event(&socket);
        assert_eq!(answer.name, "OK");
        assert_eq!(answer.args, Value::Array(vec![Value::from(5)]));
        assert_eq!(
            header(&answer).response_to,
            Some(id.clone()),
            "same type, same bytes"
        );
        assert_eq!(header(&answer).get("v"), Some(&Value::from(3)));
        assert_ne!(
            header(&answer).message_id,
            id,
            "the answer has an id of its own"
        );
    }
    // The exact bytes of the start of a reply header: map of 3, "message_id", bin of 32.
    events::send(
        &socket,
        &[],
        &call_bytes(Value::from("x"), "hello", vec!["Ada".into()]),
    )
    .unwrap();
    let frames = common::zmq_util::recv_multipart_timeout(&socket, WAIT)
        .unwrap()
        .unwrap();
    let payload = &frames[1];
    assert_eq!(
        &payload[..2],
        [0x93, 0x83],
        "[header, name, args], header a map of 3"
    );
    assert_eq!(&payload[2..13], b"\xaamessage_id");
    assert_eq!(
        &payload[13..15],
        [0xc4, 32],
        "our ids are bin of 32 hex characters"
    );
    let tail = b"\xa1v\x03\xabresponse_to\xa1x\xa2OK\x91\xabHello, Ada!";
    assert!(payload.ends_with(tail), "{payload:02x?}");
    server.stop();
}

#[test]
fn a_client_without_the_empty_frame_is_answered_too() {
    let server = InProcess::start(Duration::from_secs(5), None);
    let context = zmq::Context::new();
    let socket = dealer(&context, &server.endpoint);
    socket
        .send(
            call_bytes(
                Value::from("id"),
                "plus",
                vec![Value::Array(vec![1.into(), 2.into()])],
            ),
            0,
        )
        .unwrap();
    let answer = next_event(&socket);
    assert_eq!(
        (answer.name.as_str(), answer.args),
        ("OK", Value::Array(vec![3.into()]))
    );
    server.stop();
}

#[test]
fn errors_are_triples_and_an_unknown_method_is_a_name_error() {
    let server = InProcess::start(Duration::from_secs(5), None);
    let context = zmq::Context::new();
    let socket = dealer(&context, &server.endpoint);
    for (method, args, name, message) in [
        ("fail", vec![Value::from("boom")], "ValueError", "boom"),
        ("nosuch", vec![], "NameError", "nosuch"),
        (
            "add",
            vec![Value::from(1)],
            "TypeError",
            "add() missing 1 required positional argument: 'b'",
        ),
        (
            "add",
            vec![Value::from(1), Value::from("x")],
            "TypeError",
            "unsupported operand type(s) for +: 'int' and 'str'",
        ),
    ] {
        events::send(&socket, &[], &call_bytes(Value::from("e"), method, args)).unwrap();
        let answer = next_event(&socket);
        assert_eq!(answer.name, "ERR", "{method}");
        let parts = answer.args.as_array().expect("an array").clone();
        assert_eq!(parts.len(), 3, "[name, message, traceback]");
        assert_eq!(parts[0], Value::from(name));
        assert_eq!(parts[1], Value::from(message));
        assert!(parts[2].as_str().is_some_and(|t| t.contains(message)));
    }
    // A call whose args are not an array.
    let mut event = Event::new("add", Value::from(7), None);
    event.header.message_id = Value::from("na");
    events::send(&socket, &[], &event.encode()).unwrap();
    let answer = next_event(&socket);
    assert_eq!(answer.name, "ERR");
    assert_eq!(answer.args.as_array().unwrap()[0], Value::from("TypeError"));
    let lines = server.stop();
    assert!(
        lines.contains(&r#"fail("boom") = ERR ValueError: boom"#.to_string()),
        "{lines:?}"
    );
}

/// During a slow call the server heartbeats the conversation: `_zpc_hb [0]` with the call's id.
#[test]
fn a_slow_call_is_heartbeaten() {
    let server = InProcess::start(Duration::from_millis(200), None);
    let context = zmq::Context::new();
    let socket = dealer(&context, &server.endpoint);
    let id = Value::from("slow");
    events::send(
        &socket,
        &[],
        &call_bytes(id.clone(), "sleep", vec![0.5.into()]),
    )
    .unwrap();
    let mut heartbeats = 0;
    let answer = loop {
        let event = next_event(&socket);
        assert_eq!(event.header.response_to, Some(id.clone()));
        if event.name != "_zpc_hb" {
            break event;
        }
        assert_eq!(event.args, Value::Array(vec![0.into()]));
        heartbeats += 1;
        // Our own heartbeat, so the server does not declare us lost (2 × 200 ms).
        let hb = Event::new("_zpc_hb", Value::Array(vec![0.into()]), Some(id.clone()));
        events::send(&socket, &[], &hb.encode()).unwrap();
    };
    assert_eq!(answer.name, "OK");
    assert!(
        heartbeats >= 1,
        "a 0.5 s call with 0.2 s heartbeats saw {heartbeats}"
    );
    server.stop();
}

/// The server spends one credit per event: one at first, then what `_zpc_more [n]` grants.
#[test]
fn a_stream_waits_for_credit() {
    let server = InProcess::start(Duration::from_secs(5), None);
    let context = zmq::Context::new();
    let socket = dealer(&context, &server.endpoint);
    let id = Value::Binary(b"stream-id".to_vec());
    events::send(
        &socket,
        &[],
        &call_bytes(id.clone(), "count", vec![5.into()]),
    )
    .unwrap();
    let first = next_event(&socket);
    assert_eq!(
        (first.name.as_str(), &first.args),
        ("STREAM", &Value::from(0))
    );
    // Without credit nothing more comes (a bounded window: the claim is an absence).
    let quiet =
        common::zmq_util::recv_multipart_timeout(&socket, Duration::from_millis(300)).unwrap();
    assert_eq!(quiet, None, "the server sent without credit");
    let more = |n: u64| {
        let grant = Event::new("_zpc_more", Value::Array(vec![n.into()]), Some(id.clone()));
        events::send(&socket, &[], &grant.encode()).unwrap();
    };
    more(2);
    for want in [1, 2] {
        let event = next_event(&socket);
        assert_eq!(
            (event.name.as_str(), event.args),
            ("STREAM", Value::from(want))
        );
    }
    let quiet =
        common::zmq_util::recv_multipart_timeout(&socket, Duration::from_millis(300)).unwrap();
    assert_eq!(quiet, None, "the server overran a credit of 2");
    more(10);
    for want in [3, 4] {
        let event = next_event(&socket);
        assert_eq!(
            (event.name.as_str(), event.args),
            ("STREAM", Value::from(want))
        );
    }
    let done = next_event(&socket);
    assert_eq!((done.name.as_str(), done.args), ("STREAM_DONE", Value::Nil));
    assert_eq!(server.stop(), ["count(5) = stream of 5 items"]);
}

/// Huge messages: 16 MB of garbage is logged and dropped, an 8 MB bin is echoed intact, and
/// the server answers the next small call as usual.
#[test]
fn huge_messages_are_dropped_or_answered_and_the_server_goes_on() {
    let server = InProcess::start(Duration::from_secs(5), None);
    let context = zmq::Context::new();
    let socket = dealer(&context, &server.endpoint);
    let garbage = vec![0xc1u8; 16 << 20];
    events::send(&socket, &[], &garbage).unwrap();
    let big = Value::Binary((0..8 << 20).map(|i: u32| (i % 251) as u8).collect());
    events::send(
        &socket,
        &[],
        &call_bytes(Value::from("big"), "echo", vec![big.clone()]),
    )
    .unwrap();
    let answer = next_event(&socket);
    assert_eq!(answer.header.response_to, Some(Value::from("big")));
    assert!(
        answer.args == Value::Array(vec![big]),
        "the 8 MB bin came back changed"
    );
    events::send(
        &socket,
        &[],
        &call_bytes(Value::from("small"), "add", vec![1.into(), 2.into()]),
    )
    .unwrap();
    assert_eq!(next_event(&socket).args, Value::Array(vec![3.into()]));
    server.stop();
}

/// Client hooks (zerorpc-python's `client_before_request` / `client_after_request`): the
/// access key goes through one, and a second sees each call and its first answer.
#[test]
fn client_hooks_run_around_every_call() {
    use std::sync::{Arc, Mutex};
    use zerorpc_framework::client::{access_key, Hook, Options};

    #[derive(Default)]
    struct Recorder(Mutex<Vec<String>>);
    impl Hook for Recorder {
        fn after_reply(&self, request: &Event, reply: &Event) {
            let line = format!("{} -> {}", request.name, reply.name);
            self.0.lock().expect("no panic while recording").push(line);
        }
    }
    let server = InProcess::start(Duration::from_secs(5), Some("k"));
    let recorder = Arc::new(Recorder::default());
    let options = Options {
        hooks: vec![access_key("k"), recorder.clone()],
        ..Options::default()
    };
    let client = zerorpc_framework::Client::connect(&server.endpoint, options).expect("connect");
    assert_eq!(
        client.call("add", vec![2.into(), 3.into()]).ok(),
        Some(Value::from(5))
    );
    assert!(client.call("nosuch", vec![]).is_err());
    drop(client);
    server.stop();
    let seen = recorder.0.lock().expect("no panic while recording").clone();
    assert_eq!(seen, ["add -> OK", "nosuch -> ERR"]);
}
