//! The two remote procedures on a `jsonrpc_core::IoHandler`, which both transports feed. The
//! library does the JSON-RPC 2.0 bookkeeping (<https://www.jsonrpc.org/specification>): -32700
//! (parse error), -32600 (invalid request), -32601 (method not found), batches, and silence for
//! notifications. Our methods add -32602 (invalid params) and -32603 (internal error).

use jsonrpc_core::{Error, IoHandler, Params, Value};
use serde::Deserialize;

use crate::db::{PhoneBook, SearchParams};

/// The JSON-RPC handler with `echo` and `search` over `book`.
pub fn handler(book: PhoneBook) -> IoHandler {
    let mut io = IoHandler::new();
    io.add_sync_method("echo", echo);
    io.add_sync_method("search", move |params| search(&book, params));
    io
}

/// `echo(s)` returns `s`: positional `["hi"]` or named `{"s": "hi"}`.
pub fn echo(params: Params) -> Result<Value, Error> {
    #[derive(Deserialize)]
    #[serde(deny_unknown_fields)]
    struct EchoParams {
        s: String,
    }
    let EchoParams { s } = parse(params)?;
    tracing::info!("echo({s:?})");
    Ok(Value::String(s))
}

/// `search(number?, last_name?, first_name?)` returns the matching rows of `mytable` as
/// `[[id, last_name, first_name, number], …]`.
pub fn search(book: &PhoneBook, params: Params) -> Result<Value, Error> {
    let filter: SearchParams = parse(params)?;
    let rows = book.search(&filter).map_err(|e| {
        tracing::error!("search failed: {e}"); // the detail stays in the server's log
        Error::internal_error()
    })?;
    tracing::info!("search({filter}) -> {} rows", rows.len());
    Ok(serde_json::json!(rows)) // serde writes each row, a tuple, as a JSON array
}

/// Turns JSON-RPC params into `T`: an array fills the fields in order, an object by name;
/// omitted params count as "no fields given". A mismatch is -32602 invalid params.
fn parse<T: serde::de::DeserializeOwned>(params: Params) -> Result<T, Error> {
    let value = match params {
        Params::Array(items) => Value::Array(items),
        Params::Map(fields) => Value::Object(fields),
        Params::None => Value::Object(Default::default()),
    };
    serde_json::from_value(value).map_err(|e| Error::invalid_params(e.to_string()))
}
