//! Property test over a real socket: thousands of random, mutated and multipart requests thrown
//! at a running server. Every one must get a reply (a REP server that stays silent leaves its
//! client stuck forever), the reply must be MessagePack — the reversed array or `{"error": …}` —
//! and the tutorial's request must still work afterwards.

use std::time::Duration;

use test_support::ServerThread;

use demo5_msgpack::{as_error, decode, encode, Value};
use proptest::collection::vec;
use proptest::prelude::*;
use proptest::sample::Index;
use proptest::test_runner::{Config, TestCaseError, TestRunner};

/// Any MessagePack value, nested a few levels (floats finite so that equality is meaningful).
fn any_value() -> impl Strategy<Value = Value> {
    test_support::values::any_value_with(-1e12f64..1e12)
}

/// A request: one or several frames of random bytes, valid encodings, or mutated encodings.
fn any_request() -> impl Strategy<Value = Vec<Vec<u8>>> {
    let mutated = (
        any_value(),
        vec((any::<Index>(), any::<u8>()), 1..4),
        any::<Option<Index>>(),
    )
        .prop_map(|(value, edits, cut)| {
            let mut bytes = encode(&value);
            for (at, byte) in edits {
                let i = at.index(bytes.len());
                bytes[i] = byte;
            }
            if let Some(cut) = cut {
                bytes.truncate(cut.index(bytes.len()));
            }
            bytes
        });
    let frame = prop_oneof![
        3 => any_value().prop_map(|v| encode(&v)),
        // Two values in one frame: the second is trailing garbage.
        1 => (any_value(), any_value()).prop_map(|(a, b)| [encode(&a), encode(&b)].concat()),
        3 => mutated,
        2 => vec(any::<u8>(), 0..48),
        // Deep nesting: arrays or maps inside each other, thousands of levels.
        1 => (1usize..3000, prop_oneof![Just(0x91u8), Just(0x81)]).prop_map(|(n, m)| vec![m; n]),
    ];
    prop_oneof![
        8 => frame.clone().prop_map(|f| vec![f]),
        1 => vec(frame, 2..4),
    ]
}

#[test]
fn every_request_gets_a_reply_and_the_server_survives() {
    let context = zmq::Context::new();
    let server = context.socket(zmq::REP).unwrap();
    let endpoint = common::zmq_util::bind_ephemeral(&server).unwrap();
    let server = ServerThread::spawn("demo5 serve", move |stop| {
        demo5_msgpack::serve(&server, &mut std::io::sink(), &stop)
    });
    let client = context.socket(zmq::REQ).unwrap();
    client.set_linger(0).unwrap();
    client.connect(&endpoint).unwrap();

    let mut runner = TestRunner::new(Config {
        cases: 3000,
        failure_persistence: None,
        // A REQ socket that missed its reply is stuck (it may not send again), so shrinking
        // cannot help: the first failing input is reported as is.
        max_shrink_iters: 0,
        ..Config::default()
    });
    let outcome = runner.run(&any_request(), |frames| {
        client
            .send_multipart(&frames, 0)
            .map_err(|e| TestCaseError::fail(format!("send failed: {e}")))?;
        let reply = common::zmq_util::recv_timeout(&client, Duration::from_secs(10))
            .unwrap()
            .ok_or_else(|| TestCaseError::fail(format!("no reply to {frames:02x?}")))?;
        let reply = decode(&reply)
            .map_err(|e| TestCaseError::fail(format!("reply not MessagePack: {e}")))?;
        // Oracle: a single frame holding exactly one array comes back reversed; anything else
        // gets an error map.
        let request = match frames.as_slice() {
            [single] => decode(single).ok(),
            _ => None,
        };
        // The explainer accounts for every byte of any well-formed value.
        if let ([single], Some(_)) = (frames.as_slice(), &request) {
            let parts = demo5_msgpack::explain::explain(single)
                .map_err(|e| TestCaseError::fail(format!("explain failed: {e}")))?;
            prop_assert_eq!(
                &parts
                    .iter()
                    .flat_map(|p| p.bytes.clone())
                    .collect::<Vec<_>>(),
                single
            );
        }
        match request {
            Some(Value::Array(mut items)) => {
                items.reverse();
                prop_assert_eq!(reply, Value::Array(items));
            }
            _ => prop_assert!(
                as_error(&reply).is_some(),
                "expected an error reply, got {reply}"
            ),
        }
        Ok(())
    });

    // Whatever happened above, the tutorial's call still works.
    client.send(&b"\x92\xa5hello\xa5world"[..], 0).unwrap();
    let reply = common::zmq_util::recv_timeout(&client, Duration::from_secs(10)).unwrap();
    server.stop().expect("serve"); // bounded: fails, not hangs, if serve ignores its flag

    outcome.unwrap();
    assert_eq!(reply.as_deref(), Some(&b"\x92\xa5world\xa5hello"[..]));
}
