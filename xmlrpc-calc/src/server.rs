//! The server: accept TCP connections, speak HTTP/1.1 on each (one tokio task per connection,
//! so slow calls do not hold up anyone else), and answer every `POST` with XML-RPC — parse the
//! `<methodCall>`, call the method it names, send back a `<methodResponse>` or a `<fault>`.
//!
//! The accept loop is ours (tokio + hyper) rather than a framework default, so the tutorial's
//! timeouts and security answers are visible calls into [`crate::hardening`]: the allowlist,
//! TLS, the header read timeout, the body limits.
//!
//! How a server stops: Ctrl-C stops the accept loop; calls in flight get [`LINGER`] to finish
//! and send their reply, then the remaining connections are closed and `run` returns.

use std::future::Future;
use std::sync::Arc;
use std::time::Duration;

use dxr::{FaultResponse, MethodResponse, Value};
use dxr_server::axum::body::Bytes;
use dxr_server::axum::extract::{DefaultBodyLimit, State};
use dxr_server::axum::http::{header, HeaderMap, StatusCode};
use dxr_server::axum::response::{IntoResponse, Response};
use dxr_server::axum::routing::post;
use dxr_server::axum::{middleware, Router};
use dxr_server::HandlerResult;
use tokio::net::TcpListener;

use crate::calc::{CalcError, Methods};
use crate::hardening::allowlist::{self, Allowlist};
use crate::hardening::timeouts::{self, BodyLimits};
use crate::hardening::{self, cpython_faults, ServerConfig};

/// The tutorial's address, on loopback (use `--listen 0.0.0.0:8000` to share it in a classroom).
pub const DEFAULT_LISTEN: &str = "127.0.0.1:8000";
/// How long calls in flight may take to finish once the server is told to stop.
pub const LINGER: Duration = Duration::from_millis(500);

/// One XML-RPC request, the lesson in four steps: parse the `<methodCall>` (once), look the
/// method up, call it, respond with a `<methodResponse>` or a `<fault>`.
async fn xmlrpc(State(methods): State<Arc<Methods>>, headers: HeaderMap, body: Bytes) -> Response {
    let result = match cpython_faults::parse(&body) {
        Ok(call) if call.name == "system.multicall" => {
            multicall(&methods, &call.params, headers).await
        }
        Ok(call) => call_method(&methods, &call.name, &call.params, headers).await,
        Err(fault) => Err(fault),
    };
    let xml = match result {
        Ok(value) => MethodResponse { value }.to_xml(),
        Err(fault) => FaultResponse { fault }.to_xml(),
    };
    match xml {
        Ok(xml) => ([(header::CONTENT_TYPE, "text/xml")], xml).into_response(),
        Err(error) => (StatusCode::INTERNAL_SERVER_ERROR, error.to_string()).into_response(),
    }
}

/// Looks `name` up among `methods` and calls it; CPython's fault for a method that is not there.
async fn call_method(
    methods: &Methods,
    name: &str,
    params: &[Value],
    headers: HeaderMap,
) -> HandlerResult {
    match methods.get(name) {
        Some(method) => method.handle(params, headers).await,
        None if name == "system.listMethods" => cpython_faults::list_methods(methods, params),
        None => {
            tracing::info!(method = %name, "unknown method");
            Err(CalcError::UnknownMethod(name.to_string()).into())
        }
    }
}

/// `system.multicall`: several calls in one request, each looked up and called in turn.
async fn multicall(methods: &Methods, params: &[Value], headers: HeaderMap) -> HandlerResult {
    let mut results = Vec::new();
    for entry in cpython_faults::multicall_entries(params)? {
        results.push(match entry {
            Ok((name, params)) => call_method(methods, &name, &params, headers.clone()).await,
            Err(fault) => Err(fault),
        });
    }
    cpython_faults::multicall_response(results)
}

/// The calculator of `/` and `/RPC2`: the four methods, and `sleep` (the slow call).
fn calculator(config: &ServerConfig) -> Methods {
    let mut methods = crate::calc::calculator(config.max_body);
    methods.insert("sleep", Box::new(crate::questions::concurrency::Sleep));
    methods
}

/// The routes: the calculator at `/` and `/RPC2` (Python's default paths), `hello` at `/api`
/// ([`crate::questions::web_framework`]), every body through [`timeouts::read_body`].
pub fn app(config: &ServerConfig) -> Router {
    let endpoint = |methods| post(xmlrpc).with_state(Arc::new(methods));
    let limits = BodyLimits {
        read_timeout: config.read_timeout,
        max_body: config.max_body,
    };
    Router::new()
        .route("/", endpoint(calculator(config)))
        .route("/RPC2", endpoint(calculator(config)))
        .route("/api", endpoint(crate::questions::web_framework::api()))
        // Our middleware enforces the limit; lift axum's own 2 MB default so ours is the one.
        .layer(DefaultBodyLimit::disable())
        .layer(middleware::from_fn_with_state(limits, timeouts::read_body))
}

/// Serves XML-RPC on an already-bound `listener` until `shutdown` completes.
pub async fn run(
    listener: TcpListener,
    config: ServerConfig,
    shutdown: impl Future<Output = ()>,
) -> std::io::Result<()> {
    let allowlist = Allowlist::load(&config.allow, config.allow_file.as_deref())
        .map_err(|why| std::io::Error::new(std::io::ErrorKind::InvalidData, why))?;
    allowlist.reload_on_sighup()?;
    let (app, config) = (app(&config), Arc::new(config));
    let awake = common::StayAwake::new(config.stay_awake);
    let mut connections = tokio::task::JoinSet::new();
    tokio::pin!(shutdown);
    loop {
        let (tcp, peer) = tokio::select! {
            accepted = listener.accept() => match accepted {
                Ok(pair) => pair,
                Err(error) => {
                    // e.g. too many open files: wait a moment rather than spin or die.
                    tracing::warn!(%error, "accept failed");
                    tokio::time::sleep(Duration::from_millis(100)).await;
                    continue;
                }
            },
            () = &mut shutdown => break,
        };
        let app = match allowlist.allows(peer.ip()) {
            true => app.clone(),
            false => allowlist::forbidden(peer),
        };
        let (config, awake) = (config.clone(), awake.clone());
        connections.spawn(hardening::serve_connection(tcp, peer, app, config, awake));
        while connections.try_join_next().is_some() {} // forget the finished ones
    }
    tracing::info!(in_flight = connections.len(), "stopping");
    drop(listener); // no new connections from here on
    let _ = tokio::time::timeout(LINGER, async {
        while connections.join_next().await.is_some() {}
    })
    .await;
    connections.shutdown().await; // whatever is left: closed
    Ok(())
}
