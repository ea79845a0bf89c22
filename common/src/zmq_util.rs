//! ZeroMQ helpers every section needs: a receive that gives up after a deadline, and a bind to
//! an ephemeral port for tests and the tour.
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
        Err(zmq::Error::EAGAIN) => Ok(None),
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
