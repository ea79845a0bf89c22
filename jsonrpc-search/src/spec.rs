//! Three corners of the JSON-RPC 2.0 specification that `jsonrpc-core` 18 gets wrong, mended
//! before a request reaches it, for both transports:
//!
//! | request                      | the spec's reply                                   | `jsonrpc-core` alone        |
//! |------------------------------|----------------------------------------------------|-----------------------------|
//! | `[]`                         | one `-32600 Invalid request`, id null              | nothing at all              |
//! | `[1, 2]`                     | an array of two `-32600`, id null                  | one `-32700 Parse error`    |
//! | `[{…a valid call…}, 5]`      | the call's result, then a `-32600`                 | one `-32700`; the call lost |
//!
//! The mend is small: an element of a batch that is not an object becomes an invalid call,
//! which `jsonrpc-core` answers with `-32600` and id null, and an empty batch becomes one invalid
//! call itself (the spec answers it with one error, not an array).
//!
//! - Raw TCP: the server has already parsed the request to find its end, so `crate::tcp` hands
//!   the value to [`to_request`], which builds `jsonrpc-core`'s typed request from it (no second
//!   parse of the text) for `IoHandler::handle_rpc_request`.
//! - HTTP: `jsonrpc-http-server` gives its handler the body as *text* and parses it itself; its
//!   typed `Middleware` only sees requests that parsed, and `[1, 2]` does not. So for HTTP the
//!   mend is textual ([`mend`]): a batch that needs it is parsed here once more and rewritten
//!   (an element that is not an object becomes `{}`); anything else passes through untouched.

use std::borrow::Cow;

use jsonrpc_core::{Call, Error, Id, Request, Response, Version};
use serde_json::Value;

/// The `jsonrpc-core` request for an already parsed `value`, mended as the spec asks; or, when
/// it is no request at all, the parse-error reply `jsonrpc-core` itself would have sent.
pub fn to_request(value: Value) -> Result<Request, Response> {
    let parse_error = |_| Response::from(Error::parse_error(), Some(Version::V2));
    match value {
        Value::Array(calls) if calls.is_empty() => {
            Ok(Request::Single(Call::Invalid { id: Id::Null }))
        }
        Value::Array(calls) => calls
            .into_iter()
            .map(|call| match call {
                Value::Object(_) => serde_json::from_value(call),
                _ => Ok(Call::Invalid { id: Id::Null }),
            })
            .collect::<Result<Vec<Call>, _>>()
            .map(Request::Batch)
            .map_err(parse_error),
        single => serde_json::from_value(single).map_err(parse_error),
    }
}

/// The request text `jsonrpc-core` should see for `text`.
pub fn mend(text: &str) -> Cow<'_, str> {
    // Only a batch can need mending; single calls skip the extra parse.
    if !text.trim_start().starts_with('[') {
        return Cow::Borrowed(text);
    }
    let Ok(Value::Array(calls)) = serde_json::from_str::<Value>(text) else {
        return Cow::Borrowed(text); // not JSON: jsonrpc-core answers -32700 itself
    };
    if calls.is_empty() {
        return Cow::Borrowed("{}");
    }
    if calls.iter().all(Value::is_object) {
        return Cow::Borrowed(text);
    }
    let mended: Vec<Value> = calls
        .into_iter()
        .map(|call| match call {
            Value::Object(_) => call,
            _ => Value::Object(Default::default()),
        })
        .collect();
    Cow::Owned(Value::Array(mended).to_string())
}

#[cfg(test)]
mod tests {
    use super::{mend, to_request};

    /// The typed mend and the textual one give `jsonrpc-core` the same request.
    #[test]
    fn both_mends_agree() {
        let call = r#"{"jsonrpc": "2.0", "method": "echo", "params": ["a"], "id": 1}"#;
        for text in [
            call.to_string(),
            format!("[{call}]"),
            " [ ] ".into(),
            "[1, \"x\", null]".into(),
            format!("[{call}, 5]"),
        ] {
            let value = serde_json::from_str(&text).expect("every example is JSON");
            let typed = to_request(value).expect("every example mends into a request");
            let textual: jsonrpc_core::Request =
                serde_json::from_str(&mend(&text)).expect("the mended text is a request");
            assert_eq!(typed, textual, "{text}");
        }
    }

    #[test]
    fn only_broken_batches_change() {
        let call = r#"{"jsonrpc": "2.0", "method": "echo", "params": ["a"], "id": 1}"#;
        assert_eq!(mend(call), call);
        assert_eq!(mend(&format!("[{call}]")), format!("[{call}]"));
        assert_eq!(mend("[1, 2"), "[1, 2");
        assert_eq!(mend(" [ ] "), "{}");
        assert_eq!(mend("[1, \"x\", null]"), "[{},{},{}]");
        assert_eq!(
            mend(r#"[{"id": 1}, 5]"#),
            r#"[{"id":1},{}]"#,
            "objects are kept, others become {{}}"
        );
    }
}
