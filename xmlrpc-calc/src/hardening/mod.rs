//! Everything the tutorial's "timeouts" and "security" discussion adds to the calculator, each
//! in a module named for the question it answers, wrapped around the lesson path
//! ([`crate::server`], [`crate::client`]):
//!
//! - [`timeouts`] — what if a client is slow, silent, or sends too much? (read timeouts, 408, 413);
//! - [`allowlist`] — who may call? (`--allow`, `--allow-file` re-read on SIGHUP, 403);
//! - [`tls`] — how do I keep the calls private? (HTTPS with rustls, a custom CA for the client);
//! - [`cpython_faults`] — why do both servers send the very same faults?
//! - [`client_errors`], [`transport`] — what went wrong, in the client's words? (and a call
//!   timeout, a custom CA).

pub mod allowlist;
pub mod client_errors;
pub mod cpython_faults;
pub mod timeouts;
pub mod tls;
pub mod transport;

use std::net::SocketAddr;
use std::path::PathBuf;
use std::sync::Arc;
use std::time::Duration;

use common::StayAwake;
use dxr_server::axum::Router;
use hyper::service::{service_fn, Service as _};
use hyper_util::rt::{TokioIo, TokioTimer};
use hyper_util::service::TowerToHyperService;
use ipnet::IpNet;
use tokio::net::TcpStream;
use tokio_rustls::rustls;

/// Everything `run` needs besides the listener: the hardening, all of it optional but the
/// limits (whose defaults are [`timeouts::READ_TIMEOUT`] and [`timeouts::MAX_BODY`]).
#[derive(Debug, Clone)]
pub struct ServerConfig {
    /// Header/body/handshake read timeout.
    pub read_timeout: Duration,
    /// Largest request body in bytes.
    pub max_body: usize,
    /// Client networks allowed in (`--allow`); with no `allow_file` either, everyone is.
    pub allow: Vec<IpNet>,
    /// A file of more networks, one CIDR a line, re-read on SIGHUP (`--allow-file`).
    pub allow_file: Option<PathBuf>,
    /// Serve HTTPS with this certificate when set.
    pub tls: Option<Arc<rustls::ServerConfig>>,
    /// How long the serving thread stays awake after a reply (`--stay-awake`; zero: off).
    /// Not hardening but speed: [`common::stay_awake`] says why.
    pub stay_awake: Duration,
}

impl Default for ServerConfig {
    fn default() -> Self {
        ServerConfig {
            read_timeout: timeouts::READ_TIMEOUT,
            max_body: timeouts::MAX_BODY,
            allow: Vec::new(),
            allow_file: None,
            tls: None,
            stay_awake: common::stay_awake::WINDOW,
        }
    }
}

impl ServerConfig {
    /// Is a client at `ip` allowed in by the `--allow` networks alone?
    pub fn allows(&self, ip: std::net::IpAddr) -> bool {
        self.allow.is_empty() || allowlist::contains(&self.allow, ip)
    }
}

/// The server's flags for all of the above (flattened into `xmlrpc-server`'s command line).
#[derive(Debug, clap::Args)]
pub struct HardeningArgs {
    /// Drop a client that sends no request headers (or body) within this time: 10, 2.5s, 500ms.
    #[arg(long, default_value = "10s", value_parser = common::parse_duration)]
    read_timeout: Duration,
    /// Largest request body in bytes; bigger requests get `413 Payload Too Large`.
    #[arg(long, default_value_t = timeouts::MAX_BODY)]
    max_body: usize,
    /// Only clients from this network may call (repeatable), e.g. 127.0.0.1/32, 10.0.0.0/8.
    /// Others get `403 Forbidden`. Default: everyone.
    #[arg(long = "allow", value_name = "CIDR")]
    allow: Vec<IpNet>,
    /// More networks, one CIDR a line (`#` comments), re-read on SIGHUP (`kill -HUP <pid>`).
    /// A file that does not exist yet allows nobody until it is written and SIGHUP sent.
    #[arg(long, value_name = "PATH")]
    allow_file: Option<PathBuf>,
    /// Serve HTTPS with this PEM certificate chain (needs --tls-key).
    #[arg(long, requires = "tls_key")]
    tls_cert: Option<PathBuf>,
    /// The PEM private key of --tls-cert.
    #[arg(long, requires = "tls_cert")]
    tls_key: Option<PathBuf>,
}

impl HardeningArgs {
    /// The configuration these flags ask for, checked now: the TLS certificate loads, the
    /// allow file parses (a bad one stops the server before it listens).
    pub fn into_config(self) -> anyhow::Result<ServerConfig> {
        let tls = match (&self.tls_cert, &self.tls_key) {
            (Some(cert), Some(key)) => Some(tls::load_tls(cert, key)?),
            _ => None,
        };
        // A file that exists must parse; one that does not is written later (allowlist.rs).
        if let Some(path) = self.allow_file.as_ref().filter(|p| p.exists()) {
            allowlist::read_file(path).map_err(|why| anyhow::anyhow!("--allow-file: {why}"))?;
        }
        Ok(ServerConfig {
            read_timeout: self.read_timeout,
            max_body: self.max_body,
            allow: self.allow,
            allow_file: self.allow_file,
            tls,
            stay_awake: common::stay_awake::WINDOW,
        })
    }
}

/// One client connection, on its own task: TLS if configured, then HTTP/1.1 with a header
/// read timeout ([`timeouts`]). After each reply the thread stays `awake` a moment, for the
/// client's next request ([`common::stay_awake`]).
pub async fn serve_connection(
    tcp: TcpStream,
    peer: SocketAddr,
    app: Router,
    config: Arc<ServerConfig>,
    awake: StayAwake,
) {
    // Replies leave at once (no Nagle wait for an ACK that delayed ACK holds back).
    let _ = tcp.set_nodelay(true);
    let mut http = hyper::server::conn::http1::Builder::new();
    http.timer(TokioTimer::new())
        .header_read_timeout(config.read_timeout);
    let app = TowerToHyperService::new(app);
    let service = service_fn(move |request| {
        let (reply, awake) = (app.call(request), awake.clone());
        async move {
            let reply = reply.await;
            awake.touch();
            reply
        }
    });
    let served = match &config.tls {
        None => http.serve_connection(TokioIo::new(tcp), service).await,
        Some(tls) => match tls::accept(tls, tcp, config.read_timeout).await {
            Some(stream) => http.serve_connection(TokioIo::new(stream), service).await,
            None => return,
        },
    };
    if let Err(error) = served {
        // Timeouts and clients hanging up land here; worth a line, not a crash.
        tracing::debug!(%peer, %error, "connection closed");
    }
}
