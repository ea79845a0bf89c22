//! Property test over a real socket: 10 000 random, mutated and near-miss events thrown at an
//! in-process server by a raw DEALER. Garbage is logged and dropped; every well-formed call
//! gets an answer (`OK`, `ERR` or a first `STREAM`) for its own id; and after each case a
//! probe call must still be answered — the server never dies.

use std::time::Duration;

use proptest::collection::vec;
use proptest::prelude::*;
use proptest::sample::Index;
use proptest::test_runner::{Config, TestCaseError, TestRunner};
use test_support::values::any_value;
use zerorpc_framework::events::{id_key, Event};
use zerorpc_framework::Value;

use crate::support::InProcess;
use crate::wire::{call_bytes, dealer};

const CASES: u32 = 10_000;

/// Near misses: real methods (never `sleep`: a random duration could park the test) and
/// unknown ones, args of any shape, ids of any type, extra header keys, a response_to now and
/// then (a stray channel event).
fn any_event() -> impl Strategy<Value = Value> {
    let name = prop_oneof![
        Just("add".to_string()),
        Just("plus".to_string()),
        Just("hello".to_string()),
        Just("echo".to_string()),
        Just("fail".to_string()),
        Just("_zerorpc_inspect".to_string()),
        Just("_zpc_hb".to_string()),
        Just("_zpc_more".to_string()),
        "[a-z_]{0,8}".prop_filter("no sleep", |n| n != "sleep"),
    ];
    let args = prop_oneof![
        4 => vec(any_value(), 0..4).prop_map(Value::Array),
        1 => any_value(),
    ];
    let header = (
        any_value(),
        any::<bool>(),
        vec((".{0,6}", any_value()), 0..2),
    )
        .prop_map(|(id, stray, extra)| {
            let mut map = vec![
                (Value::from("message_id"), id.clone()),
                (Value::from("v"), Value::from(3)),
            ];
            if stray {
                map.push((Value::from("response_to"), id));
            }
            map.extend(extra.into_iter().map(|(k, v)| (Value::from(k), v)));
            Value::Map(map)
        });
    let header = prop_oneof![8 => header, 1 => any_value()];
    let name = prop_oneof![8 => name.prop_map(Value::from), 1 => any_value()];
    (header, name, args).prop_map(|(h, n, a)| Value::Array(vec![h, n, a]))
}

/// One message: mostly one payload frame (an event, a mutated event, any value, random bytes,
/// a huge one), with or without the empty delimiter, now and then extra frames.
fn any_message() -> impl Strategy<Value = Vec<Vec<u8>>> {
    let mutated = (
        any_event(),
        vec((any::<Index>(), any::<u8>()), 1..4),
        any::<Option<Index>>(),
    )
        .prop_map(|(event, edits, cut)| {
            let mut bytes = demo5_msgpack::encode(&event);
            for (at, byte) in edits {
                let i = at.index(bytes.len());
                bytes[i] = byte;
            }
            if let Some(cut) = cut {
                bytes.truncate(cut.index(bytes.len()));
            }
            bytes
        });
    let payload = prop_oneof![
        6 => any_event().prop_map(|e| demo5_msgpack::encode(&e)),
        4 => mutated,
        2 => any_value().prop_map(|v| demo5_msgpack::encode(&v)),
        2 => vec(any::<u8>(), 0..48),
        1 => (1usize..3000, prop_oneof![Just(0x91u8), Just(0x81), Just(0xdd)]).prop_map(|(n, m)| vec![m; n]),
    ];
    prop_oneof![
        20 => payload.clone().prop_map(|p| vec![Vec::new(), p]),
        4 => payload.clone().prop_map(|p| vec![p]),
        1 => vec(payload, 2..4),
    ]
}

/// The id of a message's call event, if it is one the server must answer.
fn call_id(frames: &[Vec<u8>]) -> Option<Vec<u8>> {
    let event = Event::decode(frames.last()?).ok()?;
    event
        .header
        .response_to
        .is_none()
        .then(|| id_key(&event.header.message_id))
}

#[test]
fn garbage_is_dropped_calls_are_answered_and_the_server_survives() {
    let server = InProcess::start(Duration::from_millis(500), None);
    let context = zmq::Context::new();
    let socket = dealer(&context, &server.endpoint);
    let mut runner = TestRunner::new(Config {
        cases: CASES,
        failure_persistence: None,
        max_shrink_iters: 200,
        ..Config::default()
    });
    let probe_number = std::cell::Cell::new(0u64);
    let outcome = runner.run(&any_message(), |frames| {
        let probe_id = Value::from(format!("probe-{}", probe_number.get()));
        probe_number.set(probe_number.get() + 1);
        let awaited = call_id(&frames);
        socket.send_multipart(&frames, 0).map_err(|e| TestCaseError::fail(e.to_string()))?;
        let probe = call_bytes(probe_id.clone(), "add", vec![1.into(), 2.into()]);
        socket.send_multipart([&b""[..], &probe], 0).map_err(|e| TestCaseError::fail(e.to_string()))?;
        let (mut probed, mut answered) = (false, awaited.is_none());
        while !(probed && answered) {
            let Some(reply) = common::zmq_util::recv_multipart_timeout(&socket, Duration::from_secs(10)).unwrap() else {
                return Err(TestCaseError::fail(format!(
                    "no answer (probe answered: {probed}, call answered: {answered}) after {frames:02x?}"
                )));
            };
            let event = Event::decode(reply.last().expect("a payload"))
                .map_err(|e| TestCaseError::fail(format!("the server sent a bad event: {e}")))?;
            prop_assert_eq!(event.header.get("v"), Some(&Value::from(3)));
            let to = event.header.response_to.as_ref().map(id_key);
            if to.as_deref() == Some(&id_key(&probe_id)[..]) {
                prop_assert_eq!(&event.name, "OK");
                probed = true;
            } else if to.is_some() && to == awaited && event.name != "_zpc_hb" {
                prop_assert!(["OK", "ERR", "STREAM"].contains(&event.name.as_str()), "{}", event.name);
                answered = true;
            }
        }
        Ok(())
    });
    let lines = server.stop();
    outcome.unwrap();
    assert!(
        lines.len() >= CASES as usize,
        "{} console lines",
        lines.len()
    );
}
