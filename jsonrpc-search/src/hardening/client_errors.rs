//! The client's question: **what went wrong?** Each way a call can end without a result, in
//! words a student can act on (which server, which port, which flag), with the constructors
//! `crate::client` calls where each happens, and the check of `call`'s raw params before
//! anything is sent.

use std::io;
use std::time::Duration;

use common::endpoints::human;
use jsonrpc_core::{Params, Value};

use crate::target::Target;

/// Everything a call can end with other than a result, each said in plain words.
#[derive(Debug, thiserror::Error)]
pub enum ClientError {
    // (`reason`, not `source`: the message already says it, so it must not be chained twice.)
    #[error("cannot connect to {target}: {reason} — is jsonrpc-server running?")]
    Connect { target: Target, reason: io::Error },
    #[error("no reply from {target} within {} — is jsonrpc-server running there?", human(*.timeout))]
    Timeout { target: Target, timeout: Duration },
    #[error("{target} closed the connection before a complete reply")]
    Closed { target: Target },
    #[error("talking to {target}: {reason}")]
    Io { target: Target, reason: io::Error },
    #[error("HTTP request to {target} failed: {detail}")]
    Http { target: Target, detail: String },
    #[error(
        "{target} did not answer in HTTP ({detail}) — is that the raw-TCP port? jsonrpc-server \
         speaks raw TCP on 31415 and HTTP on 31416 (--http {})",
        crate::HTTP_URL
    )]
    NotHttp { target: Target, detail: String },
    #[error("{target} sent something that is not a JSON-RPC reply: {detail}")]
    BadReply { target: Target, detail: String },
    /// The server understood the call and answered with a JSON-RPC error object.
    #[error("the server answered with error {code}: {message}{}", .data.as_ref().map(|d| format!(" ({d})")).unwrap_or_default())]
    Rpc {
        code: i64,
        message: String,
        data: Option<Value>,
    },
}

impl ClientError {
    /// A timeout, as the user sees it.
    pub fn timeout(target: &Target, timeout: Duration) -> ClientError {
        let target = target.clone();
        ClientError::Timeout { target, timeout }
    }

    /// An I/O error while talking to `target`: a read or write that timed out, or another.
    pub fn io(target: &Target, timeout: Duration, reason: io::Error) -> ClientError {
        match reason.kind() {
            io::ErrorKind::WouldBlock | io::ErrorKind::TimedOut => Self::timeout(target, timeout),
            _ => ClientError::Io {
                target: target.clone(),
                reason,
            },
        }
    }

    /// Something that is no JSON-RPC reply (the bytes that came, or what is wrong with them).
    pub fn bad_reply(target: &Target, detail: impl AsRef<[u8]>) -> ClientError {
        ClientError::BadReply {
            target: target.clone(),
            detail: String::from_utf8_lossy(detail.as_ref()).into_owned(),
        }
    }

    /// The server hung up before its reply was whole.
    pub fn closed(target: &Target) -> ClientError {
        ClientError::Closed {
            target: target.clone(),
        }
    }
}

/// The server's error object.
impl From<jsonrpc_core::Error> for ClientError {
    fn from(error: jsonrpc_core::Error) -> ClientError {
        ClientError::Rpc {
            code: error.code.code(),
            message: error.message,
            data: error.data,
        }
    }
}

/// How a target is named in the messages: `tcp://127.0.0.1:31415`, or the URL.
/// `jsonrpc-client call METHOD [PARAMS]`: any method, with raw JSON params.
#[derive(Debug, clap::Args)]
pub struct RawCall {
    method: String,
    #[arg(default_value = "[]")]
    params: String,
}

impl RawCall {
    /// The method and its params, checked before anything is sent.
    pub fn checked(self) -> anyhow::Result<(String, Params)> {
        Ok((self.method, raw_params(&self.params)?))
    }
}

/// The params of `jsonrpc-client call METHOD PARAMS`: JSON-RPC takes an array (positional) or an
/// object (named), and `call echo 1` should say so rather than "data did not match any variant".
pub fn raw_params(text: &str) -> anyhow::Result<Params> {
    let hint = "params must be a JSON array or object, e.g. '[\"hi\"]' or '{\"s\": \"hi\"}'";
    match serde_json::from_str(text) {
        Ok(Value::Array(items)) => Ok(Params::Array(items)),
        Ok(Value::Object(fields)) => Ok(Params::Map(fields)),
        Ok(other) => anyhow::bail!("{hint}, not {other}"),
        Err(e) => anyhow::bail!("{hint}: {e}"),
    }
}
