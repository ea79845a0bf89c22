//! The client side: build a JSON-RPC 2.0 request, send it over TCP (no delimiter, like the
//! tutorial's library) or HTTP (a POST), and turn the reply into a result or an error.

use std::fmt;
use std::io::{self, Read, Write};
use std::net::{SocketAddr, TcpStream, ToSocketAddrs};
use std::time::{Duration, Instant};

use jsonrpc_core::{Id, MethodCall, Output, Params, Value, Version};

use crate::framing::{self, Frame};
pub use crate::hardening::client_errors::ClientError;

/// Where a client sends its requests.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Target {
    /// Raw TCP, `host:port` (the tutorial's transport).
    Tcp(String),
    /// HTTP POST to a URL.
    Http(String),
}

impl fmt::Display for Target {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Target::Tcp(addr) => write!(f, "tcp://{addr}"),
            Target::Http(url) => f.write_str(url),
        }
    }
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

/// Sends `request` and returns the reply text, waiting at most `timeout` in all.
pub fn exchange(target: &Target, request: &str, timeout: Duration) -> Result<String, ClientError> {
    match target {
        Target::Tcp(addr) => tcp_exchange(target, addr, request, timeout),
        Target::Http(url) => crate::http::exchange(target, url, request, timeout),
    }
}

/// The tutorial's transport: connect, send the request with no delimiter, read until the bytes
/// form one whole JSON value (the reply has no delimiter either), close.
fn tcp_exchange(
    target: &Target,
    addr: &str,
    request: &str,
    timeout: Duration,
) -> Result<String, ClientError> {
    let deadline = Instant::now() + timeout;
    let timed_out = || ClientError::Timeout {
        target: target.clone(),
        timeout,
    };
    let io_error = |source: io::Error| match source.kind() {
        io::ErrorKind::WouldBlock | io::ErrorKind::TimedOut => timed_out(),
        _ => ClientError::Io {
            target: target.clone(),
            reason: source,
        },
    };

    let mut stream = connect(addr, timeout).map_err(|reason| ClientError::Connect {
        target: target.clone(),
        reason,
    })?;
    stream.set_write_timeout(Some(timeout)).map_err(io_error)?;
    stream.write_all(request.as_bytes()).map_err(io_error)?;

    let mut buf = Vec::new();
    let mut chunk = [0u8; 4096];
    loop {
        match framing::find_end(&buf) {
            Frame::Complete(end) => {
                let reply = String::from_utf8_lossy(&buf[..end]);
                return Ok(reply.trim_start().to_string());
            }
            Frame::Invalid => {
                return Err(ClientError::BadReply {
                    target: target.clone(),
                    detail: String::from_utf8_lossy(&buf).into_owned(),
                })
            }
            Frame::Incomplete => {}
        }
        let left = deadline.saturating_duration_since(Instant::now());
        if left.is_zero() {
            return Err(timed_out());
        }
        stream.set_read_timeout(Some(left)).map_err(io_error)?;
        match stream.read(&mut chunk).map_err(io_error)? {
            0 => {
                return Err(ClientError::Closed {
                    target: target.clone(),
                })
            }
            n => buf.extend_from_slice(&chunk[..n]),
        }
    }
    // Dropping `stream` closes the connection, as the tutorial's client does after each call.
}

/// Connects to the first address `addr` resolves to that answers within `timeout`.
fn connect(addr: &str, timeout: Duration) -> io::Result<TcpStream> {
    let mut last = io::Error::new(
        io::ErrorKind::InvalidInput,
        "the address resolves to nothing",
    );
    let addrs: Vec<SocketAddr> = addr.to_socket_addrs()?.collect();
    for addr in addrs {
        match TcpStream::connect_timeout(&addr, timeout) {
            Ok(stream) => return Ok(stream),
            Err(e) => last = e,
        }
    }
    Err(last)
}

/// Reads a reply: the `result`, or the error object as [`ClientError::Rpc`].
pub fn parse_reply(target: &Target, reply: &str) -> Result<Value, ClientError> {
    let output: Output = serde_json::from_str(reply).map_err(|e| ClientError::BadReply {
        target: target.clone(),
        detail: format!("{e}: {}", reply.trim()),
    })?;
    match output {
        Output::Success(success) => Ok(success.result),
        Output::Failure(failure) => Err(ClientError::Rpc {
            code: failure.error.code.code(),
            message: failure.error.message,
            data: failure.error.data,
        }),
    }
}

/// One whole call: request, exchange, reply.
pub fn call(
    target: &Target,
    method: &str,
    params: Params,
    timeout: Duration,
) -> Result<Value, ClientError> {
    let reply = exchange(target, &request(method, params, 1), timeout)?;
    parse_reply(target, &reply)
}
