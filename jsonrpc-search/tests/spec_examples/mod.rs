//! The JSON-RPC 2.0 specification's own examples of broken batches ("rpc call with an empty
//! Array", "an invalid Batch", "invalid Batch (but not empty)", and a mixed one), shared by
//! `tests/tcp.rs` and `tests/http.rs`: both transports must answer them the same way.

use serde_json::{json, Value};

/// Pairs of (request text, the reply the specification shows for it).
pub fn broken_batches() -> Vec<(&'static str, Value)> {
    let invalid = json!({"jsonrpc": "2.0", "error": {"code": -32600, "message": "Invalid request"}, "id": null});
    vec![
        ("[]", invalid.clone()),
        ("[1]", json!([invalid])),
        ("[1, 2, 3]", json!([invalid, invalid, invalid])),
        (
            r#"[{"jsonrpc": "2.0", "method": "echo", "params": ["kept"], "id": 1}, 5, "x"]"#,
            json!([{"jsonrpc": "2.0", "result": "kept", "id": 1}, invalid, invalid]),
        ),
    ]
}
