//! The HTTP side of the server: our own accept loop, so that every lesson of the tutorial's
//! "timeouts" and "security" discussion is a few visible lines instead of a framework default.
//!
//! For each accepted TCP connection:
//! 1. **allowlist** — the peer's IP is checked against `--allow` networks; a stranger gets
//!    `403 Forbidden` before any XML is parsed;
//! 2. **TLS** (optional) — the handshake must finish within the read timeout;
//! 3. **HTTP/1.1** via hyper, with a *header read timeout*: a client that connects and sends
//!    nothing (or goes quiet between keep-alive requests) is disconnected;
//! 4. **body limits** — the body must arrive within the read timeout (else `408`) and be at most
//!    `max_body` bytes (else `413`), then the XML-RPC router from [`crate::calc`] answers.
//!
//! Each connection runs in its own tokio task, so slow calls do not hold up anyone else.

use std::future::Future;
use std::net::{IpAddr, SocketAddr};
use std::path::Path;
use std::sync::Arc;
use std::time::Duration;

use dxr_server::axum::body::{to_bytes, Body};
use dxr_server::axum::extract::{DefaultBodyLimit, Request, State};
use dxr_server::axum::http::{header, HeaderValue, StatusCode};
use dxr_server::axum::middleware::{self, Next};
use dxr_server::axum::response::{IntoResponse, Response};
use dxr_server::axum::Router;
use hyper::server::conn::http1;
use hyper_util::rt::{TokioIo, TokioTimer};
use hyper_util::service::TowerToHyperService;
use ipnet::IpNet;
use tokio::io::{AsyncRead, AsyncWrite};
use tokio::net::{TcpListener, TcpStream};
use tokio_rustls::rustls;
use tokio_rustls::TlsAcceptor;

/// The tutorial's address, on loopback (use `--listen 0.0.0.0:8000` to share it in a classroom).
pub const DEFAULT_LISTEN: &str = "127.0.0.1:8000";

/// How many connections the kernel may queue before we accept them. The standard library (and
/// tokio's `TcpListener::bind`) ask for 128: a burst of 500 clients at once — the tutorial's
/// async-server experiment — overflows that, and the dropped handshakes are retried after 1 s.
pub const LISTEN_BACKLOG: u32 = 1024;

/// Listens on `addr` (`host:port`, `localhost` allowed) with [`LISTEN_BACKLOG`].
pub async fn listen(addr: &str) -> std::io::Result<TcpListener> {
    let mut last_error = None;
    for address in tokio::net::lookup_host(addr).await? {
        let socket = match address {
            SocketAddr::V4(_) => tokio::net::TcpSocket::new_v4()?,
            SocketAddr::V6(_) => tokio::net::TcpSocket::new_v6()?,
        };
        socket.set_reuseaddr(true)?;
        match socket.bind(address) {
            Ok(()) => return socket.listen(LISTEN_BACKLOG),
            Err(error) => last_error = Some(error),
        }
    }
    Err(last_error.unwrap_or_else(|| {
        std::io::Error::new(
            std::io::ErrorKind::NotFound,
            format!("{addr} resolves to no address"),
        )
    }))
}
/// How long a client may take to send its request headers, or its body, or a TLS handshake.
pub const READ_TIMEOUT: Duration = Duration::from_secs(10);
/// The largest request body accepted (a multicall of thousands of calls still fits).
pub const MAX_BODY: usize = 1024 * 1024;

/// Everything `run` needs besides the listener.
#[derive(Debug, Clone)]
pub struct ServerConfig {
    /// Header/body/handshake read timeout.
    pub read_timeout: Duration,
    /// Largest request body in bytes.
    pub max_body: usize,
    /// Client networks allowed in; empty means everyone.
    pub allow: Vec<IpNet>,
    /// Serve HTTPS with this certificate when set.
    pub tls: Option<Arc<rustls::ServerConfig>>,
}

impl Default for ServerConfig {
    fn default() -> Self {
        ServerConfig {
            read_timeout: READ_TIMEOUT,
            max_body: MAX_BODY,
            allow: Vec::new(),
            tls: None,
        }
    }
}

impl ServerConfig {
    /// Is a client at `ip` allowed in? (An IPv4 client on an IPv6 socket shows up as
    /// `::ffff:a.b.c.d`; we compare its IPv4 form.)
    pub fn allows(&self, ip: IpAddr) -> bool {
        let ip = match ip {
            IpAddr::V6(v6) => v6.to_ipv4_mapped().map_or(ip, IpAddr::V4),
            v4 => v4,
        };
        self.allow.is_empty() || self.allow.iter().any(|net| net.contains(&ip))
    }
}

/// Why the server could not start.
#[derive(Debug, thiserror::Error)]
pub enum ServerError {
    #[error("cannot read {path}: {why}")]
    Pem {
        path: String,
        why: rustls::pki_types::pem::Error,
    },
    #[error("{0} holds no certificate")]
    NoCertificate(String),
    #[error("bad certificate or key: {0}")]
    Tls(#[from] rustls::Error),
}

/// Loads a PEM certificate chain and its private key into a rustls server configuration.
pub fn load_tls(cert: &Path, key: &Path) -> Result<Arc<rustls::ServerConfig>, ServerError> {
    use rustls::pki_types::pem::PemObject;
    use rustls::pki_types::{CertificateDer, PrivateKeyDer};
    let pem_error = |path: &Path| {
        let path = path.display().to_string();
        move |why| ServerError::Pem { path, why }
    };
    let chain = CertificateDer::pem_file_iter(cert)
        .and_then(|certs| certs.collect::<Result<Vec<_>, _>>())
        .map_err(pem_error(cert))?;
    if chain.is_empty() {
        return Err(ServerError::NoCertificate(cert.display().to_string()));
    }
    let key = PrivateKeyDer::from_pem_file(key).map_err(pem_error(key))?;
    // Name the crypto provider explicitly (ring) rather than rely on a process-wide default.
    let provider = Arc::new(rustls::crypto::ring::default_provider());
    let config = rustls::ServerConfig::builder_with_provider(provider)
        .with_safe_default_protocol_versions()?
        .with_no_client_auth()
        .with_single_cert(chain, key)?;
    Ok(Arc::new(config))
}

/// The limits every request goes through before it reaches the XML-RPC router.
#[derive(Debug, Clone, Copy)]
struct BodyLimits {
    read_timeout: Duration,
    max_body: usize,
}

/// Middleware: read the whole body within the read timeout and the size limit, answering
/// `408` or `413` in plain words otherwise. `dxr_server` insists on a `Content-Length` header
/// (XML-RPC requires one), so we set it from what we actually read.
async fn read_body(State(limits): State<BodyLimits>, request: Request, next: Next) -> Response {
    let too_large = || {
        let text = format!(
            "413 Payload Too Large: the limit is {} bytes\n",
            limits.max_body
        );
        (StatusCode::PAYLOAD_TOO_LARGE, text).into_response()
    };
    let (mut parts, body) = request.into_parts();
    // An announced size over the limit is refused before reading a byte of it.
    let announced = parts
        .headers
        .get(header::CONTENT_LENGTH)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.parse::<usize>().ok());
    if announced.is_some_and(|len| len > limits.max_body) {
        tracing::warn!(?announced, "request body too large");
        return too_large();
    }
    let reading = tokio::time::timeout(limits.read_timeout, to_bytes(body, limits.max_body));
    let bytes = match reading.await {
        Ok(Ok(bytes)) => bytes,
        // Without Content-Length (chunked), the limit trips while reading.
        Ok(Err(error)) if announced.is_none() => {
            tracing::warn!(%error, "request body refused");
            return too_large();
        }
        Ok(Err(error)) => {
            tracing::info!(%error, "request body broke off");
            return (
                StatusCode::BAD_REQUEST,
                format!("400 Bad Request: {error}\n"),
            )
                .into_response();
        }
        Err(_) => {
            let text = format!(
                "408 Request Timeout: the body did not arrive within {}\n",
                common::endpoints::human(limits.read_timeout)
            );
            return (StatusCode::REQUEST_TIMEOUT, text).into_response();
        }
    };
    tracing::debug!(path = %parts.uri.path(), bytes = bytes.len(), "XML-RPC request");
    if let Some(fault) = refuse_early(parts.uri.path(), &bytes) {
        return fault;
    }
    parts
        .headers
        .insert(header::CONTENT_LENGTH, HeaderValue::from(bytes.len()));
    next.run(Request::from_parts(parts, Body::from(bytes)))
        .await
}

/// How much of a malformed request its fault quotes.
const QUOTED_CHARS: usize = 60;

/// The faults `dxr_server` would word differently from CPython, answered here before it sees
/// the request (`None`: pass the request on). Both are fault code 1, like every CPython fault:
///
/// - a body that is not an XML-RPC `<methodCall>`: `dxr_server`'s fault string was the whole
///   body, twice prefixed (`Failed to parse XML data: Failed to parse XML data: <body>`), so a
///   1 MB request of junk got a 1 MB fault back. Ours says what is wrong in one line and quotes
///   the first [`QUOTED_CHARS`] characters, so the sender can recognise what it sent;
/// - a method this path does not serve: CPython's exact words, `<class 'Exception'>:method
///   "power" is not supported` (`dxr_server` says `404 Unknown method.`).
fn refuse_early(path: &str, body: &[u8]) -> Option<Response> {
    let text = match std::str::from_utf8(body) {
        Err(error) => {
            return Some(fault(format!(
                "malformed XML-RPC request: the body is not UTF-8 ({error})"
            )))
        }
        Ok(text) => text,
    };
    let call = match dxr::MethodCall::from_xml(text) {
        Ok(call) => call,
        Err(_) => {
            let text = text.trim();
            let mut quoted: String = text.chars().take(QUOTED_CHARS).collect();
            if quoted.len() < text.len() {
                quoted.push('…');
            }
            tracing::info!(%quoted, "malformed XML-RPC request");
            return Some(fault(format!(
                "malformed XML-RPC request: not a well-formed <methodCall> document: {quoted:?}"
            )));
        }
    };
    match crate::calc::serves(path, &call.name) {
        Some(false) => {
            tracing::info!(method = %call.name, path, "unknown method");
            Some(fault(
                crate::calc::CalcError::UnknownMethod(call.name.to_string()).to_string(),
            ))
        }
        // Served, or a path without an endpoint (axum answers 404 Not Found).
        _ => None,
    }
}

/// An XML-RPC `<fault>` reply with CPython's fault code 1, in an HTTP 200 response.
fn fault(text: String) -> Response {
    let fault = dxr::Fault::new(crate::calc::FAULT_METHOD, text);
    match (dxr::FaultResponse { fault }).to_xml() {
        Ok(xml) => ([(header::CONTENT_TYPE, "text/xml")], xml).into_response(),
        Err(error) => (StatusCode::INTERNAL_SERVER_ERROR, error.to_string()).into_response(),
    }
}

/// The complete axum application: XML-RPC routes plus the body limits.
pub fn app(config: &ServerConfig) -> Router {
    let limits = BodyLimits {
        read_timeout: config.read_timeout,
        max_body: config.max_body,
    };
    crate::calc::routes()
        // Our middleware enforces the limit; lift axum's own 2 MB default so ours is the one.
        .layer(DefaultBodyLimit::disable())
        .layer(middleware::from_fn_with_state(limits, read_body))
}

/// Serves XML-RPC on an already-bound `listener` until `shutdown` completes.
/// Connections still open at shutdown are abandoned with the runtime.
pub async fn run(
    listener: TcpListener,
    config: ServerConfig,
    shutdown: impl Future<Output = ()>,
) -> std::io::Result<()> {
    let app = app(&config);
    let config = Arc::new(config);
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
        tokio::spawn(connection(tcp, peer, app.clone(), config.clone()));
    }
    tracing::info!("shutting down");
    Ok(())
}

/// One client connection, from TCP to HTTP.
async fn connection(tcp: TcpStream, peer: SocketAddr, app: Router, config: Arc<ServerConfig>) {
    let allowed = config.allows(peer.ip());
    if !allowed {
        tracing::warn!(%peer, "client not in --allow list: answering 403");
    }
    match &config.tls {
        None => http(tcp, peer, allowed, app, config.read_timeout).await,
        Some(tls) => {
            let handshake = TlsAcceptor::from(tls.clone()).accept(tcp);
            match tokio::time::timeout(config.read_timeout, handshake).await {
                Ok(Ok(stream)) => http(stream, peer, allowed, app, config.read_timeout).await,
                Ok(Err(error)) => tracing::info!(%peer, %error, "TLS handshake failed"),
                Err(_) => tracing::info!(%peer, "TLS handshake timed out"),
            }
        }
    }
}

/// HTTP/1.1 on a connected (plain or TLS) stream.
async fn http<S>(stream: S, peer: SocketAddr, allowed: bool, app: Router, read_timeout: Duration)
where
    S: AsyncRead + AsyncWrite + Unpin + Send + 'static,
{
    let mut builder = http1::Builder::new();
    builder
        .timer(TokioTimer::new())
        .header_read_timeout(read_timeout);
    let io = TokioIo::new(stream);
    let served = if allowed {
        builder
            .serve_connection(io, TowerToHyperService::new(app))
            .await
    } else {
        let forbidden = hyper::service::service_fn(move |_request| async move {
            let text = format!(
                "403 Forbidden: {} is not in this server's --allow list\n",
                peer.ip()
            );
            Ok::<_, std::convert::Infallible>((StatusCode::FORBIDDEN, text).into_response())
        });
        builder.serve_connection(io, forbidden).await
    };
    if let Err(error) = served {
        // Timeouts and clients hanging up land here; worth a line, not a crash.
        tracing::debug!(%peer, %error, "connection closed");
    }
}

/// A server on its own thread and tokio runtime, for callers that are not async themselves
/// (the integration tests, the tour). Stops when dropped.
#[derive(Debug)]
pub struct Background {
    addr: SocketAddr,
    stop: Option<tokio::sync::oneshot::Sender<()>>,
    thread: Option<std::thread::JoinHandle<std::io::Result<()>>>,
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
        let thread = std::thread::Builder::new()
            .name(format!("xmlrpc-server {addr}"))
            .spawn(move || {
                runtime.block_on(async move {
                    let listener = TcpListener::from_std(listener)?;
                    run(listener, config, async {
                        let _ = stopped.await;
                    })
                    .await
                })
            })?;
        Ok(Background {
            addr,
            stop: Some(stop),
            thread: Some(thread),
        })
    }

    /// The address it listens on.
    pub fn addr(&self) -> SocketAddr {
        self.addr
    }

    /// `http://127.0.0.1:<port>/` (add a path such as `api` with `url("api")`).
    pub fn url(&self, path: &str) -> String {
        format!("http://{}/{path}", self.addr)
    }
}

impl Drop for Background {
    fn drop(&mut self) {
        if let Some(stop) = self.stop.take() {
            let _ = stop.send(());
        }
        if let Some(thread) = self.thread.take() {
            // Dropping the runtime at the end of the thread cancels open connections.
            let _ = thread.join();
        }
    }
}
