//! Faults: a server killed during a call, a client killed during a stream.

use std::time::{Duration, Instant};

use test_support::{free_endpoint, Lang, Proc};
use zerorpc_framework::client::{Error, Options};
use zerorpc_framework::{Client, Value};

use crate::support::server_process;

/// `kill -9` the server during a long call: our client says "lost remote" within 15 s (two
/// heartbeat intervals of 5 s, the defaults), not after the 30 s timeout and never a hang.
#[test]
fn a_server_killed_during_a_call_is_a_lost_remote_within_15_s() {
    let servers: Vec<(Lang, String, Proc)> = [Lang::Rust, Lang::Python]
        .into_iter()
        .filter_map(|lang| {
            let endpoint = free_endpoint();
            server_process(lang, &endpoint, &[]).map(|p| (lang, endpoint, p))
        })
        .collect();
    let failures: Vec<String> = std::thread::scope(|s| {
        let handles: Vec<_> = servers
            .into_iter()
            .map(|(lang, endpoint, mut server)| {
                s.spawn(move || -> Result<(), String> {
                    let client = Client::connect(&endpoint, Options::default()).map_err(|e| e.to_string())?;
                    // The server is up and our connection made once a first call is answered.
                    client.call("add", vec![1.into(), 2.into()]).map_err(|e| e.to_string())?;
                    let outcome = std::thread::scope(|inner| {
                        let call = inner.spawn(|| client.call("sleep", vec![Value::from(60)]));
                        server.kill();
                        let killed = Instant::now();
                        let outcome = call.join().expect("the call thread");
                        (outcome, killed.elapsed())
                    });
                    match outcome {
                        (Err(e @ Error::LostRemote { .. }), took) if took < Duration::from_secs(15) => {
                            let text = e.to_string();
                            assert!(text.contains("lost remote") && text.contains("did the server die?"), "{text}");
                            println!("{lang} server killed: our client reported the lost remote after {took:.1?}");
                            Ok(())
                        }
                        (other, took) => Err(format!("{lang} server: {other:?} after {took:?}")),
                    }
                })
            })
            .collect();
        handles
            .into_iter()
            .filter_map(|h| h.join().expect("a test thread").err())
            .collect()
    });
    assert!(failures.is_empty(), "{failures:?}");
}

/// A client `kill -9`ed in the middle of a stream: the server notices the silence (no more
/// heartbeats), drops that conversation, and serves other clients meanwhile and afterwards.
/// Heartbeats every 500 ms here, so the drop comes after 1 s instead of 10.
#[test]
fn a_client_killed_mid_stream_is_dropped_and_others_are_served() {
    let endpoint = free_endpoint();
    let mut server =
        server_process(Lang::Rust, &endpoint, &["--heartbeat", "500ms"]).expect("the Rust server");
    let mut streaming = Proc::spawn(
        "zerorpc-client count",
        std::process::Command::new(env!("CARGO_BIN_EXE_zerorpc-client")).args([
            "--connect",
            &endpoint,
            "--heartbeat",
            "500ms",
            "count",
            "100000000",
        ]),
    );
    streaming
        .expect_line(Duration::from_secs(10), |l| l == "100")
        .unwrap();
    streaming.kill();
    let other = Client::connect(
        &endpoint,
        Options {
            heartbeat: Duration::from_millis(500),
            timeout: Duration::from_secs(5),
            ..Options::default()
        },
    )
    .unwrap();
    assert_eq!(
        other.call("add", vec![2.into(), 3.into()]).unwrap(),
        Value::from(5)
    );
    let dropped = server.expect_line(Duration::from_secs(10), |l| {
        l.starts_with("count(100000000) = stream abandoned after ")
    });
    dropped.unwrap();
    assert_eq!(
        other.call("hello", vec!["again".into()]).unwrap(),
        Value::from("Hello, again!")
    );
}
