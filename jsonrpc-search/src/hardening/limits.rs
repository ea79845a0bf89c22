//! The question: **what if a client misbehaves?** Each connection's worst outcomes are an error
//! reply and a closed socket:
//! - broken JSON, or something that is not an object/array → -32700 parse error, then we hang up
//!   (we cannot know where the garbage ends, so we cannot resynchronise);
//! - a request that grows past [`Limits::max_request_bytes`] (1 MiB) → -32600 invalid request,
//!   then we hang up;
//! - half a request and then silence → dropped after [`Limits::idle_timeout`] (30 s);
//! - a client that never reads its replies → dropped when a reply cannot be written within
//!   the same idle timeout;
//! - half a request and then a hang-up → logged and dropped.

use std::io;
use std::net::SocketAddr;
use std::time::Duration;

use jsonrpc_core::{Error, ErrorCode, Response, Version};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;

/// The largest request either transport accepts. A phone-book query is a few dozen bytes; the
/// bound keeps one client from filling the server's memory with a request that never ends.
pub const MAX_REQUEST_BYTES: usize = 1024 * 1024;
/// A TCP connection that has not completed a request (or taken a reply) for this long is closed.
pub const IDLE_TIMEOUT: Duration = Duration::from_secs(30);
/// How much of what a client still sends we read (and discard) at a time before hanging up.
const CHUNK: usize = 16 * 1024;

/// The bounds a server puts on its clients (the server's `--max-request-bytes` and
/// `--idle-timeout`; the defaults are the constants above).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Limits {
    /// The largest request accepted, in bytes (TCP: the unfinished request; HTTP: the body).
    pub max_request_bytes: usize,
    /// How long a TCP client may stay silent in the middle of a request, or not read a reply.
    pub idle_timeout: Duration,
    /// Not a bound but speed, passed to both transports the same way: how long the serving
    /// thread stays awake after a reply (`--stay-awake`; zero: off; [`common::stay_awake`]).
    pub stay_awake: Duration,
}

impl Default for Limits {
    fn default() -> Limits {
        Limits {
            max_request_bytes: MAX_REQUEST_BYTES,
            idle_timeout: IDLE_TIMEOUT,
            stay_awake: common::stay_awake::WINDOW,
        }
    }
}

/// The server's flags for [`Limits`] (flattened into `jsonrpc-server`'s command line).
#[derive(Debug, clap::Args)]
pub struct LimitsArgs {
    /// The largest request accepted (a longer one gets an error and, on TCP, a closed socket).
    #[arg(long, default_value_t = MAX_REQUEST_BYTES, value_name = "BYTES")]
    max_request_bytes: usize,
    /// Close a TCP connection that stays silent this long in the middle of a request (30, 500ms).
    #[arg(long, default_value = "30s", value_parser = common::parse_duration)]
    idle_timeout: Duration,
}

impl LimitsArgs {
    /// The limits these flags ask for.
    pub fn limits(&self) -> Limits {
        Limits {
            max_request_bytes: self.max_request_bytes,
            idle_timeout: self.idle_timeout,
            stay_awake: common::stay_awake::WINDOW,
        }
    }
}

/// An `accept` that failed (e.g. too many open files): logged, and a short pause instead of a
/// loop that spins until it works again.
pub async fn accept_failed(e: io::Error) {
    tracing::warn!("accept failed: {e}");
    tokio::time::sleep(Duration::from_millis(100)).await;
}

/// What the server logs when a client hangs up: nothing after whole requests, a warning when
/// it leaves half a request behind.
pub fn hung_up(peer: SocketAddr, buf: &[u8]) {
    if buf.iter().any(|b| !b.is_ascii_whitespace()) {
        let dropped = buf.len();
        tracing::warn!("{peer} hung up in the middle of a request ({dropped} bytes dropped)");
    }
}

/// The error of a reply that could not be written within the idle timeout.
pub fn not_reading() -> io::Error {
    io::Error::new(
        io::ErrorKind::TimedOut,
        "the client does not read its replies",
    )
}

/// Writes a reply, giving up after `idle_timeout` if the client does not read.
async fn send(socket: &mut TcpStream, reply: &str, idle_timeout: Duration) -> io::Result<()> {
    match tokio::time::timeout(idle_timeout, socket.write_all(reply.as_bytes())).await {
        Ok(written) => written,
        Err(_elapsed) => Err(not_reading()),
    }
}

/// Refuses what `peer` sent (bytes that can never become JSON when `not_json`, else a request
/// over the size bound) with an error reply, and closes the connection.
pub async fn refuse(
    socket: TcpStream,
    peer: SocketAddr,
    not_json: bool,
    limits: &Limits,
) -> io::Result<()> {
    let error = if not_json {
        tracing::warn!("{peer} sent something that is not JSON; -32700 and closing");
        Error::parse_error()
    } else {
        let max = limits.max_request_bytes;
        tracing::warn!("{peer} sent a request over {max} bytes; closing");
        let mut error = Error::new(ErrorCode::InvalidRequest);
        error.message = format!("Request larger than {max} bytes");
        error
    };
    close_with(socket, error, limits.idle_timeout).await
}

/// Sends one error reply (with `"id": null`, as the spec wants when the id is unknown) and closes
/// the connection politely: we stop writing, then discard what the client still sends for a
/// moment, so that closing does not reset the connection before the client has read our reply.
async fn close_with(mut socket: TcpStream, error: Error, idle_timeout: Duration) -> io::Result<()> {
    let reply = serde_json::to_string(&Response::from(error, Some(Version::V2)))?;
    send(&mut socket, &reply, idle_timeout).await?;
    socket.shutdown().await?;
    let mut sink = vec![0u8; CHUNK];
    let drain = async {
        while let Ok(n) = socket.read(&mut sink).await {
            if n == 0 {
                break;
            }
        }
    };
    let _ = tokio::time::timeout(Duration::from_secs(1), drain).await;
    Ok(())
}
