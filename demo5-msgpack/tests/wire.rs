//! Byte-level checks of section 5's wire format: the exact MessagePack bytes of the tutorial's
//! request and reply, the error replies, and the same exchange over a real REP socket.

use std::time::Duration;

use test_support::ServerThread;

use demo5_msgpack::{as_error, decode, encode, reply_to, request_bytes, Value, GREETING};

/// `["hello", "world"]`: fixarray of 2, then two fixstr of 5 bytes.
const TUTORIAL_REQUEST: &[u8] = b"\x92\xa5hello\xa5world";
/// `["world", "hello"]`.
const TUTORIAL_REPLY: &[u8] = b"\x92\xa5world\xa5hello";

fn error_of(reply: &[u8]) -> String {
    let value = decode(reply).expect("every reply is MessagePack");
    as_error(&value)
        .unwrap_or_else(|| panic!("expected an error reply, got {value}"))
        .to_string()
}

#[test]
fn the_tutorial_request_is_these_13_bytes() {
    assert_eq!(request_bytes(&GREETING), TUTORIAL_REQUEST);
    assert_eq!(TUTORIAL_REQUEST.len(), 13);
}

#[test]
fn the_tutorial_reply_is_the_reversed_array() {
    assert_eq!(reply_to(&[TUTORIAL_REQUEST.to_vec()]), TUTORIAL_REPLY);
}

#[test]
fn any_array_is_reversed_whatever_it_holds() {
    let request = Value::Array(vec![
        Value::from(1),
        Value::Map(vec![(Value::from("k"), Value::from(-2))]),
        Value::Array(vec![Value::from(true), Value::Nil]),
        Value::from(2.5),
    ]);
    let reply = decode(&reply_to(&[encode(&request)])).unwrap();
    let Value::Array(mut items) = request else {
        unreachable!()
    };
    items.reverse();
    assert_eq!(reply, Value::Array(items));
    // Nesting is fine, up to a limit.
    let mut nested = vec![0x91; 20];
    nested.push(0x90);
    assert_eq!(reply_to(&[nested.clone()]), nested);
    // The empty array is an array too.
    assert_eq!(reply_to(&[vec![0x90]]), vec![0x90]);
}

#[test]
fn an_error_reply_is_a_one_entry_map_with_the_key_error() {
    // "hello" alone is a string, not an array.
    let reply = reply_to(&[b"\xa5hello".to_vec()]);
    let message = "expected a MessagePack array, got a string";
    let mut expected = vec![0x81, 0xa5];
    expected.extend_from_slice(b"error");
    assert_eq!(message.len(), 42);
    expected.extend([0xd9, 42]); // str 8: one length byte (fixstr holds at most 31 bytes)
    expected.extend_from_slice(message.as_bytes());
    assert_eq!(reply, expected);
}

#[test]
fn every_kind_of_bad_request_gets_a_clear_error() {
    let cases: Vec<(Vec<Vec<u8>>, &str)> = vec![
        (vec![vec![0x81, 0xa1, b'a', 0x01]], "got a map"),
        (vec![vec![0x2a]], "got an integer"),
        (vec![vec![0xc0]], "got nil"),
        (vec![vec![]], "empty"),
        (vec![vec![0xc1]], "0xc1"), // the one marker that "is never used"
        (vec![vec![0x92, 0x01, 0xc1]], "0xc1"),
        // A string that claims 5 bytes but has 2: cut short.
        (vec![b"\xa5he".to_vec()], "cut short"),
        // An array claiming 4 billion elements: refused without allocating them.
        (vec![vec![0xdd, 0xff, 0xff, 0xff, 0xff]], "cut short"),
        // The same for every other 32-bit length: a string, binary, a map, an extension.
        (vec![vec![0xdb, 0xff, 0xff, 0xff, 0xff]], "cut short"),
        (vec![vec![0xc6, 0xff, 0xff, 0xff, 0xff]], "cut short"),
        (vec![vec![0xdf, 0xff, 0xff, 0xff, 0xff]], "cut short"),
        (vec![vec![0xc9, 0xff, 0xff, 0xff, 0xff, 0x01]], "cut short"),
        (vec![vec![0x90, 0x90]], "followed by 1 extra byte"),
        (
            vec![TUTORIAL_REQUEST.to_vec(), TUTORIAL_REQUEST.to_vec()],
            "got 2 frames",
        ),
        (vec![vec![0x91; 100_000]], "depth limit"), // nested far too deep
        (vec![vec![0x91, 0xa2, 0xc3, 0x28]], "must be UTF-8"),
    ];
    for (frames, want) in cases {
        let error = error_of(&reply_to(&frames));
        assert!(
            error.contains(want),
            "{frames:02x?}: {error:?} should mention {want:?}"
        );
    }
}

#[test]
fn the_server_answers_over_a_real_socket_and_prints_the_request() {
    let context = zmq::Context::new();
    let server = context.socket(zmq::REP).unwrap();
    let endpoint = common::zmq_util::bind_ephemeral(&server).unwrap();
    let server = ServerThread::spawn("demo5 serve", move |stop| {
        let mut console = Vec::new();
        demo5_msgpack::serve(&server, &mut console, &stop).expect("serve");
        String::from_utf8(console).expect("the console is UTF-8")
    });

    let client = context.socket(zmq::REQ).unwrap();
    client.set_linger(0).unwrap();
    client.connect(&endpoint).unwrap();
    let wait = Duration::from_secs(10);

    client.send(TUTORIAL_REQUEST, 0).unwrap();
    let reply = common::zmq_util::recv_timeout(&client, wait)
        .unwrap()
        .expect("a reply");
    assert_eq!(reply, TUTORIAL_REPLY);

    // A bad request gets an error reply, and the next good one still works.
    client.send(&b"\xa5hello"[..], 0).unwrap();
    let reply = common::zmq_util::recv_timeout(&client, wait)
        .unwrap()
        .expect("a reply");
    assert!(error_of(&reply).contains("got a string"));
    client
        .send_multipart([&b"\x90"[..], &b"\x90"[..]], 0)
        .unwrap();
    let reply = common::zmq_util::recv_timeout(&client, wait)
        .unwrap()
        .expect("a reply");
    assert!(error_of(&reply).contains("2 frames"));
    client.send(TUTORIAL_REQUEST, 0).unwrap();
    let reply = common::zmq_util::recv_timeout(&client, wait)
        .unwrap()
        .expect("a reply");
    assert_eq!(reply, TUTORIAL_REPLY);

    let console = server.stop(); // bounded: fails, not hangs, if serve ignores its flag
    assert_eq!(
        console.lines().collect::<Vec<_>>(),
        [
            r#"Get message: ["hello", "world"]"#,
            r#"Get message: "hello""#,
            r#"Get message: ["hello", "world"]"#,
        ]
    );
}

#[test]
fn explain_names_every_marker_in_wire_order() {
    let parts = demo5_msgpack::explain::explain(TUTORIAL_REQUEST).unwrap();
    let lines: Vec<(usize, Vec<u8>, &str)> = parts
        .iter()
        .map(|p| (p.depth, p.bytes.clone(), p.meaning.as_str()))
        .collect();
    assert_eq!(
        lines,
        [
            (0, vec![0x92], "array of 2 elements (fixarray)"),
            (
                1,
                b"\xa5hello".to_vec(),
                "string (fixstr, 5 bytes): \"hello\""
            ),
            (
                1,
                b"\xa5world".to_vec(),
                "string (fixstr, 5 bytes): \"world\""
            ),
        ]
    );
    // Every byte is accounted for, once.
    let all = Value::Array(vec![
        Value::from(-1),
        Value::from(-100),
        Value::from(300),
        Value::from(u64::MAX),
        Value::from(i64::MIN),
        Value::F64(3.5),
        Value::F32(0.5),
        Value::from("x".repeat(40)),
        Value::Binary(vec![1, 2, 3]),
        Value::Ext(5, vec![9; 4]),
        Value::Ext(-3, vec![9; 3]),
        Value::Map(vec![
            (Value::Nil, Value::from(true)),
            (Value::from(false), Value::Array(vec![])),
        ]),
        Value::Array((0..20).map(Value::from).collect()),
    ]);
    let bytes = encode(&all);
    let parts = demo5_msgpack::explain::explain(&bytes).unwrap();
    assert_eq!(
        parts
            .iter()
            .flat_map(|p| p.bytes.clone())
            .collect::<Vec<_>>(),
        bytes
    );
    let meanings: Vec<&str> = parts.iter().map(|p| p.meaning.as_str()).collect();
    for want in [
        "integer -1 (negative fixint)",
        "integer -100 (int 8)",
        "integer 300 (uint 16)",
        "integer 18446744073709551615 (uint 64)",
        "integer -9223372036854775808 (int 64)",
        "float 3.5 (float 64)",
        "float 0.5 (float 32)",
        "binary, 3 bytes (bin 8)",
        "extension type 5, 4 bytes (fixext 4)",
        "extension type -3, 3 bytes (ext 8)",
        "nil",
        "true",
        "false",
        "array of 0 elements (fixarray)",
        "array of 20 elements (array 16)",
    ] {
        assert!(
            meanings.contains(&want),
            "{want:?} missing from {meanings:#?}"
        );
    }
    assert!(meanings
        .iter()
        .any(|m| m.starts_with("string (str 8, 40 bytes)")));
    assert!(demo5_msgpack::explain::explain(&[0xc1]).is_err());
}
