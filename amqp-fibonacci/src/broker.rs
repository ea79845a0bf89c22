//! Reaching the broker — plumbing, not the lesson: a connection with a deadline, passwords kept
//! out of messages, and a safe way to stop a consumer with amiquip 0.4.

/// How long a program waits for the broker to accept its connection (an unreachable host would
/// otherwise hold it for the operating system's TCP timeout: minutes).
pub const CONNECT_TIMEOUT: std::time::Duration = std::time::Duration::from_secs(5);

/// The broker could not be reached: the one failure every student meets first.
#[derive(Debug, thiserror::Error)]
pub enum ConnectError {
    #[error(
        "cannot reach the broker at {url}{} — is RabbitMQ running? (scripts/setup.sh starts it)",
        why_unreachable(source, *timeout)
    )]
    Unreachable {
        url: String,
        timeout: std::time::Duration,
        source: std::io::Error,
    },
    #[error(
        "something listens at {url} but did not complete the AMQP handshake within {} — \
         is it RabbitMQ?", common::endpoints::human(*.timeout)
    )]
    NoHandshake {
        url: String,
        timeout: std::time::Duration,
    },
    #[error("{url} is not an AMQP URL we can use: {reason}")]
    BadUrl { url: String, reason: String },
    #[error("the broker at {url} did not accept our AMQP connection (user, password, vhost?)")]
    Refused {
        url: String,
        source: Box<amiquip::Error>, // boxed: amiquip's error is large
    },
}

/// No broker of the list answered.
#[derive(Debug, thiserror::Error)]
pub enum NoBroker {
    /// Only one URL was given: today's sentence for it.
    #[error(transparent)]
    One(Box<ConnectError>), // boxed: amiquip's error inside is large
    #[error(
        "none of the {} brokers answered ({}) — is the cluster running? \
         (scripts/rabbitmq-cluster.sh start)", tried.len(), tried.join("; ")
    )]
    All { tried: Vec<String> },
}

/// Why a server stops. A bad *request* is never one of these: it gets an error reply.
#[derive(Debug, thiserror::Error)]
pub enum ServerError {
    #[error(
        "queue `{queue}` already exists with other arguments (406 PRECONDITION_FAILED: {message}). \
         The tutorial declares it classic and not durable; newer versions of the tutorial declare \
         it durable or as a quorum queue (--queue-type quorum), and AMQP refuses to redeclare a \
         queue differently. Delete it (`rabbitmqctl delete_queue {queue}`) or pick another name \
         with --queue"
    )]
    QueueMismatch { queue: String, message: String },
    #[error("the broker cancelled our consumer on `{queue}` (was the queue deleted?)")]
    Cancelled { queue: String },
    #[error("AMQP error: {0}")]
    Amqp(#[from] amiquip::Error),
    #[error(transparent)]
    Connect(Box<ConnectError>), // boxed: keeps every `Result<_, ServerError>` small
    #[error(transparent)]
    NoBroker(Box<NoBroker>),
}

impl From<NoBroker> for ServerError {
    fn from(error: NoBroker) -> Self {
        ServerError::NoBroker(Box::new(error))
    }
}

impl From<ConnectError> for ServerError {
    fn from(error: ConnectError) -> Self {
        ServerError::Connect(Box::new(error))
    }
}

impl ConnectError {
    /// The reason alone, without the URL: for a list of brokers tried.
    pub fn reason(&self) -> String {
        match self {
            ConnectError::Unreachable {
                source, timeout, ..
            } => match source.kind() {
                std::io::ErrorKind::ConnectionRefused => "connection refused".to_string(),
                std::io::ErrorKind::TimedOut => {
                    format!("no answer within {}", common::endpoints::human(*timeout))
                }
                _ => source.to_string(),
            },
            ConnectError::NoHandshake { timeout, .. } => {
                format!(
                    "no AMQP handshake within {}",
                    common::endpoints::human(*timeout)
                )
            }
            ConnectError::BadUrl { reason, .. } => reason.clone(),
            ConnectError::Refused { .. } => "login refused (user, password, vhost?)".to_string(),
        }
    }
}

/// How the connection failed: refused at once (nothing listens there), or no answer in time.
fn why_unreachable(error: &std::io::Error, timeout: std::time::Duration) -> String {
    match error.kind() {
        std::io::ErrorKind::ConnectionRefused => {
            ": the connection was refused (nothing listens on that port)".to_string()
        }
        std::io::ErrorKind::TimedOut => format!(" within {}", common::endpoints::human(timeout)),
        _ => format!(": {error}"),
    }
}

/// Opens an AMQP connection (plain TCP, like the tutorial), with `TCP_NODELAY` on its socket.
///
/// Both steps — the TCP connection, then the AMQP handshake — have a deadline of
/// [`CONNECT_TIMEOUT`]: amiquip 0.4 parses a `connection_timeout` URL parameter but does not
/// apply it, so an unreachable host would hold us for the system's TCP timeout.
///
/// Why `TCP_NODELAY`? amiquip 0.4 leaves Nagle's algorithm on and writes a publish as several
/// small frames (method, header, body). Nagle holds the later frames back until the broker
/// acknowledges the first, and the broker delays that acknowledgement (up to 40 ms on Linux):
/// without it one call took ~30 ms instead of ~0.3 ms (see docs/benchmarks.md). pika sets it.
/// So we connect the socket ourselves and hand it to amiquip.
pub fn connect(amqp_url: &str) -> Result<amiquip::Connection, ConnectError> {
    use std::net::{TcpStream, ToSocketAddrs};
    let unreachable = |source| ConnectError::Unreachable {
        url: redact(amqp_url),
        timeout: CONNECT_TIMEOUT,
        source,
    };
    let options = options_from_url(amqp_url).map_err(|reason| ConnectError::BadUrl {
        url: redact(amqp_url),
        reason,
    })?;
    let mut last_error = None;
    let mut stream = None;
    for address in broker_address(amqp_url)
        .to_socket_addrs()
        .map_err(unreachable)?
    {
        match TcpStream::connect_timeout(&address, CONNECT_TIMEOUT) {
            Ok(connected) => {
                stream = Some(connected);
                break;
            }
            Err(error) => last_error = Some(error),
        }
    }
    let Some(stream) = stream else {
        let error = last_error
            .unwrap_or_else(|| std::io::Error::new(std::io::ErrorKind::NotFound, "no address"));
        return Err(unreachable(error));
    };
    stream.set_nodelay(true).map_err(unreachable)?;
    let stream = mio::net::TcpStream::from_stream(stream).map_err(unreachable)?;

    // The AMQP handshake gets the same deadline; it runs in a thread we can stop waiting for.
    let (done, outcome) = std::sync::mpsc::channel();
    std::thread::spawn(move || {
        let tuning = amiquip::ConnectionTuning::default();
        let _ = done.send(amiquip::Connection::insecure_open_stream(
            stream, options, tuning,
        ));
    });
    match outcome.recv_timeout(CONNECT_TIMEOUT) {
        Ok(Ok(connection)) => Ok(connection),
        Ok(Err(source)) => Err(ConnectError::Refused {
            url: redact(amqp_url),
            source: Box::new(source),
        }),
        Err(_) => Err(ConnectError::NoHandshake {
            url: redact(amqp_url),
            timeout: CONNECT_TIMEOUT,
        }),
    }
}

/// Closes `connection`, waiting at most `within` for the broker's close-ok; after that the close
/// goes on in a thread of its own. (amiquip's close waits for ever, and a broker whose queue is
/// stuck may take its time to answer.)
pub fn close_within(connection: amiquip::Connection, within: std::time::Duration) {
    let (done, closed) = std::sync::mpsc::channel();
    std::thread::spawn(move || {
        let _ = connection.close();
        let _ = done.send(());
    });
    let _ = closed.recv_timeout(within);
}

/// User, password, virtual host and heartbeat of an `amqp://` URL, with the defaults amiquip's
/// own URL parser uses (`guest`/`guest`, vhost `/`). Percent-escapes are decoded (`%2f` → `/`).
///
/// ```
/// let options = options_from_url("amqp://u:p%40ss@h:1/%2f?heartbeat=5");
/// assert!(options.is_ok());
/// assert!(options_from_url("not a url").is_err());
/// ```
pub fn options_from_url(
    amqp_url: &str,
) -> Result<amiquip::ConnectionOptions<amiquip::Auth>, String> {
    let url = url::Url::parse(amqp_url).map_err(|e| e.to_string())?;
    if url.scheme() != "amqp" {
        return Err(format!(
            "scheme {}:// is not supported (use amqp://)",
            url.scheme()
        ));
    }
    let decode = |text: &str| {
        percent_encoding::percent_decode_str(text)
            .decode_utf8_lossy()
            .into_owned()
    };
    let username = match url.username() {
        "" => "guest".to_string(),
        name => decode(name),
    };
    let password = url.password().map_or_else(|| "guest".to_string(), decode);
    let virtual_host = match url.path() {
        "" | "/" => "/".to_string(),
        path => decode(&path[1..]),
    };
    let mut options = amiquip::ConnectionOptions::default()
        .auth(amiquip::Auth::Plain { username, password })
        .virtual_host(virtual_host);
    if let Some((_, value)) = url.query_pairs().find(|(key, _)| key == "heartbeat") {
        let seconds = value
            .parse()
            .map_err(|_| format!("heartbeat={value} is not a number of seconds"))?;
        options = options.heartbeat(seconds);
    }
    Ok(options)
}

/// `host:port` of an `amqp://user:password@host:port/vhost?query` URL (port 5672 by default).
///
/// ```
/// use amqp_fibonacci::broker_address;
/// assert_eq!(broker_address("amqp://guest:guest@127.0.0.1:5672/%2f"), "127.0.0.1:5672");
/// assert_eq!(broker_address("amqp://localhost"), "localhost:5672");
/// assert_eq!(broker_address("amqp://"), "localhost:5672");
/// assert_eq!(broker_address("amqp://u:p@[::1]/%2f"), "[::1]:5672");
/// ```
pub fn broker_address(amqp_url: &str) -> String {
    let rest = amqp_url
        .split_once("://")
        .map_or(amqp_url, |(_, rest)| rest);
    let authority = rest.split(['/', '?']).next().unwrap_or_default();
    let host_port = authority
        .rsplit_once('@')
        .map_or(authority, |(_, host)| host);
    let has_port = match host_port.strip_prefix('[') {
        Some(ipv6) => ipv6.contains("]:"),
        None => host_port.contains(':'),
    };
    match (host_port.is_empty(), has_port) {
        (true, _) => "localhost:5672".to_string(),
        (false, true) => host_port.to_string(),
        (false, false) => format!("{host_port}:5672"),
    }
}

/// The URL with its password hidden, for messages and logs.
///
/// ```
/// assert_eq!(
///     amqp_fibonacci::redact("amqp://guest:guest@127.0.0.1:5672/%2f"),
///     "amqp://guest:***@127.0.0.1:5672/%2f"
/// );
/// assert_eq!(amqp_fibonacci::redact("amqp://localhost"), "amqp://localhost");
/// ```
pub fn redact(url: &str) -> String {
    let Some((scheme, rest)) = url.split_once("://") else {
        return url.to_string();
    };
    let Some((credentials, host)) = rest.split_once('@') else {
        return url.to_string();
    };
    match credentials.split_once(':') {
        Some((user, _password)) => format!("{scheme}://{user}:***@{host}"),
        None => url.to_string(),
    }
}

/// Cancels `consumer` and waits (at most a second) until the broker's confirmation has reached it.
///
/// Why not just drop it? amiquip 0.4's I/O thread sends one last `ClientCancelled` message to the
/// consumer *after* `cancel` has returned; if the consumer's receiver is already gone by then,
/// the I/O thread takes it as a fatal error and the whole connection dies. Waiting for that
/// message closes the race. Deliveries still in flight are left unacked: the broker requeues them.
pub(crate) fn stop_consuming(consumer: &amiquip::Consumer<'_>) {
    if consumer.cancel().is_err() {
        return; // the channel or connection is gone already
    }
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(1);
    while let Ok(message) = consumer.receiver().recv_deadline(deadline) {
        if !matches!(message, amiquip::ConsumerMessage::Delivery(_)) {
            return; // ClientCancelled (or the channel closed): nothing more will come
        }
    }
}

/// The examples in the doc comments above, run as unit tests (this crate has no doc-test
/// binaries: see docs/building.md).
#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn options_from_url_accepts_escapes_and_refuses_garbage() {
        assert!(options_from_url("amqp://u:p%40ss@h:1/%2f?heartbeat=5").is_ok());
        assert!(options_from_url("not a url").is_err());
    }

    #[test]
    fn broker_address_defaults_the_host_and_port() {
        assert_eq!(
            broker_address("amqp://guest:guest@127.0.0.1:5672/%2f"),
            "127.0.0.1:5672"
        );
        assert_eq!(broker_address("amqp://localhost"), "localhost:5672");
        assert_eq!(broker_address("amqp://"), "localhost:5672");
        assert_eq!(broker_address("amqp://u:p@[::1]/%2f"), "[::1]:5672");
    }

    #[test]
    fn redact_hides_only_the_password() {
        assert_eq!(
            redact("amqp://guest:guest@127.0.0.1:5672/%2f"),
            "amqp://guest:***@127.0.0.1:5672/%2f"
        );
        assert_eq!(redact("amqp://localhost"), "amqp://localhost");
    }
}
