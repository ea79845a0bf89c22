//! The two methods on the handler, without a transport.

use jsonrpc_search::methods::handler;
use jsonrpc_search::PhoneBook;
use serde_json::{json, Value};

fn call(request: Value) -> Value {
    let io = handler(PhoneBook::in_memory().expect("test fixture"));
    let reply = io
        .handle_request_sync(&request.to_string())
        .expect("test fixture");
    serde_json::from_str(&reply).expect("test fixture")
}

#[test]
fn echo_takes_positional_or_named() {
    for params in [json!(["hi"]), json!({"s": "hi"})] {
        let reply = call(json!({"jsonrpc": "2.0", "method": "echo", "params": params, "id": 1}));
        assert_eq!(reply, json!({"jsonrpc": "2.0", "result": "hi", "id": 1}));
    }
}

#[test]
fn bad_params_are_minus_32602() {
    for params in [
        json!([]),
        json!([1]),
        json!(["a", "b"]),
        json!({"text": "hi"}),
    ] {
        let reply = call(json!({"jsonrpc": "2.0", "method": "echo", "params": params, "id": 7}));
        assert_eq!(reply["error"]["code"], -32602, "{params}: {reply}");
    }
    let reply = call(
        json!({"jsonrpc": "2.0", "method": "search", "params": {"lastname": "Python"}, "id": 8}),
    );
    assert_eq!(reply["error"]["code"], -32602, "{reply}");
}

#[test]
fn search_without_params_lists_everyone() {
    let reply = call(json!({"jsonrpc": "2.0", "method": "search", "id": 2}));
    assert_eq!(
        reply["result"],
        serde_json::to_value(jsonrpc_search::db::seed::seed_rows()).expect("test fixture")
    );
}
