//! Reaching the broker — plumbing, not the lesson: a connection with a deadline, passwords kept
//! out of messages, and a safe way to stop a consumer with amiquip 0.4.

/// How long a program waits for the broker to accept its connection (an unreachable host would
/// otherwise hold it for the operating system's TCP timeout: minutes).
pub const CONNECT_TIMEOUT: std::time::Duration = std::time::Duration::from_secs(5);

/// The broker could not be reached: the one failure every student meets first.
#[derive(Debug, thiserror::Error)]
pub enum ConnectError {
    #[error(
        "cannot reach the broker at {url} within {} — is RabbitMQ running? \
         (scripts/setup.sh starts it)", common::endpoints::human(*.timeout)
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
    #[error("the broker at {url} did not accept our AMQP connection (user, password, vhost?)")]
    Refused {
        url: String,
        source: Box<amiquip::Error>, // boxed: amiquip's error is large
    },
}

/// Opens an AMQP connection (plain TCP, like the tutorial).
///
/// Both steps — the TCP connection, then the AMQP handshake — have a deadline of
/// [`CONNECT_TIMEOUT`]: amiquip 0.4 parses a `connection_timeout` URL parameter but does not
/// apply it, so an unreachable host would hold us for the system's TCP timeout.
pub fn connect(amqp_url: &str) -> Result<amiquip::Connection, ConnectError> {
    use std::net::{TcpStream, ToSocketAddrs};
    let unreachable = |source| ConnectError::Unreachable {
        url: redact(amqp_url),
        timeout: CONNECT_TIMEOUT,
        source,
    };
    let mut last_error = None;
    for address in broker_address(amqp_url)
        .to_socket_addrs()
        .map_err(unreachable)?
    {
        match TcpStream::connect_timeout(&address, CONNECT_TIMEOUT) {
            Ok(_probe) => {
                last_error = None;
                break;
            }
            Err(error) => last_error = Some(error),
        }
    }
    if let Some(error) = last_error {
        return Err(unreachable(error));
    }
    // The AMQP handshake gets the same deadline; it runs in a thread we can stop waiting for.
    let (done, outcome) = std::sync::mpsc::channel();
    let url = amqp_url.to_string();
    std::thread::spawn(move || {
        let _ = done.send(amiquip::Connection::insecure_open(&url));
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
