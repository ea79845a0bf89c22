//! Property test over a real socket: thousands of random, mutated and near-miss calls thrown at
//! a running server. Every one must get a reply — the result or `{"error": …}` — `plus` must
//! add up as PHP does, and the tutorial's call must still work afterwards.

use std::time::Duration;

use test_support::ServerThread;

use demo5_msgpack::{as_error, decode, encode, Value};
use demo6_rpc_server::Request;
use proptest::collection::vec;
use proptest::prelude::*;
use proptest::sample::Index;
use proptest::test_runner::{Config, TestCaseError, TestRunner};
use test_support::values::any_value;

/// Near misses: real function names (and some unknown ones) with parameters of any shape.
fn any_call() -> impl Strategy<Value = Request> {
    let name = prop_oneof![
        Just("plus".to_string()),
        Just("divide".to_string()),
        Just("hello".to_string()),
        Just("stats".to_string()),
        Just("echo".to_string()),
        "[a-z]{0,8}",
    ];
    let parameters = prop_oneof![
        vec(any::<i64>().prop_map(Value::from), 0..6),
        vec(any::<f64>().prop_map(Value::from), 0..4),
        vec(any_value(), 0..4),
    ];
    (name, parameters).prop_map(|(name, parameters)| Request::new(name, parameters))
}

/// One request: usually one frame — a near-miss call, a mutated call, any value, random
/// bytes — sometimes several frames.
fn any_request() -> impl Strategy<Value = Vec<Vec<u8>>> {
    let mutated = (
        any_call(),
        vec((any::<Index>(), any::<u8>()), 1..4),
        any::<Option<Index>>(),
    )
        .prop_map(|(call, edits, cut)| {
            let mut bytes = call.to_bytes();
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
        4 => any_call().prop_map(|c| c.to_bytes()),
        4 => mutated,
        2 => any_value().prop_map(|v| encode(&v)),
        2 => vec(any::<u8>(), 0..48),
        1 => (1usize..3000, prop_oneof![Just(0x91u8), Just(0x81)]).prop_map(|(n, m)| vec![m; n]),
    ];
    prop_oneof![
        10 => frame.clone().prop_map(|f| vec![f]),
        1 => vec(frame, 2..4),
    ]
}

/// What `plus` must answer for these frames, if they are a well-formed call of `plus` with
/// integer and float parameters only: PHP's running sum, an integer until the first overflow
/// and a float from there on (written out here, independently of `demo6_rpc_server::Number`).
fn expected_plus(frames: &[Vec<u8>]) -> Option<Value> {
    let request = demo6_rpc_server::parse_request(frames).ok()?;
    if request.function_name != "plus" {
        return None;
    }
    let mut sum = Value::from(0);
    for parameter in &request.parameters {
        let float = |v: &Value| v.as_i64().map(|n| n as f64).or_else(|| v.as_f64());
        sum = match (sum.as_i64(), parameter.as_i64()) {
            (Some(a), Some(b)) => a
                .checked_add(b)
                .map_or(Value::F64(a as f64 + b as f64), Value::from),
            _ if parameter.is_u64() => Value::F64(float(&sum)? + parameter.as_u64()? as f64),
            _ => Value::F64(float(&sum)? + float(parameter)?),
        };
    }
    Some(sum)
}

#[test]
fn every_request_gets_a_reply_and_the_server_survives() {
    let context = zmq::Context::new();
    let server = context.socket(zmq::REP).unwrap();
    let endpoint = common::zmq_util::bind_ephemeral(&server).unwrap();
    let server = ServerThread::spawn("demo6 serve", move |stop| {
        let router = demo6_rpc_server::functions::router();
        demo6_rpc_server::serve(&server, &router, &mut std::io::sink(), &stop)
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
        if let Some(sum) = expected_plus(&frames) {
            // Bytes, not values: NaN (inf + -inf) is not equal to itself.
            prop_assert_eq!(encode(&reply), encode(&sum));
        }
        if frames.len() != 1 {
            prop_assert!(
                as_error(&reply).is_some(),
                "multipart must be refused, got {reply}"
            );
        }
        Ok(())
    });

    // Whatever happened above, the tutorial's call still works.
    client.send(Request::tutorial().to_bytes(), 0).unwrap();
    let reply = common::zmq_util::recv_timeout(&client, Duration::from_secs(10)).unwrap();
    server.stop().expect("serve"); // bounded: fails, not hangs, if serve ignores its flag

    outcome.unwrap();
    assert_eq!(reply.as_deref(), Some(&[0x13][..]));
}
