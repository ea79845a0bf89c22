//! The two remote procedures, registered on a `jsonrpc_core::IoHandler`.
//!
//! The handler is transport-free: it takes the text of a request (or of a batch) and gives back
//! the text of the reply. The TCP and HTTP servers both feed it. `jsonrpc-core` does the
//! JSON-RPC 2.0 bookkeeping (<https://www.jsonrpc.org/specification>): it answers
//! -32700 (parse error), -32600 (invalid request) and -32601 (method not found) by itself, runs
//! batches, and stays silent for notifications. Our methods only add -32602 (invalid params).

use jsonrpc_core::{Error, IoHandler, Params, Value};
use serde::Deserialize;

use crate::db::{PhoneBook, SearchParams};

/// What can go wrong inside a method, and how each maps onto a JSON-RPC error object.
#[derive(Debug, thiserror::Error)]
pub enum MethodError {
    /// The parameters do not fit the method: JSON-RPC's -32602.
    #[error("{0}")]
    InvalidParams(String),
    /// SQLite failed: JSON-RPC's -32603 (internal error). The detail goes to the log only.
    #[error("database error: {0}")]
    Database(#[from] rusqlite::Error),
}

impl From<MethodError> for Error {
    fn from(e: MethodError) -> Error {
        match e {
            MethodError::InvalidParams(why) => Error::invalid_params(why),
            MethodError::Database(e) => {
                tracing::error!("search failed: {e}");
                Error::internal_error()
            }
        }
    }
}

/// `echo(s)`: positional `["hi"]` or named `{"s": "hi"}`.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct EchoParams {
    s: String,
}

/// Turns JSON-RPC params into `T`: an array fills the fields in order, an object by name.
/// Omitted params count as "no fields given".
fn parse<T: serde::de::DeserializeOwned>(params: Params) -> Result<T, MethodError> {
    let value = match params {
        Params::Array(items) => Value::Array(items),
        Params::Map(fields) => Value::Object(fields),
        Params::None => Value::Object(Default::default()),
    };
    serde_json::from_value(value).map_err(|e| MethodError::InvalidParams(e.to_string()))
}

/// `echo(s)` returns `s`.
pub fn echo(params: Params) -> Result<Value, MethodError> {
    let EchoParams { s } = parse(params)?;
    tracing::info!("echo({s:?})");
    Ok(Value::String(s))
}

/// `search(number?, last_name?, first_name?)` returns the matching rows of `mytable` as
/// `[[id, last_name, first_name, number], …]`.
pub fn search(book: &PhoneBook, params: Params) -> Result<Value, MethodError> {
    let filter: SearchParams = parse(params)?;
    let rows = book.search(&filter)?;
    tracing::info!("search({filter}) -> {} rows", rows.len());
    let rows = rows.into_iter().map(|(id, last_name, first_name, number)| {
        serde_json::json!([id, last_name, first_name, number])
    });
    Ok(Value::Array(rows.collect()))
}

/// The JSON-RPC handler with `echo` and `search` over `book`.
pub fn handler(book: PhoneBook) -> IoHandler {
    let mut io = IoHandler::new();
    io.add_sync_method("echo", |params| echo(params).map_err(Error::from));
    io.add_sync_method("search", move |params| {
        search(&book, params).map_err(Error::from)
    });
    io
}
