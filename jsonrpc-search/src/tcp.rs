//! JSON-RPC over raw TCP, the tutorial's way: a client connects, sends **one JSON request with no
//! delimiter**, reads the reply, and closes. The server reads until the bytes form a whole JSON
//! value ([`framing::parse_first`] parses each request once), hands it to the `IoHandler` and
//! writes the reply at once, with no delimiter either. Further requests on the same connection
//! get their replies in order. Each connection is its own task, so bad input never stops the
//! server; what it gets instead is in [`crate::hardening::limits`].

use std::future::Future;
use std::io;
use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;

use common::StayAwake;
use jsonrpc_core::IoHandler;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};
use tokio::time::timeout;

use crate::hardening::limits;
use crate::questions::log_file::TransportLog;
use crate::{framing, spec, Limits};

/// How much we read from a socket at a time.
const CHUNK: usize = 16 * 1024;

/// How a server stops: once `shutdown` ends the accept loop, connections in flight get this long.
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
    let awake = StayAwake::new(limits.stay_awake); // after each reply (common::stay_awake)
    let mut connections = tokio::task::JoinSet::new();
    tokio::pin!(shutdown);
    loop {
        let (socket, peer) = tokio::select! {
            accepted = listener.accept() => match accepted {
                Ok(pair) => pair,
                Err(e) => { limits::accept_failed(e).await; continue }
            },
            () = &mut shutdown => break,
        };
        let (io, log, awake) = (Arc::clone(&io), log.clone(), awake.clone());
        connections.spawn(async move {
            match connection(socket, peer, &io, limits, log, awake).await {
                Ok(()) => tracing::debug!("{peer} done"),
                Err(e) => tracing::warn!("{peer}: {e}"),
            }
        });
        while connections.try_join_next().is_some() {} // forget the finished ones
    }
    drop(listener); // no new connections from here on
    let finish = async { while connections.join_next().await.is_some() {} };
    let _ = tokio::time::timeout(LINGER, finish).await;
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
    awake: StayAwake,
) -> io::Result<()> {
    let mut buf: Vec<u8> = Vec::new();
    loop {
        match framing::parse_first(&buf) {
            Ok(Some((end, request))) if end <= limits.max_request_bytes => {
                let text: Vec<u8> = buf.drain(..end).collect();
                TransportLog::request(&log, peer, &String::from_utf8_lossy(&text));
                // The handler gets the request already parsed (mended where jsonrpc-core reads
                // batches wrong: `spec`); `None` is a notification's answer: no reply at all.
                let response = match spec::to_request(request) {
                    Ok(request) => io.handle_rpc_request(request).await,
                    Err(parse_error) => Some(parse_error),
                };
                if let Some(response) = response {
                    let reply = serde_json::to_string(&response)?;
                    TransportLog::reply(&log, peer, &reply);
                    // The reply, with no delimiter; a client that does not read it is dropped.
                    let write = socket.write_all(reply.as_bytes());
                    timeout(limits.idle_timeout, write)
                        .await
                        .map_err(|_| limits::not_reading())??;
                    awake.touch();
                }
                continue; // the next request may be in `buf` already
            }
            Ok(_) if buf.len() <= limits.max_request_bytes => {} // not complete yet: read more
            // Not JSON, or too long: an error reply, and we hang up.
            broken => return limits::refuse(socket, peer, broken.is_err(), &limits).await,
        }
        // Read what the client sends next, straight into `buf` (up to CHUNK bytes at a time,
        // nothing zeroed first); one silent for the idle timeout is dropped.
        buf.reserve(CHUNK);
        let Ok(read) = timeout(limits.idle_timeout, socket.read_buf(&mut buf)).await else {
            tracing::info!("{peer} idle for {:?}; closing", limits.idle_timeout);
            return Ok(());
        };
        match read? {
            0 => {
                limits::hung_up(peer, &buf); // the client is done (or gave up mid-request)
                return Ok(());
            }
            n => tracing::trace!(bytes = n, "{peer} read"),
        }
    }
}
