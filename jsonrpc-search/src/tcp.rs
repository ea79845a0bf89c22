//! JSON-RPC over raw TCP, the tutorial's way: a client connects, sends **one JSON request with no
//! delimiter**, reads the reply, and closes. The server reads until the bytes form a whole JSON
//! value ([`framing::find_end`]), hands that text to the `IoHandler`, and writes the reply at
//! once, also without a delimiter. A client may send further requests on the same connection;
//! each gets its reply in order.
//!
//! Bad input never stops the server. Each connection is its own task, and its worst outcomes
//! are an error reply and a closed socket:
//! - broken JSON, or something that is not an object/array → -32700 parse error, then we hang up
//!   (we cannot know where the garbage ends, so we cannot resynchronise);
//! - a request that grows past [`Limits::max_request_bytes`] (1 MiB) → -32600 invalid request,
//!   then we hang up;
//! - half a request and then silence → dropped after [`Limits::idle_timeout`] (30 s);
//! - a client that never reads its replies → dropped when a reply cannot be written within
//!   the same idle timeout;
//! - half a request and then a hang-up → logged and dropped.
//!
//! (`jsonrpc-tcp-server` offers the same framing as `Separator::Empty`, a brace counter, but it
//! binds its own socket and has no bound on the size of a request nor an idle timeout; the accept
//! loop below is short enough to show instead.)

use std::future::Future;
use std::io;
use std::net::SocketAddr;
use std::sync::Arc;
use std::thread;
use std::time::Duration;

use jsonrpc_core::futures::channel::oneshot;
use jsonrpc_core::futures::future;
use jsonrpc_core::{Error, ErrorCode, IoHandler, Response, Version};
// tokio as re-exported by jsonrpc-http-server, so both transports run on one tokio version.
use jsonrpc_http_server::tokio;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};

use crate::framing::{self, Frame};
use crate::Limits;

/// How much we read from a socket at a time.
const CHUNK: usize = 16 * 1024;

/// Accepts connections on `listener` (already bound) until `shutdown` completes; each connection
/// is served by its own task. Must run inside a tokio runtime.
pub async fn serve(
    listener: std::net::TcpListener,
    io: Arc<IoHandler>,
    limits: Limits,
    shutdown: impl Future<Output = ()>,
) -> io::Result<()> {
    listener.set_nonblocking(true)?;
    let listener = TcpListener::from_std(listener)?;
    let accept_loop = async {
        loop {
            match listener.accept().await {
                Ok((socket, peer)) => {
                    tracing::debug!("{peer} connected");
                    let io = Arc::clone(&io);
                    tokio::spawn(async move {
                        match connection(socket, peer, &io, limits).await {
                            Ok(()) => tracing::debug!("{peer} done"),
                            Err(e) => tracing::warn!("{peer}: {e}"),
                        }
                    });
                }
                // E.g. too many open files: wait a little instead of spinning, and go on.
                Err(e) => {
                    tracing::warn!("accept failed: {e}");
                    tokio::time::sleep(Duration::from_millis(100)).await;
                }
            }
        }
    };
    let accept_loop: std::pin::Pin<Box<dyn Future<Output = ()> + Send + '_>> =
        Box::pin(accept_loop);
    future::select(accept_loop, Box::pin(shutdown)).await;
    Ok(())
}

/// Serves one client: read, answer every complete request, repeat.
async fn connection(
    mut socket: TcpStream,
    peer: SocketAddr,
    io: &IoHandler,
    limits: Limits,
) -> io::Result<()> {
    let Limits {
        max_request_bytes,
        idle_timeout,
    } = limits;
    let mut buf: Vec<u8> = Vec::new();
    let mut chunk = vec![0u8; CHUNK];
    loop {
        // Answer every complete request already received, in order.
        loop {
            match framing::find_end(&buf) {
                Frame::Complete(end) if end > max_request_bytes => break,
                Frame::Complete(end) => {
                    let request: Vec<u8> = buf.drain(..end).collect();
                    // Complete JSON is valid UTF-8 (the parser checked), so nothing is lost here.
                    let request = String::from_utf8_lossy(&request);
                    tracing::debug!("{peer} --> {}", request.trim());
                    // `None` for a notification (a request without an id): no reply at all.
                    if let Some(reply) = io.handle_request(&crate::spec::mend(&request)).await {
                        tracing::debug!("{peer} <-- {reply}");
                        send(&mut socket, &reply, idle_timeout).await?;
                    }
                }
                Frame::Invalid => {
                    tracing::warn!(
                        "{peer} sent something that is not JSON; answering -32700 and closing"
                    );
                    return refuse(socket, Error::parse_error(), idle_timeout).await;
                }
                Frame::Incomplete => break,
            }
        }
        // Reached with an unfinished request, or with a finished one that is too large.
        if buf.len() > max_request_bytes {
            tracing::warn!("{peer} sent a request over {max_request_bytes} bytes; closing");
            let mut error = Error::new(ErrorCode::InvalidRequest);
            error.message = format!("Request larger than {max_request_bytes} bytes");
            return refuse(socket, error, idle_timeout).await;
        }
        let read = tokio::time::timeout(idle_timeout, socket.read(&mut chunk)).await;
        let n = match read {
            Ok(n) => n?,
            Err(_elapsed) => {
                tracing::info!("{peer} idle for {idle_timeout:?}; closing");
                return Ok(());
            }
        };
        if n == 0 {
            if buf.iter().any(|b| !b.is_ascii_whitespace()) {
                tracing::warn!(
                    "{peer} hung up in the middle of a request ({} bytes dropped)",
                    buf.len()
                );
            }
            return Ok(());
        }
        buf.extend_from_slice(&chunk[..n]);
    }
}

/// Writes a reply, giving up after `idle_timeout` if the client does not read.
async fn send(socket: &mut TcpStream, reply: &str, idle_timeout: Duration) -> io::Result<()> {
    match tokio::time::timeout(idle_timeout, socket.write_all(reply.as_bytes())).await {
        Ok(written) => written,
        Err(_elapsed) => Err(io::Error::new(
            io::ErrorKind::TimedOut,
            "the client does not read its replies",
        )),
    }
}

/// Sends one error reply (with `"id": null`, as the spec wants when the id is unknown) and closes
/// the connection politely: we stop writing, then discard what the client still sends for a
/// moment, so that closing does not reset the connection before the client has read our reply.
async fn refuse(mut socket: TcpStream, error: Error, idle_timeout: Duration) -> io::Result<()> {
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

/// A TCP server running on a thread of its own (for tests and the tour); dropping it stops it.
pub struct TcpServer {
    addr: SocketAddr,
    stop: Option<oneshot::Sender<()>>,
    thread: Option<thread::JoinHandle<io::Result<()>>>,
}

impl TcpServer {
    /// Serves `io` on `listener` (bind it to `127.0.0.1:0` for an ephemeral port).
    pub fn spawn(listener: std::net::TcpListener, io: IoHandler) -> io::Result<TcpServer> {
        TcpServer::spawn_with(listener, io, Limits::default())
    }

    /// [`TcpServer::spawn`] with other bounds.
    pub fn spawn_with(
        listener: std::net::TcpListener,
        io: IoHandler,
        limits: Limits,
    ) -> io::Result<TcpServer> {
        let addr = listener.local_addr()?;
        let runtime = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()?;
        let (stop, stopped) = oneshot::channel::<()>();
        let thread = thread::Builder::new()
            .name(format!("jsonrpc-tcp {addr}"))
            .spawn(move || {
                let shutdown = async {
                    let _ = stopped.await; // a dropped sender also means "stop"
                };
                runtime.block_on(serve(listener, Arc::new(io), limits, shutdown))
            })?;
        Ok(TcpServer {
            addr,
            stop: Some(stop),
            thread: Some(thread),
        })
    }

    /// The address clients connect to.
    pub fn addr(&self) -> SocketAddr {
        self.addr
    }
}

impl Drop for TcpServer {
    fn drop(&mut self) {
        if let Some(stop) = self.stop.take() {
            let _ = stop.send(());
        }
        if let Some(thread) = self.thread.take() {
            match thread.join() {
                Ok(Err(e)) => tracing::warn!("TCP server on {} failed: {e}", self.addr),
                Err(_) => tracing::warn!("TCP server thread on {} panicked", self.addr),
                Ok(Ok(())) => {}
            }
        }
    }
}
