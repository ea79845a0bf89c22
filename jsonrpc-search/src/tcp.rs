//! JSON-RPC over raw TCP, the tutorial's way: a client connects, sends **one JSON request with no
//! delimiter**, reads the reply, and closes. The server reads until the bytes form a whole JSON
//! value ([`framing::parse_first`], which parses the request once), hands that value to the
//! `IoHandler`, and writes the reply at once, also without a delimiter. A client may send further
//! requests on the same connection; each gets its reply in order.
//!
//! Bad input never stops the server: each connection is its own task, and its worst outcomes are
//! an error reply and a closed socket ([`crate::hardening::limits`]). How a server stops: Ctrl-C
//! stops the accept loop; connections in flight get [`LINGER`] to finish, then are closed.
//! (Why not `jsonrpc-tcp-server`? It binds its own socket and bounds neither a request's size
//! nor a client's silence; this accept loop is short enough to show instead.)

use std::future::Future;
use std::io;
use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;

use jsonrpc_core::{Error, ErrorCode, IoHandler};
use serde_json::Value;
use tokio::net::{TcpListener, TcpStream};

use crate::hardening::limits;
use crate::questions::log_file::TransportLog;
use crate::{framing, Limits};

/// How long connections in flight may take to finish once the server is told to stop.
pub const LINGER: Duration = Duration::from_millis(500);

/// Accepts connections on `listener` (already bound) until `shutdown` completes; each connection
/// is served by its own task. `log`: the transport log of `--log-file`, if any.
pub async fn serve(
    listener: std::net::TcpListener,
    io: Arc<IoHandler>,
    limits: Limits,
    log: Option<TransportLog>,
    shutdown: impl Future<Output = ()>,
) -> io::Result<()> {
    listener.set_nonblocking(true)?;
    let listener = TcpListener::from_std(listener)?;
    let mut connections = tokio::task::JoinSet::new();
    tokio::pin!(shutdown);
    loop {
        let (socket, peer) = tokio::select! {
            accepted = listener.accept() => match accepted {
                Ok(pair) => pair,
                // E.g. too many open files: wait a little instead of spinning, and go on.
                Err(e) => {
                    tracing::warn!("accept failed: {e}");
                    tokio::time::sleep(Duration::from_millis(100)).await;
                    continue;
                }
            },
            () = &mut shutdown => break,
        };
        let (io, log) = (Arc::clone(&io), log.clone());
        connections.spawn(async move {
            match connection(socket, peer, &io, limits, log).await {
                Ok(()) => tracing::debug!("{peer} done"),
                Err(e) => tracing::warn!("{peer}: {e}"),
            }
        });
        while connections.try_join_next().is_some() {} // forget the finished ones
    }
    drop(listener); // no new connections from here on
    let _ = tokio::time::timeout(LINGER, async {
        while connections.join_next().await.is_some() {}
    })
    .await;
    connections.shutdown().await; // whatever is left: closed
    Ok(())
}

/// Serves one client: answer every complete request received, read more, repeat.
async fn connection(
    mut socket: TcpStream,
    peer: SocketAddr,
    io: &IoHandler,
    limits: Limits,
    log: Option<TransportLog>,
) -> io::Result<()> {
    let mut buf: Vec<u8> = Vec::new();
    loop {
        // Answer every complete request already received, in order.
        loop {
            match framing::parse_first(&buf) {
                Ok(Some((end, _))) if end > limits.max_request_bytes => break,
                Ok(Some((end, request))) => {
                    let text: Vec<u8> = buf.drain(..end).collect();
                    let text = String::from_utf8_lossy(&text); // for the logs only
                    tracing::debug!("{peer} --> {}", text.trim());
                    TransportLog::request(&log, peer, text.trim());
                    // `None` for a notification (a request without an id): no reply at all.
                    if let Some(reply) = answer(io, request).await {
                        tracing::debug!("{peer} <-- {reply}");
                        TransportLog::reply(&log, peer, &reply);
                        limits::send(&mut socket, &reply, limits.idle_timeout).await?;
                    }
                }
                Err(()) => {
                    tracing::warn!("{peer} sent something that is not JSON; -32700 and closing");
                    return limits::refuse(socket, Error::parse_error(), limits.idle_timeout).await;
                }
                Ok(None) => break,
            }
        }
        // Reached with an unfinished request, or with a finished one that is too large.
        if buf.len() > limits.max_request_bytes {
            let max = limits.max_request_bytes;
            tracing::warn!("{peer} sent a request over {max} bytes; closing");
            let mut error = Error::new(ErrorCode::InvalidRequest);
            error.message = format!("Request larger than {max} bytes");
            return limits::refuse(socket, error, limits.idle_timeout).await;
        }
        if !limits::read_more(&mut socket, &mut buf, peer, limits.idle_timeout).await? {
            return Ok(()); // the client hung up, or stayed silent too long
        }
    }
}

/// The reply to one parsed request (its text), or `None` for notifications.
async fn answer(io: &IoHandler, request: Value) -> Option<String> {
    let response = match crate::spec::to_request(request) {
        Ok(request) => io.handle_rpc_request(request).await?,
        Err(response) => response,
    };
    // A `Response` is strings, numbers and JSON values: serialising it cannot fail.
    Some(serde_json::to_string(&response).expect("a Response always serialises"))
}
