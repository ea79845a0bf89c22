//! Not the lesson: a server on its own thread and tokio runtime, for callers that are not async
//! themselves (the integration tests, the tour, the bench), built on
//! `common::ServerThread` so that stopping it is bounded.

use std::net::SocketAddr;

use common::ServerThread;

use crate::ServerConfig;

/// A server running in the background; dropping it stops it (without waiting), [`stop`]
/// waits (bounded) and returns how `run` ended.
///
/// [`stop`]: Background::stop
#[derive(Debug)]
pub struct Background {
    addr: SocketAddr,
    thread: ServerThread<std::io::Result<()>>,
}

impl Background {
    /// Serves on `listener` (already bound, e.g. to `127.0.0.1:0`) in the background.
    pub fn start(
        listener: std::net::TcpListener,
        config: ServerConfig,
    ) -> std::io::Result<Background> {
        let addr = listener.local_addr()?;
        listener.set_nonblocking(true)?;
        let runtime = tokio::runtime::Builder::new_multi_thread()
            .worker_threads(2)
            .enable_all()
            .build()?;
        let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
        let thread = ServerThread::spawn(format!("xmlrpc-server {addr}"), move |_flag| {
            runtime.block_on(async move {
                let listener = tokio::net::TcpListener::from_std(listener)?;
                let shutdown = async {
                    let _ = stopped.await;
                };
                crate::server::run(listener, config, shutdown).await
            })
        })
        .on_stop(move || {
            let _ = stop.send(());
        });
        Ok(Background { addr, thread })
    }

    /// The address it listens on.
    pub fn addr(&self) -> SocketAddr {
        self.addr
    }

    /// `http://127.0.0.1:<port>/` (add a path such as `api` with `url("api")`).
    pub fn url(&self, path: &str) -> String {
        format!("http://{}/{path}", self.addr)
    }

    /// Stops the server (bounded by `common::STOP_WITHIN`) and returns how it ended.
    pub fn stop(self) -> std::io::Result<()> {
        self.thread.stop()
    }
}
