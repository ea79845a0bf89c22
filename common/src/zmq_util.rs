//! ZeroMQ helpers every section needs: a receive that gives up after a deadline, `bind`/`connect`
//! whose errors name the flag and the endpoint form, and a bind to an ephemeral port for tests
//! and the tour.
//!
//! Why a deadline? A plain `recv()` blocks forever if the peer never answers — the classic
//! "my REQ client hangs" of the tutorial. A receive timeout lets the program say what went wrong.

use std::time::Duration;

/// Why a client gave up; the text is meant for a person at a terminal.
#[derive(Debug, thiserror::Error)]
pub enum ClientError {
    #[error("no reply from {endpoint} within {} — is {partner} running?", crate::endpoints::human(*.timeout))]
    NoReply {
        endpoint: String,
        timeout: Duration,
        partner: &'static str,
    },
    #[error(transparent)]
    Zmq(#[from] zmq::Error),
}

/// Waits up to `timeout` for a whole (multipart) message; `Ok(None)` when none came in time.
///
/// It sets the socket's receive timeout (`ZMQ_RCVTIMEO`) and makes one blocking receive, which
/// gives up with `EAGAIN` when the time is over. The timeout stays set on the socket afterwards.
///
/// Why not poll, then a plain blocking `recv`? Because `poll` can announce a message that the
/// socket then throws away: REP drops a request without REQ's empty delimiter frame (a DEALER
/// that forgot it), REQ drops a reply without one. A blocking `recv` would then wait for the
/// *next* message — forever, if none comes. A receive with `ZMQ_RCVTIMEO` keeps counting down
/// through such discarded messages, and it costs one call where poll-then-receive cost two
/// (about 6 % of a REQ/REP server's round trips, measured by the benchmark harness).
pub fn recv_multipart_timeout(
    socket: &zmq::Socket,
    timeout: Duration,
) -> Result<Option<Vec<Vec<u8>>>, zmq::Error> {
    // ZMQ_RCVTIMEO is in milliseconds, an `int`; -1 would mean "forever", so clamp instead.
    let millis = i32::try_from(timeout.as_millis()).unwrap_or(i32::MAX);
    socket.set_rcvtimeo(millis)?;
    match socket.recv_multipart(0) {
        Ok(frames) => Ok(Some(frames)),
        // EINTR: a signal arrived while waiting. In a server that is Ctrl-C (see
        // `common::shutdown`): "nothing yet", so the loop looks at its stop flag at once.
        Err(zmq::Error::EAGAIN | zmq::Error::EINTR) => Ok(None),
        Err(e) => Err(e),
    }
}

/// Waits up to `timeout` for a single-frame message (extra frames are joined, never silently
/// dropped: a multipart reply where one frame was expected is a peer bug worth seeing).
pub fn recv_timeout(
    socket: &zmq::Socket,
    timeout: Duration,
) -> Result<Option<Vec<u8>>, zmq::Error> {
    Ok(recv_multipart_timeout(socket, timeout)?.map(|frames| frames.concat()))
}

/// Why `bind` or `connect` refused an endpoint, with the flag it came from and what probably
/// went wrong: `cannot connect to localhost:5555 (--connect): Invalid argument — an endpoint is
/// transport://address, e.g. tcp://localhost:5555`.
#[derive(Debug, thiserror::Error)]
#[error("cannot {action} {endpoint} ({flag}): {zmq_error}{}", hint(.action, .endpoint, *.zmq_error))]
pub struct EndpointError {
    /// `bind` or `connect to`.
    pub action: &'static str,
    pub endpoint: String,
    /// The flag the endpoint came from, e.g. `--bind`.
    pub flag: &'static str,
    /// Not a `source`: the message already says it, so an error chain does not repeat it.
    pub zmq_error: zmq::Error,
}

/// What a person can do about a refused endpoint.
fn hint(action: &str, endpoint: &str, error: zmq::Error) -> String {
    let binding = action == "bind";
    // The example keeps the port the person typed (`localhost:4242` → `tcp://localhost:4242`),
    // so each section's hint names its own port; 5555, the tutorial's, when there is none.
    let port = endpoint
        .rsplit(':')
        .next()
        .filter(|p| {
            !p.is_empty() && p.chars().all(|c| c.is_ascii_digit()) && endpoint.contains(':')
        })
        .unwrap_or("5555");
    let host = if binding { "127.0.0.1" } else { "localhost" };
    let example = format!("tcp://{host}:{port}");
    match error {
        zmq::Error::EINVAL | zmq::Error::EPROTONOSUPPORT if !endpoint.contains("://") => {
            format!(" — an endpoint is transport://address, e.g. {example}")
        }
        zmq::Error::EPROTONOSUPPORT => format!(" — use the tcp:// transport, e.g. {example}"),
        zmq::Error::EINVAL | zmq::Error::ENODEV if binding => format!(
            " — libzmq binds an IP address, an interface name or `*`, not a host name: \
             e.g. {example} or tcp://*:{port}"
        ),
        zmq::Error::EINVAL => format!(" — expected tcp://HOST:PORT, e.g. {example}"),
        zmq::Error::EADDRINUSE => " (is another server running on it?)".to_string(),
        _ => String::new(),
    }
}

/// `socket.bind(endpoint)`, with an error that names `flag` and says what probably went wrong.
pub fn bind(socket: &zmq::Socket, endpoint: &str, flag: &'static str) -> Result<(), EndpointError> {
    socket.bind(endpoint).map_err(|zmq_error| EndpointError {
        action: "bind",
        endpoint: endpoint.to_string(),
        flag,
        zmq_error,
    })
}

/// `socket.connect(endpoint)`, with an error that names `flag` and the endpoint form.
pub fn connect(
    socket: &zmq::Socket,
    endpoint: &str,
    flag: &'static str,
) -> Result<(), EndpointError> {
    socket.connect(endpoint).map_err(|zmq_error| EndpointError {
        action: "connect to",
        endpoint: endpoint.to_string(),
        flag,
        zmq_error,
    })
}

/// Checks `endpoint` the way `connect` would (libzmq parses it, on a scratch socket that is
/// closed at once), so a client whose library connects later can still say which flag is wrong
/// before it starts: `cannot connect to localhost:5555 (--connect): … e.g. tcp://localhost:5555`.
///
/// The scratch socket is a PAIR, which completes a handshake with no other socket type: it may
/// still reach the peer before it is closed, and a DEALER did — a bound `zerorpc-client --bind`
/// handed its waiting request to that scratch socket of `zerorpc-server --connect`, which then
/// vanished with it.
pub fn check_connect(endpoint: &str, flag: &'static str) -> Result<(), EndpointError> {
    let error = |zmq_error| EndpointError {
        action: "connect to",
        endpoint: endpoint.to_string(),
        flag,
        zmq_error,
    };
    let context = zmq::Context::new();
    let scratch = context.socket(zmq::PAIR).map_err(error)?;
    scratch.set_linger(0).map_err(error)?;
    connect(&scratch, endpoint, flag)
}

/// The error [`bind`] gives, for a bind that a library made (`flag` names where the endpoint
/// came from).
pub fn bind_error(endpoint: &str, flag: &'static str, zmq_error: zmq::Error) -> EndpointError {
    EndpointError {
        action: "bind",
        endpoint: endpoint.to_string(),
        flag,
        zmq_error,
    }
}

/// Binds `socket` to a free port on loopback and returns the endpoint it got
/// (`tcp://127.0.0.1:*` asks the kernel for any free port).
pub fn bind_ephemeral(socket: &zmq::Socket) -> Result<String, zmq::Error> {
    socket.bind("tcp://127.0.0.1:*")?;
    last_endpoint(socket)
}

/// The endpoint a socket last bound, as text.
pub fn last_endpoint(socket: &zmq::Socket) -> Result<String, zmq::Error> {
    socket.get_last_endpoint()?.map_err(|_| zmq::Error::EINVAL)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// `zerorpc-client --bind` waits with its request until a peer connects; checking the
    /// endpoint of `zerorpc-server --connect` first must not take that request away.
    #[test]
    fn checking_an_endpoint_takes_no_message_from_the_socket_bound_there() {
        let context = zmq::Context::new();
        let bound = context.socket(zmq::DEALER).expect("a DEALER");
        bound.set_linger(0).expect("linger");
        let endpoint = bind_ephemeral(&bound).expect("bind");
        let sender = std::thread::spawn(move || {
            bound
                .send("the request", 0)
                .expect("sent once a peer is there");
            bound // closed only after the test has received
        });
        for _ in 0..20 {
            check_connect(&endpoint, "--connect").expect("a valid endpoint");
            std::thread::sleep(Duration::from_millis(10)); // let each check reach the peer
        }
        let peer = context.socket(zmq::DEALER).expect("a DEALER");
        peer.set_linger(0).expect("linger");
        peer.connect(&endpoint).expect("connect");
        let got = recv_timeout(&peer, Duration::from_secs(5)).expect("recv");
        assert_eq!(
            got.as_deref(),
            Some(&b"the request"[..]),
            "the request was lost"
        );
        drop(sender);
    }

    /// The messages a student gets for the endpoints people actually type.
    #[test]
    fn a_refused_endpoint_names_the_flag_and_the_form_it_needs() {
        let context = zmq::Context::new();
        let socket = context.socket(zmq::REP).expect("a REP socket");
        let bind_error =
            |endpoint: &str| bind(&socket, endpoint, "--bind").unwrap_err().to_string();
        assert_eq!(
            bind_error("localhost:5555"),
            "cannot bind localhost:5555 (--bind): Invalid argument — an endpoint is \
             transport://address, e.g. tcp://127.0.0.1:5555"
        );
        let no_device = bind_error("tcp://localhost:5559");
        assert!(
            no_device.starts_with("cannot bind tcp://localhost:5559 (--bind): No such device — libzmq binds an IP address"),
            "{no_device}"
        );
        assert!(!no_device.contains("another server"), "{no_device}");

        let taken = context.socket(zmq::REP).expect("a REP socket");
        let endpoint = bind_ephemeral(&taken).expect("an ephemeral port");
        assert_eq!(
            bind_error(&endpoint),
            format!("cannot bind {endpoint} (--bind): Address already in use (is another server running on it?)")
        );

        let client = context.socket(zmq::REQ).expect("a REQ socket");
        assert_eq!(
            connect(&client, "localhost:5555", "--connect")
                .unwrap_err()
                .to_string(),
            "cannot connect to localhost:5555 (--connect): Invalid argument — an endpoint is \
             transport://address, e.g. tcp://localhost:5555"
        );
    }

    /// `.cargo/config.toml` builds the vendored libzmq with eventfd signalling (see there
    /// why): a socket's mailbox must then show up as an eventfd among our open files.
    #[test]
    #[cfg(target_os = "linux")]
    fn vendored_libzmq_signals_with_eventfd() {
        let context = zmq::Context::new();
        let _socket = context.socket(zmq::REQ).expect("a REQ socket");
        let eventfds = std::fs::read_dir("/proc/self/fd")
            .expect("/proc/self/fd")
            .filter_map(|entry| std::fs::read_link(entry.ok()?.path()).ok())
            .filter(|target| target.to_string_lossy() == "anon_inode:[eventfd]")
            .count();
        assert!(
            eventfds >= 2,
            "libzmq opened {eventfds} eventfds: was it built without ZMQ_HAVE_EVENTFD?"
        );
    }
}
