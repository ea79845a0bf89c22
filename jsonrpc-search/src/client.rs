//! The client side, the tutorial's way: build a JSON-RPC 2.0 request, connect, send it with no
//! delimiter, read until the reply is one whole JSON value, close. (`--http`: the same request
//! POSTed by [`crate::http`]; what each failure says: [`crate::hardening::client_errors`].)

use std::io::{self, Read, Write};
use std::net::{TcpStream, ToSocketAddrs};
use std::time::{Duration, Instant};

use jsonrpc_core::{Id, MethodCall, Output, Params, Value, Version};

use crate::framing;
pub use crate::hardening::client_errors::ClientError;
pub use crate::target::Target;

type Result<T> = std::result::Result<T, ClientError>;

/// One whole call: request, exchange, reply.
pub fn call(target: &Target, method: &str, params: Params, timeout: Duration) -> Result<Value> {
    let reply = exchange(target, &request(method, params, 1), timeout)?;
    parse_reply(target, &reply)
}

/// The text of a JSON-RPC 2.0 call: `{"jsonrpc":"2.0","method":…,"params":…,"id":…}`.
/// `params` is an array (positional) or an object (named).
pub fn request(method: &str, params: Params, id: u64) -> String {
    let call = MethodCall {
        jsonrpc: Some(Version::V2),
        method: method.to_string(),
        params,
        id: Id::Num(id),
    };
    // A `MethodCall` is strings, numbers and JSON values: serialising it cannot fail.
    serde_json::to_string(&call).expect("a MethodCall always serialises")
}

/// Sends `request` to `target`, over raw TCP or HTTP, and returns the reply text, waiting at
/// most `timeout` in all.
pub fn exchange(target: &Target, request: &str, timeout: Duration) -> Result<String> {
    match target {
        Target::Tcp(addr) => tcp_exchange(addr, request, timeout),
        Target::Http(url) => crate::http::http_exchange(target, url, request, timeout),
    }
}

/// Sends `request` to `addr` and returns the reply text, waiting at most `timeout` in all.
pub fn tcp_exchange(addr: &str, request: &str, timeout: Duration) -> Result<String> {
    let target = &Target::Tcp(addr.to_string()); // for the error messages
    let deadline = Instant::now() + timeout;
    let failed = |e| ClientError::io(target, timeout, e);
    let mut stream = connect(addr, timeout).map_err(|reason| ClientError::Connect {
        target: target.clone(),
        reason,
    })?;
    stream.set_write_timeout(Some(timeout)).map_err(failed)?;
    stream.write_all(request.as_bytes()).map_err(failed)?;
    // The reply has no delimiter either: read until the bytes form one whole JSON value.
    let mut buf = Vec::new();
    let end = loop {
        match framing::parse_first(&buf) {
            Ok(Some((end, _reply))) => break end,
            Err(()) => return Err(ClientError::bad_reply(target, &buf)),
            Ok(None) => {} // not complete yet: read more
        }
        let left = deadline.saturating_duration_since(Instant::now());
        if left.is_zero() {
            return Err(ClientError::timeout(target, timeout));
        }
        stream.set_read_timeout(Some(left)).map_err(failed)?;
        let mut chunk = [0u8; 4096];
        match stream.read(&mut chunk).map_err(failed)? {
            0 => return Err(ClientError::closed(target)),
            n => buf.extend_from_slice(&chunk[..n]),
        }
    };
    // Dropping `stream` closes the connection, as the tutorial's client does after each call.
    let reply = String::from_utf8_lossy(&buf[..end]);
    Ok(reply.trim_start().to_string())
}

/// Connects to the first address `addr` resolves to that answers within `timeout` (`localhost`
/// may be `::1` and `127.0.0.1`, and the server listen on one of them only).
fn connect(addr: &str, timeout: Duration) -> io::Result<TcpStream> {
    let mut last = io::Error::new(
        io::ErrorKind::InvalidInput,
        "the address resolves to nothing",
    );
    for addr in addr.to_socket_addrs()? {
        match TcpStream::connect_timeout(&addr, timeout) {
            Ok(stream) => return Ok(stream),
            Err(e) => last = e,
        }
    }
    Err(last)
}

/// Reads a reply: the `result`, or the error object as [`ClientError::Rpc`].
pub fn parse_reply(target: &Target, reply: &str) -> Result<Value> {
    let bad = |e| ClientError::bad_reply(target, format!("{e}: {}", reply.trim()));
    match serde_json::from_str(reply) {
        Ok(Output::Success(success)) => Ok(success.result),
        Ok(Output::Failure(failure)) => Err(ClientError::from(failure.error)),
        Err(e) => Err(bad(e)),
    }
}
