//! A ROUTER that the serving thread drives itself: it listens (or connects), greets each peer,
//! reads its messages into a queue per peer with the peer's routing id in front — `[id, "",
//! payload]`, what libzmq's ROUTER hands out — and writes each answer to the peer's socket at
//! once. Nothing runs on another thread, so a reply costs one `write` and no wake-up of an I/O
//! thread.
//!
//! Readiness comes from `zmq::poll` over the sockets' file descriptors, together with the
//! workers' `inproc://` socket ([`Router::poll`]). As in libzmq, the peers take turns
//! ([`Router::recv`]), and one that sends faster than it is served stops being read once
//! [`QUEUE`] messages of its own wait: the kernel's buffers then push back on it, not on the
//! others.

use std::collections::{HashSet, VecDeque};
use std::io::{ErrorKind, Read, Write};
use std::net::{Shutdown, SocketAddr, TcpListener, TcpStream};
use std::os::fd::{AsRawFd, RawFd};
use std::os::unix::net::{UnixListener, UnixStream};
use std::path::PathBuf;
use std::time::{Duration, Instant};

use super::wire;
use super::Endpoint;

/// A message larger than this closes its connection (libzmq's `ZMQ_MAXMSGSIZE` is off by
/// default; here a peer cannot make the server allocate gigabytes).
const MAX_MESSAGE: u64 = 256 << 20;
/// A peer that reads nothing while this much waits for it loses what comes next, as libzmq's
/// ROUTER drops at its high-water mark.
const MAX_PENDING: usize = 64 << 20;
/// Messages read from one peer and not yet served: at this many, it is not read any further
/// until they are (libzmq's `ZMQ_RCVHWM`, 1000).
pub const QUEUE: usize = 1000;
/// At most this much is read from one peer per turn, so a fast sender cannot hold the loop.
const READ_PER_TURN: usize = 1 << 20;
/// A connection that has not finished its handshake by then is closed (libzmq's
/// `ZMQ_HANDSHAKE_IVL`).
pub const HANDSHAKE: Duration = Duration::from_secs(30);
/// How often a `--connect` server tries again (libzmq's `ZMQ_RECONNECT_IVL`); also how long the
/// listener rests after an `accept` failed (out of file descriptors, say).
const RECONNECT: Duration = Duration::from_millis(100);

enum Stream {
    Tcp(TcpStream),
    Unix(UnixStream),
}

impl Stream {
    fn fd(&self) -> RawFd {
        match self {
            Stream::Tcp(s) => s.as_raw_fd(),
            Stream::Unix(s) => s.as_raw_fd(),
        }
    }

    fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
        match self {
            Stream::Tcp(s) => s.read(buf),
            Stream::Unix(s) => s.read(buf),
        }
    }

    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        match self {
            Stream::Tcp(s) => s.write(buf),
            Stream::Unix(s) => s.write(buf),
        }
    }

    fn shutdown_write(&self) {
        let _ = match self {
            Stream::Tcp(s) => s.shutdown(Shutdown::Write),
            Stream::Unix(s) => s.shutdown(Shutdown::Write),
        };
    }

    fn ready(self) -> std::io::Result<Stream> {
        match &self {
            Stream::Tcp(s) => {
                s.set_nodelay(true)?;
                s.set_nonblocking(true)?;
            }
            Stream::Unix(s) => s.set_nonblocking(true)?,
        }
        Ok(self)
    }
}

enum Listener {
    Tcp(TcpListener),
    /// With the path, removed when the router is dropped (as libzmq does).
    Unix(UnixListener, PathBuf),
}

impl Listener {
    fn fd(&self) -> RawFd {
        match self {
            Listener::Tcp(l) => l.as_raw_fd(),
            Listener::Unix(l, _) => l.as_raw_fd(),
        }
    }

    fn accept(&self) -> std::io::Result<Stream> {
        match self {
            Listener::Tcp(l) => l.accept().map(|(s, _)| Stream::Tcp(s)),
            Listener::Unix(l, _) => l.accept().map(|(s, _)| Stream::Unix(s)),
        }
    }
}

#[derive(PartialEq, Eq)]
enum Stage {
    /// Until this instant.
    Greeting(Instant),
    Ready(Instant),
    Open,
    /// Open, but its identity was taken: what it sends is dropped (libzmq's ROUTER leaves such
    /// a peer connected and unheard, unless `ZMQ_ROUTER_HANDOVER` is set).
    Ignored,
}

struct Peer {
    stream: Stream,
    id: Vec<u8>,
    stage: Stage,
    input: Vec<u8>,
    /// The frames of the message being read, and their size.
    parts: Vec<Vec<u8>>,
    parts_len: u64,
    /// Messages read and not yet served.
    inbox: VecDeque<Vec<Vec<u8>>>,
    /// What waits to be written: `output[written..]`.
    output: Vec<u8>,
    written: usize,
    closed: bool,
}

impl Peer {
    fn new(stream: Stream) -> std::io::Result<Peer> {
        let mut peer = Peer {
            stream: stream.ready()?,
            id: Vec::new(),
            stage: Stage::Greeting(Instant::now() + HANDSHAKE),
            input: Vec::new(),
            parts: Vec::new(),
            parts_len: 0,
            inbox: VecDeque::new(),
            output: Vec::new(),
            written: 0,
            closed: false,
        };
        // Greeting and READY at once: the peer reads them at its own pace.
        peer.output.extend_from_slice(&wire::greeting());
        peer.output
            .extend_from_slice(&wire::ready(&[("Socket-Type", b"ROUTER")]));
        peer.flush();
        Ok(peer)
    }

    fn pending(&self) -> usize {
        self.output.len() - self.written
    }

    fn is_open(&self) -> bool {
        self.stage == Stage::Open && !self.closed
    }

    /// What one `read` or `write` did: `Some(n)` bytes moved (0 after a signal: try again), or
    /// `None` to stop — for now (it would block) or for good (end of stream or an error: the
    /// peer is then `closed`).
    fn moved(&mut self, outcome: std::io::Result<usize>) -> Option<usize> {
        match outcome {
            Ok(0) => self.closed = true,
            Ok(n) => return Some(n),
            Err(e) if e.kind() == ErrorKind::WouldBlock => {}
            Err(e) if e.kind() == ErrorKind::Interrupted => return Some(0),
            Err(e) => {
                tracing::debug!(error = %e, "a peer's connection failed; closing it");
                self.closed = true;
            }
        }
        None
    }

    /// Writes what is pending, as far as the socket takes it now.
    fn flush(&mut self) {
        while self.written < self.output.len() {
            let outcome = self.stream.write(&self.output[self.written..]);
            let Some(n) = self.moved(outcome) else {
                break;
            };
            self.written += n;
        }
        // Compact only once half is sent: a slow reader's backlog is not moved on every write.
        if self.written == self.output.len() {
            self.output.clear();
            self.written = 0;
        } else if self.written > self.output.len() / 2 {
            self.output.drain(..self.written);
            self.written = 0;
        }
    }

    /// Reads what has arrived (up to [`READ_PER_TURN`]) and turns it into messages.
    fn read(&mut self, ids: &mut RoutingIds) {
        let mut chunk = [0u8; 64 * 1024];
        let mut read = 0;
        while read < READ_PER_TURN {
            let outcome = self.stream.read(&mut chunk);
            let Some(n) = self.moved(outcome) else {
                break;
            };
            self.input.extend_from_slice(&chunk[..n]);
            read += n;
            if n > 0 && n < chunk.len() {
                break; // the socket is empty for now
            }
        }
        if let Err(why) = self.parse(ids) {
            tracing::warn!("closed a connection: {why}");
            self.closed = true;
        }
    }

    fn parse(&mut self, ids: &mut RoutingIds) -> Result<(), String> {
        let input = std::mem::take(&mut self.input);
        let mut used = 0;
        let result = loop {
            let buf = &input[used..];
            if let Stage::Greeting(_) = self.stage {
                // Refused at the first wrong byte, not after 64 that may never come.
                if let Err(why) = wire::check_greeting(&buf[..buf.len().min(wire::GREETING_LEN)]) {
                    break Err(why);
                }
                if buf.len() < wire::GREETING_LEN {
                    break Ok(());
                }
                used += wire::GREETING_LEN;
                self.stage = Stage::Ready(Instant::now() + HANDSHAKE);
                continue;
            }
            let announced = wire::announced_size(buf).unwrap_or(0);
            if self.parts_len.saturating_add(announced) > MAX_MESSAGE {
                break Err(format!("a message of more than {MAX_MESSAGE} bytes"));
            }
            let Some((flags, body, len)) = wire::frame(buf) else {
                break Ok(());
            };
            let body = &buf[body];
            used += len;
            if flags & wire::COMMAND != 0 {
                if let Err(why) = self.on_command(body, ids) {
                    break Err(why);
                }
                continue;
            }
            match self.stage {
                Stage::Open => {}
                Stage::Ignored => continue,
                _ => break Err("a message before the handshake's READY".into()),
            }
            self.parts_len += body.len() as u64;
            self.parts.push(body.to_vec());
            if flags & wire::MORE == 0 {
                let mut message = Vec::with_capacity(self.parts.len() + 1);
                message.push(self.id.clone());
                message.append(&mut self.parts);
                self.parts_len = 0;
                self.inbox.push_back(message);
            }
        };
        self.input = input;
        self.input.drain(..used);
        result
    }

    fn on_command(&mut self, body: &[u8], ids: &mut RoutingIds) -> Result<(), String> {
        let (name, rest) = wire::command(body).ok_or("an empty command")?;
        match name {
            b"READY" if matches!(self.stage, Stage::Ready(_)) => {
                let properties = wire::properties(rest).ok_or("a malformed READY")?;
                let value = |key: &str| {
                    properties
                        .iter()
                        .find(|(name, _)| name.eq_ignore_ascii_case(key))
                        .map(|(_, value)| value.as_slice())
                };
                let kind = value("Socket-Type").unwrap_or_default();
                if !matches!(kind, b"DEALER" | b"REQ" | b"ROUTER") {
                    return Err(format!(
                        "a {} socket cannot talk to a ROUTER",
                        String::from_utf8_lossy(kind)
                    ));
                }
                match ids.take(value("Identity").unwrap_or_default()) {
                    Some(id) => {
                        self.id = id;
                        self.stage = Stage::Open;
                    }
                    None => {
                        tracing::warn!(
                            identity = %String::from_utf8_lossy(value("Identity").unwrap_or_default()),
                            "a second peer with the identity of a connected one: it is not heard (a ROUTER's way)"
                        );
                        self.stage = Stage::Ignored;
                    }
                }
            }
            b"PING" => {
                // ZMTP 3.1's heartbeat: answer PONG with the ping's context.
                let context = rest.get(2..).unwrap_or_default();
                let mut pong = vec![4];
                pong.extend_from_slice(b"PONG");
                pong.extend_from_slice(context);
                wire::put_frame(&mut self.output, wire::COMMAND, &pong);
            }
            b"ERROR" => {
                let reason = rest.get(1..).unwrap_or_default();
                return Err(format!(
                    "the peer reported an error: {}",
                    String::from_utf8_lossy(reason)
                ));
            }
            _ => {} // PONG, SUBSCRIBE…: nothing to do for a ROUTER
        }
        Ok(())
    }

    /// The handshake's deadline, while there is one.
    fn handshake_deadline(&self) -> Option<Instant> {
        match self.stage {
            Stage::Greeting(until) | Stage::Ready(until) => Some(until),
            _ => None,
        }
    }
}

/// Routing ids as libzmq's ROUTER gives them: 5 bytes, a zero and a counter; or the peer's
/// own `Identity`, when it set one (`None` when another connected peer has it).
struct RoutingIds {
    next: u32,
    taken: HashSet<Vec<u8>>,
}

impl RoutingIds {
    fn take(&mut self, wanted: &[u8]) -> Option<Vec<u8>> {
        if !wanted.is_empty() {
            return self.taken.insert(wanted.to_vec()).then(|| wanted.to_vec());
        }
        loop {
            self.next = self.next.wrapping_add(1);
            let mut id = vec![0];
            id.extend_from_slice(&self.next.to_be_bytes());
            if self.taken.insert(id.clone()) {
                return Some(id);
            }
        }
    }
}

/// The server's socket: a ROUTER over ZMTP, bound or connected.
pub struct Router {
    listener: Option<Listener>,
    /// After an `accept` failed, the listener rests until then.
    listener_rests_until: Instant,
    /// `--connect`: where, and when to try next while not connected.
    target: Option<(Endpoint, Instant)>,
    peers: Vec<Peer>,
    /// The peer whose turn it is in [`Router::recv`].
    turn: usize,
    ids: RoutingIds,
    endpoint: String,
}

impl std::fmt::Debug for Router {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Router")
            .field("endpoint", &self.endpoint)
            .field("peers", &self.peers.len())
            .finish()
    }
}

impl Router {
    fn new(listener: Option<Listener>, target: Option<Endpoint>, endpoint: String) -> Router {
        // Start the counter anywhere, as libzmq does, so ids of two runs rarely match.
        let seed = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map(|d| d.subsec_nanos())
            .unwrap_or(0);
        Router {
            listener,
            listener_rests_until: Instant::now(),
            target: target.map(|t| (t, Instant::now())),
            peers: Vec::new(),
            turn: 0,
            ids: RoutingIds {
                next: seed,
                taken: HashSet::new(),
            },
            endpoint,
        }
    }

    /// Listens on `endpoint` (`tcp://IP:PORT`, `tcp://*:PORT`, a port `*` for any free one, or
    /// `ipc://PATH`). The errors are libzmq's for the same mistakes.
    pub fn bind(endpoint: &str) -> Result<Router, zmq::Error> {
        let (listener, bound) = match Endpoint::parse(endpoint, true)? {
            Endpoint::Host(..) => return Err(zmq::Error::ENODEV), // parse gives none for a bind
            Endpoint::Tcp(addr) => {
                let listener = TcpListener::bind(addr).map_err(zmq_error)?;
                let local = listener.local_addr().map_err(zmq_error)?;
                (Listener::Tcp(listener), format!("tcp://{local}"))
            }
            Endpoint::Ipc(path) => {
                // A socket file left by an earlier run is removed first, as libzmq does.
                if std::fs::symlink_metadata(&path).is_ok() {
                    let _ = std::fs::remove_file(&path);
                }
                let listener = UnixListener::bind(&path).map_err(zmq_error)?;
                let bound = format!("ipc://{}", path.display());
                (Listener::Unix(listener, path), bound)
            }
        };
        match &listener {
            Listener::Tcp(l) => l.set_nonblocking(true),
            Listener::Unix(l, _) => l.set_nonblocking(true),
        }
        .map_err(zmq_error)?;
        Ok(Router::new(Some(listener), None, bound))
    }

    /// Connects to `endpoint`, where a client bound, and connects again whenever the
    /// connection is lost (every 100 ms until it is back).
    pub fn connect(endpoint: &str) -> Result<Router, zmq::Error> {
        let target = Endpoint::parse(endpoint, false)?;
        Ok(Router::new(None, Some(target), endpoint.to_string()))
    }

    /// The endpoint bound (the port filled in), or the one connected to.
    pub fn endpoint(&self) -> &str {
        &self.endpoint
    }

    /// Whether a message is in ([`Router::recv`] gives it).
    pub fn has_messages(&self) -> bool {
        self.peers.iter().any(|p| !p.inbox.is_empty())
    }

    /// The next message read, `[routing id, frames…]`, if one is in: the peers take turns, a
    /// message each.
    pub fn recv(&mut self) -> Option<Vec<Vec<u8>>> {
        let count = self.peers.len();
        for step in 0..count {
            let at = (self.turn + step) % count;
            if let Some(message) = self.peers[at].inbox.pop_front() {
                self.turn = (at + 1) % count;
                return Some(message);
            }
        }
        None
    }

    /// Sends `[frames…, payload]` to the peer of `identity[0]`; the rest of `identity` goes
    /// first, then the empty delimiter. A peer that is gone is no error: the message is dropped
    /// (a ROUTER's way).
    pub fn send(&mut self, identity: &[Vec<u8>], payload: &[u8]) {
        let Some((id, envelope)) = identity.split_first() else {
            return;
        };
        let Some(peer) = self.peers.iter_mut().find(|p| p.is_open() && &p.id == id) else {
            tracing::debug!("a message for a peer that is gone; dropped");
            return;
        };
        if peer.pending() > MAX_PENDING {
            tracing::warn!(
                "a peer reads nothing ({MAX_PENDING} bytes wait for it); a message dropped"
            );
            return;
        }
        for frame in envelope {
            wire::put_frame(&mut peer.output, wire::MORE, frame);
        }
        wire::put_frame(&mut peer.output, wire::MORE, b"");
        wire::put_frame(&mut peer.output, 0, payload);
        peer.flush();
    }

    /// Waits up to `timeout_ms` (0: only looks; negative: until something happens) for
    /// something to do, and does it: accepts connections, reads messages, writes what waits to
    /// be written. `also` is polled with the sockets; the answer is whether it is readable.
    pub fn poll(
        &mut self,
        also: Option<&zmq::Socket>,
        timeout_ms: i64,
    ) -> Result<bool, zmq::Error> {
        self.reconnect();
        let now = Instant::now();
        let mut timeout = timeout_ms;
        let resting = now < self.listener_rests_until;
        if (self.target.is_some() && self.peers.is_empty()) || resting {
            let retry = i64::try_from(RECONNECT.as_millis()).unwrap_or(100);
            timeout = if timeout < 0 {
                retry
            } else {
                timeout.min(retry)
            };
        }
        let mut items = Vec::with_capacity(self.peers.len() + 2);
        let listening = match &self.listener {
            Some(listener) if !resting => {
                items.push(zmq::PollItem::from_fd(listener.fd(), zmq::POLLIN));
                true
            }
            _ => false,
        };
        let first_peer = items.len();
        for peer in &self.peers {
            let mut events = zmq::PollEvents::empty();
            if peer.inbox.len() < QUEUE {
                events |= zmq::POLLIN;
            }
            if peer.pending() > 0 {
                events |= zmq::POLLOUT;
            }
            items.push(zmq::PollItem::from_fd(peer.stream.fd(), events));
        }
        if let Some(socket) = also {
            items.push(socket.as_poll_item(zmq::POLLIN));
        }
        match zmq::poll(&mut items, timeout) {
            Ok(_) => {}
            Err(zmq::Error::EINTR) => return Ok(false), // Ctrl-C: the caller looks at its flag
            Err(e) => return Err(e),
        }
        let also_readable = also.is_some() && items.last().is_some_and(|i| i.is_readable());
        let accept = listening
            && items[0]
                .get_revents()
                .intersects(zmq::POLLIN | zmq::POLLERR);
        let now = Instant::now();
        for (peer, item) in self.peers.iter_mut().zip(&items[first_peer..]) {
            let hangup = item.get_revents().contains(zmq::POLLERR);
            if (item.is_readable() || hangup) && peer.inbox.len() < QUEUE {
                peer.read(&mut self.ids);
            }
            // Writable again, or a PONG to send.
            if peer.pending() > 0 && !peer.closed {
                peer.flush();
            }
            if peer.handshake_deadline().is_some_and(|until| now >= until) {
                tracing::warn!("closed a connection: no ZeroMQ handshake within {HANDSHAKE:?}");
                peer.closed = true;
            }
        }
        drop(items);
        if accept {
            self.accept();
        }
        self.drop_closed();
        Ok(also_readable)
    }

    /// Gives what waits to be written up to `within` to leave (a server stopping: its last
    /// answers, as libzmq's linger does), then ends each connection in order (a FIN after the
    /// last byte, not a reset).
    pub fn linger(&mut self, within: Duration) {
        let deadline = Instant::now() + within;
        while self.peers.iter().any(|p| p.pending() > 0 && !p.closed) {
            let left = deadline.saturating_duration_since(Instant::now());
            if left.is_zero() {
                break;
            }
            let wait = i64::try_from(left.as_millis()).unwrap_or(0).max(1);
            if self.poll(None, wait).is_err() {
                break;
            }
        }
        for peer in &mut self.peers {
            peer.stream.shutdown_write();
            // What the peer sent meanwhile is read, so closing does not reset the connection.
            let mut sink = [0u8; 4096];
            while matches!(peer.stream.read(&mut sink), Ok(n) if n > 0) {}
        }
    }

    fn accept(&mut self) {
        let Some(listener) = &self.listener else {
            return;
        };
        loop {
            match listener.accept() {
                Ok(stream) => match Peer::new(stream) {
                    Ok(peer) => self.peers.push(peer),
                    Err(e) => tracing::warn!(error = %e, "cannot set up a connection"),
                },
                Err(e) if e.kind() == ErrorKind::WouldBlock => return,
                Err(e) if e.kind() == ErrorKind::Interrupted => {}
                Err(e) => {
                    // Out of file descriptors, say: the connection waits in the backlog, and
                    // the listener rests instead of waking the loop again at once.
                    tracing::warn!(error = %e, "cannot accept a connection; trying again in {RECONNECT:?}");
                    self.listener_rests_until = Instant::now() + RECONNECT;
                    return;
                }
            }
        }
    }

    fn reconnect(&mut self) {
        let Some((target, next_try)) = &mut self.target else {
            return;
        };
        if !self.peers.is_empty() || Instant::now() < *next_try {
            return;
        }
        *next_try = Instant::now() + RECONNECT;
        let stream = match target {
            Endpoint::Tcp(addr) => TcpStream::connect_timeout(addr, RECONNECT).map(Stream::Tcp),
            Endpoint::Host(host, port) => match resolve(host, *port) {
                Some(addr) => TcpStream::connect_timeout(&addr, RECONNECT).map(Stream::Tcp),
                None => Err(std::io::Error::new(
                    ErrorKind::NotFound,
                    format!("{host} does not resolve (yet?)"),
                )),
            },
            Endpoint::Ipc(path) => UnixStream::connect(path).map(Stream::Unix),
        };
        match stream.and_then(Peer::new) {
            Ok(peer) => self.peers.push(peer),
            Err(e) => tracing::debug!(error = %e, endpoint = %self.endpoint, "not connected yet"),
        }
    }

    fn drop_closed(&mut self) {
        let ids = &mut self.ids;
        self.peers.retain(|peer| {
            if peer.closed && peer.stage == Stage::Open {
                ids.taken.remove(&peer.id);
            }
            !peer.closed
        });
        if self.turn >= self.peers.len() {
            self.turn = 0;
        }
    }
}

impl Drop for Router {
    fn drop(&mut self) {
        if let Some(Listener::Unix(_, path)) = &self.listener {
            let _ = std::fs::remove_file(path);
        }
    }
}

/// An I/O error as the `zmq::Error` of the same errno (so a bind's error reads as libzmq's).
fn zmq_error(e: std::io::Error) -> zmq::Error {
    zmq::Error::from_raw(e.raw_os_error().unwrap_or(5 /* EIO */))
}

/// `tcp://…` resolved to the first IPv4 address, as libzmq prefers.
fn resolve(host: &str, port: u16) -> Option<SocketAddr> {
    use std::net::ToSocketAddrs;
    let all: Vec<SocketAddr> = (host, port).to_socket_addrs().ok()?.collect();
    all.iter()
        .find(|a| a.is_ipv4())
        .or_else(|| all.first())
        .copied()
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A peer on one end of a socket pair, and the other end, past both greetings and READYs.
    fn open_peer() -> (Peer, UnixStream, RoutingIds) {
        let (ours, mut theirs) = UnixStream::pair().expect("a socket pair");
        theirs
            .set_read_timeout(Some(Duration::from_secs(5)))
            .expect("timeout");
        let mut peer = Peer::new(Stream::Unix(ours)).expect("a peer");
        let mut hello = vec![0u8; wire::GREETING_LEN];
        theirs.read_exact(&mut hello).expect("our greeting");
        let mut ready = [0u8; 2];
        theirs.read_exact(&mut ready).expect("READY's header");
        let mut body = vec![0u8; usize::from(ready[1])];
        theirs.read_exact(&mut body).expect("READY");
        theirs.write_all(&wire::greeting()).expect("greeting");
        theirs
            .write_all(&wire::ready(&[
                ("Socket-Type", b"DEALER"),
                ("Identity", b"bob"),
            ]))
            .expect("READY");
        let mut ids = RoutingIds {
            next: 0,
            taken: HashSet::new(),
        };
        peer.read(&mut ids);
        assert!(peer.is_open());
        (peer, theirs, ids)
    }

    #[test]
    fn a_ping_is_answered_with_a_pong_of_the_same_context() {
        let (mut peer, mut theirs, mut ids) = open_peer();
        let mut ping = vec![4];
        ping.extend_from_slice(b"PING");
        ping.extend_from_slice(&[0, 10]); // TTL
        ping.extend_from_slice(b"ctx");
        let mut frame = Vec::new();
        wire::put_frame(&mut frame, wire::COMMAND, &ping);
        theirs.write_all(&frame).expect("PING");
        peer.read(&mut ids);
        peer.flush();
        let mut pong = [0u8; 10];
        theirs.read_exact(&mut pong).expect("PONG");
        assert_eq!(&pong, b"\x04\x08\x04PONGctx");
    }

    #[test]
    fn messages_carry_the_peers_identity_and_split_reads_are_joined() {
        let (mut peer, mut theirs, mut ids) = open_peer();
        assert_eq!(peer.id, b"bob");
        let mut frames = Vec::new();
        wire::put_frame(&mut frames, wire::MORE, b"");
        wire::put_frame(&mut frames, 0, &[9; 1000]);
        for byte in &frames {
            theirs.write_all(&[*byte]).expect("one byte");
            peer.read(&mut ids);
        }
        assert_eq!(
            peer.inbox.len(),
            1,
            "one message, once all its bytes are in"
        );
        assert_eq!(peer.inbox[0], vec![b"bob".to_vec(), vec![], vec![9; 1000]]);
    }
}
