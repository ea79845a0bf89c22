//! Talking to etcd from a blocking program: the etcd client is async (tokio, gRPC), our ZeroMQ
//! loops are not. So a [`Registry`] owns a one-thread tokio runtime that runs the etcd work in
//! the background; the blocking side calls into it with `block_on` (a registration, the first
//! read) and hears back through a channel (the watch's changes).
//!
//! Every call has a deadline ([`REQUEST_TIMEOUT`]): with no etcd, gRPC would otherwise wait for
//! a connection forever. The error then names the endpoints and the flag that sets them.

use std::future::Future;
use std::time::Duration;

use etcd_client::{Client, ConnectOptions};

/// How long one etcd call (connect included) may take before we say etcd is unreachable.
pub const REQUEST_TIMEOUT: Duration = Duration::from_secs(2);
/// HTTP/2 pings on the connection: a member that vanished without closing its socket (a
/// cable pulled) is noticed within this interval plus [`KEEPALIVE_TIMEOUT`], and its watch or
/// keep-alive is made again. Not more often: etcd closes a connection that pings more than
/// every 5 s (its `--grpc-keepalive-min-time`), which breaks every watch on it. A member that
/// dies (`kill -9`, a crash) closes its sockets, and that is noticed at once.
const KEEPALIVE_INTERVAL: Duration = Duration::from_secs(10);
const KEEPALIVE_TIMEOUT: Duration = Duration::from_secs(5);

/// What can go wrong with the registry, in words for the person at the terminal.
#[derive(Debug, thiserror::Error)]
pub enum RegistryError {
    #[error("cannot reach etcd at {endpoints} ({what}: {why}) — is etcd running there? (set --registry or ETCD_ENDPOINTS)")]
    Unreachable {
        endpoints: String,
        what: &'static str,
        why: String,
    },
    #[error("the name {name} is already registered by a live server at {endpoint} (key {key}) — pick another --name, or stop that server")]
    NameTaken {
        name: String,
        endpoint: String,
        key: String,
    },
    #[error("cannot start the etcd client's runtime: {0}")]
    Runtime(#[from] std::io::Error),
}

/// The etcd endpoints and the background runtime that talks to them.
pub struct Registry {
    pub(crate) endpoints: Vec<String>,
    pub(crate) runtime: tokio::runtime::Runtime,
}

impl Registry {
    /// A registry client for `endpoints` (`http://host:2379`, several for a cluster). Nothing
    /// is contacted yet: [`Registry::register`](crate::discovery::register) and
    /// [`Registry::watch`](crate::discovery::watch) do that, with a deadline.
    pub fn new(endpoints: Vec<String>) -> Result<Registry, RegistryError> {
        let runtime = tokio::runtime::Builder::new_multi_thread()
            .worker_threads(1)
            .thread_name("etcd")
            .enable_all()
            .build()?;
        Ok(Registry { endpoints, runtime })
    }

    /// The endpoints as the flag takes them: `http://a:2379,http://b:2379`.
    pub fn endpoints(&self) -> String {
        self.endpoints.join(",")
    }

    pub(crate) fn handle(&self) -> tokio::runtime::Handle {
        self.runtime.handle().clone()
    }
}

/// A connected etcd client (async; used on the registry's runtime), over the members that
/// accept a connection now.
///
/// Why not simply all of them? The client spreads calls over its endpoints, and a call that
/// lands on a member that is down fails ("connection refused") although the others would have
/// served it. So each endpoint is tried first (all at once, [`PROBE_TIMEOUT`] each) and the
/// dead ones are left out; when one dies later, the watch or keep-alive that used it breaks
/// and is made again through here.
pub(crate) async fn connect(endpoints: &[String]) -> Result<Client, RegistryError> {
    let probes: Vec<_> = endpoints
        .iter()
        .cloned()
        .map(|url| tokio::spawn(async move { accepts(&url).await.then_some(url) }))
        .collect();
    let mut alive = Vec::new();
    for probe in probes {
        if let Ok(Some(url)) = probe.await {
            alive.push(url);
        }
    }
    if alive.is_empty() {
        return Err(RegistryError::Unreachable {
            endpoints: endpoints.join(","),
            what: "connect",
            why: "nothing accepts connections there".to_string(),
        });
    }
    let options = ConnectOptions::new()
        .with_connect_timeout(REQUEST_TIMEOUT)
        .with_keep_alive(KEEPALIVE_INTERVAL, KEEPALIVE_TIMEOUT)
        .with_keep_alive_while_idle(true);
    within(endpoints, "connect", Client::connect(alive, Some(options))).await
}

/// How long [`connect`] waits for one member to accept a TCP connection.
const PROBE_TIMEOUT: Duration = Duration::from_millis(500);

/// Whether `url` (`http://host:port`) accepts a TCP connection within [`PROBE_TIMEOUT`].
async fn accepts(url: &str) -> bool {
    let rest = url.split_once("://").map_or(url, |(_, rest)| rest);
    let authority = rest.split('/').next().unwrap_or(rest).to_string();
    let connect = tokio::net::TcpStream::connect(authority);
    matches!(
        tokio::time::timeout(PROBE_TIMEOUT, connect).await,
        Ok(Ok(_))
    )
}

/// Runs one etcd call with the [`REQUEST_TIMEOUT`] deadline; `what` names it in the error.
pub(crate) async fn within<T>(
    endpoints: &[String],
    what: &'static str,
    call: impl Future<Output = Result<T, etcd_client::Error>>,
) -> Result<T, RegistryError> {
    let unreachable = |why: String| RegistryError::Unreachable {
        endpoints: endpoints.join(","),
        what,
        why,
    };
    match tokio::time::timeout(REQUEST_TIMEOUT, call).await {
        Ok(Ok(value)) => Ok(value),
        Ok(Err(e)) => Err(unreachable(root_cause(&e))),
        Err(_) => Err(unreachable(format!(
            "no answer within {}",
            common::endpoints::human(REQUEST_TIMEOUT)
        ))),
    }
}

impl RegistryError {
    /// True when etcd did not answer in time (rather than refusing the connection).
    fn timed_out(&self) -> bool {
        matches!(self, RegistryError::Unreachable { why, .. } if why.starts_with("no answer"))
    }
}

/// Runs `op` and, if etcd did not answer in time, once more. Why: a cluster that just lost its
/// leader elects another within about a second, and a request made meanwhile can be dropped
/// without an answer; the next one is served. A refused connection is not retried: with no
/// etcd at all, the error comes at once.
pub(crate) async fn retry_once<T, F, Fut>(mut op: F) -> Result<T, RegistryError>
where
    F: FnMut() -> Fut,
    Fut: Future<Output = Result<T, RegistryError>>,
{
    match op().await {
        Err(e) if e.timed_out() => {
            tracing::debug!(error = %e, "etcd did not answer; trying once more");
            op().await
        }
        other => other,
    }
}

/// The innermost cause of an etcd error (`Connection refused (os error 111)`): gRPC wraps it
/// in three layers a person does not need to read.
fn root_cause(error: &etcd_client::Error) -> String {
    let mut cause: &dyn std::error::Error = match error {
        etcd_client::Error::GRpcStatus(status) => status,
        etcd_client::Error::TransportError(transport) => transport,
        other => other,
    };
    while let Some(inner) = cause.source() {
        cause = inner;
    }
    cause.to_string()
}

/// How long to wait before the next try when etcd went away (doubling up to one second).
pub(crate) fn backoff(previous: Duration) -> Duration {
    (previous * 2).clamp(Duration::from_millis(100), Duration::from_secs(1))
}
