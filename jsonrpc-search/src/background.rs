//! Not the lesson: the raw TCP server on a thread of its own, for the tests and the tour, built on
//! `common::ServerThread` so that stopping it is bounded.

use std::io;
use std::net::SocketAddr;
use std::sync::Arc;

use common::ServerThread;
use jsonrpc_core::IoHandler;

use crate::Limits;

/// A TCP server running in the background; dropping it stops it (without waiting for it).
#[derive(Debug)]
pub struct TcpServer {
    addr: SocketAddr,
    _thread: ServerThread<io::Result<()>>,
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
        let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
        let thread = ServerThread::spawn(format!("jsonrpc-tcp {addr}"), move |_flag| {
            let shutdown = async {
                let _ = stopped.await; // a dropped sender also means "stop"
            };
            runtime.block_on(crate::tcp::serve(
                listener,
                Arc::new(io),
                limits,
                None,
                shutdown,
            ))
        })
        .on_stop(move || {
            let _ = stop.send(());
        });
        Ok(TcpServer {
            addr,
            _thread: thread,
        })
    }

    /// The address clients connect to.
    pub fn addr(&self) -> SocketAddr {
        self.addr
    }
}
