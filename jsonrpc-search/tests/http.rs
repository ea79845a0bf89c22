//! JSON-RPC over HTTP (`jsonrpc-http-server`) with the same handler, and the library client
//! (`jsonrpc_search::client`) over both transports.

use crate::spec_examples;

use std::net::TcpListener;
use std::time::Duration;

use jsonrpc_core::{Params, Value};
use jsonrpc_search::client::{self, ClientError, Target};
use jsonrpc_search::TcpServer;
use jsonrpc_search::{http, methods, Limits, PhoneBook};
use serde_json::json;

const WAIT: Duration = Duration::from_secs(5);

fn http_server() -> (jsonrpc_http_server::Server, Target) {
    let io = methods::handler(PhoneBook::in_memory().unwrap());
    let server = http::start(&"127.0.0.1:0".parse().unwrap(), io, &Limits::default()).unwrap();
    let url = format!("http://{}/", server.address());
    (server, Target::Http(url))
}

fn post(target: &Target, body: &str) -> Value {
    let reply = client::exchange(target, body, WAIT).unwrap();
    serde_json::from_str(&reply).unwrap_or_else(|e| panic!("{e}: {reply}"))
}

#[test]
fn echo_and_search_over_http() {
    let (_server, target) = http_server();
    let echo = client::call(
        &target,
        "echo",
        Params::Array(vec![json!("hello world")]),
        WAIT,
    )
    .unwrap();
    assert_eq!(echo, json!("hello world"));
    let named = Params::Map(serde_json::from_value(json!({"last_name": "Python"})).unwrap());
    let rows = client::call(&target, "search", named, WAIT).unwrap();
    assert_eq!(
        rows,
        json!([
            [1, "Python", "Monty", "555-0101"],
            [4, "Python", "Brian", "555-0104"]
        ])
    );
}

#[test]
fn spec_errors_over_http() {
    let (_server, target) = http_server();
    assert_eq!(
        post(&target, r#"{"jsonrpc": "2.0", "method""#)["error"]["code"],
        -32700
    );
    assert_eq!(post(&target, r#"{"foo": 1}"#)["error"]["code"], -32600);
    assert_eq!(
        post(&target, r#"{"jsonrpc": "2.0", "method": "nope", "id": 1}"#)["error"]["code"],
        -32601
    );
    assert_eq!(
        post(
            &target,
            r#"{"jsonrpc": "2.0", "method": "echo", "params": {"x": 1}, "id": 1}"#
        )["error"]["code"],
        -32602
    );
    match client::call(&target, "nope", Params::Array(vec![]), WAIT) {
        Err(ClientError::Rpc { code: -32601, .. }) => {}
        other => panic!("expected a -32601 error, got {other:?}"),
    }
}

#[test]
fn batch_over_http() {
    let (_server, target) = http_server();
    let batch = post(
        &target,
        r#"[{"jsonrpc": "2.0", "method": "echo", "params": ["a"], "id": 1},
            {"jsonrpc": "2.0", "method": "echo", "params": ["not answered"]},
            {"jsonrpc": "2.0", "method": "search", "params": {"first_name": "Ada"}, "id": 2},
            {"jsonrpc": "2.0", "method": "nope", "id": 3},
            {"foo": "bar"}]"#,
    );
    assert_eq!(
        batch,
        json!([
            {"jsonrpc": "2.0", "result": "a", "id": 1},
            {"jsonrpc": "2.0", "result": [[3, "Lovelace", "Ada", "555-0103"]], "id": 2},
            {"jsonrpc": "2.0", "error": {"code": -32601, "message": "Method not found"}, "id": 3},
            {"jsonrpc": "2.0", "error": {"code": -32600, "message": "Invalid request"}, "id": null}
        ])
    );
}

#[test]
fn injection_over_http_matches_nothing() {
    let (_server, target) = http_server();
    let evil = Params::Map(serde_json::from_value(json!({"last_name": "' OR '1'='1"})).unwrap());
    assert_eq!(
        client::call(&target, "search", evil, WAIT).unwrap(),
        json!([])
    );
}

#[test]
fn library_client_over_tcp() {
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let server =
        TcpServer::spawn(listener, methods::handler(PhoneBook::in_memory().unwrap())).unwrap();
    let target = Target::Tcp(server.addr().to_string());
    let echo = client::call(&target, "echo", Params::Array(vec![json!("hi")]), WAIT).unwrap();
    assert_eq!(echo, json!("hi"));
    let named = Params::Map(serde_json::from_value(json!({"first_name": "Guido"})).unwrap());
    assert_eq!(
        client::call(&target, "search", named, WAIT).unwrap(),
        json!([[2, "Rossum", "Guido", "555-0102"]])
    );
}

#[test]
fn client_errors_are_plain() {
    // Nobody listens on a port we just released.
    let port = test_support::free_port();
    let closed = Target::Tcp(format!("127.0.0.1:{port}"));
    let err = client::call(&closed, "echo", Params::Array(vec![json!("x")]), WAIT).unwrap_err();
    assert!(matches!(err, ClientError::Connect { .. }), "{err:?}");
    assert!(
        err.to_string().contains("is jsonrpc-server running?"),
        "{err}"
    );

    // A server that accepts and never answers: the client gives up after its timeout.
    let silent = TcpListener::bind("127.0.0.1:0").unwrap();
    let target = Target::Tcp(silent.local_addr().unwrap().to_string());
    let err = client::call(
        &target,
        "echo",
        Params::Array(vec![json!("x")]),
        Duration::from_millis(300),
    )
    .unwrap_err();
    assert!(matches!(err, ClientError::Timeout { .. }), "{err:?}");
    assert!(err.to_string().contains("no reply from tcp://"), "{err}");
}

#[test]
fn an_oversized_body_is_refused() {
    let io = methods::handler(PhoneBook::in_memory().unwrap());
    let limits = Limits {
        max_request_bytes: 100,
        ..Limits::default()
    };
    let server = http::start(&"127.0.0.1:0".parse().unwrap(), io, &limits).unwrap();
    let target = Target::Http(format!("http://{}/", server.address()));
    let big = Params::Array(vec![json!("x".repeat(200))]);
    let err = client::call(&target, "echo", big, WAIT).unwrap_err();
    assert!(
        matches!(&err, ClientError::Http { detail, .. } if detail.contains("413")),
        "{err:?}"
    );
    let small = Params::Array(vec![json!("small")]);
    assert_eq!(
        client::call(&target, "echo", small, WAIT).unwrap(),
        json!("small")
    );
}

/// The specification's broken batches (`tests/spec_examples`): the spec's replies over HTTP,
/// and the valid call in a mixed batch is still made.
#[test]
fn broken_batches_get_the_spec_replies_over_http() {
    let (_server, target) = http_server();
    for (request, expected) in spec_examples::broken_batches() {
        assert_eq!(post(&target, request), expected, "request {request}");
    }
    let after = client::call(&target, "echo", Params::Array(vec![json!("still")]), WAIT);
    assert_eq!(after.unwrap(), json!("still"));
}
