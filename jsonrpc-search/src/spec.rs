//! Three corners of the JSON-RPC 2.0 specification that `jsonrpc-core` 18 gets wrong, mended
//! before a request reaches it, for both transports:
//!
//! | request                      | the spec's reply                                   | `jsonrpc-core` alone        |
//! |------------------------------|----------------------------------------------------|-----------------------------|
//! | `[]`                         | one `-32600 Invalid request`, id null              | nothing at all              |
//! | `[1, 2]`                     | an array of two `-32600`, id null                  | one `-32700 Parse error`    |
//! | `[{…a valid call…}, 5]`      | the call's result, then a `-32600`                 | one `-32700`; the call lost |
//!
//! The mend is textual and small: an element of a batch that is not an object becomes `{}`,
//! which `jsonrpc-core` already answers with `-32600` and id null, and an empty batch becomes
//! `{}` itself (the spec answers it with one error, not an array). Everything else passes
//! through untouched, byte for byte.

use std::borrow::Cow;

use serde_json::Value;

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
    use super::mend;

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
