//! The loopback limits every single-client row is held against, measured in the same run as
//! the row (one more contender in its round robin), so that a figure says how close a server
//! comes to the machine's own round trip rather than only how it compares with its peer:
//! - **TCP ping-pong**: 64 bytes each way on a plain `TcpStream` with `TCP_NODELAY`, echoed
//!   by a thread that blocks in `read`: one wake-up on each side per round trip, the least any
//!   request/reply over TCP can cost (`limit_ratio`);
//! - **raw libzmq REQ/REP**: the thinnest REP loop the `zmq` crate allows, with a REQ client
//!   that has a reply deadline: what ZeroMQ itself costs (`transport_ratio`);
//! - **TCP connect + ping-pong + close**: a connection per round trip, as JSON-RPC over raw
//!   TCP does it the tutorial's way, answered on the accepting thread (`limit_ratio` of
//!   `jsonrpc-tcp`).

use std::io::{Read, Write};
use std::net::{SocketAddr, TcpListener, TcpStream};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::time::Duration;

use anyhow::anyhow;

use crate::measure::{self, Rate};
use crate::scenarios::{background, Background};

/// The message size: 64 bytes, a short request.
pub const SIZE: usize = 64;
/// Round trips before the clock starts (connection set-up, first allocations).
const WARM_UP: u32 = 100;
/// How long a round trip may take before a sample fails.
const REPLY_TIMEOUT: Duration = Duration::from_secs(5);

/// The three echo servers, on threads of the bench, stopped when dropped.
pub struct Loopback {
    tcp: SocketAddr,
    connect: SocketAddr,
    raw: String,
    _servers: [Background; 2],
    _connect_server: ConnectEcho,
}

impl Loopback {
    pub fn start() -> anyhow::Result<Loopback> {
        let (tcp, tcp_server) = tcp_echo_server()?;
        let connect_server = ConnectEcho::start()?;
        let (raw, raw_server) = raw_zmq_server()?;
        Ok(Loopback {
            tcp,
            connect: connect_server.addr,
            raw,
            _servers: [tcp_server, raw_server],
            _connect_server: connect_server,
        })
    }

    /// One sample of TCP ping-pong: round trips/s for `duration`.
    pub fn tcp_ping_pong(&self, duration: Duration) -> anyhow::Result<f64> {
        Ok(tcp_client(&self.tcp, duration)?.per_second())
    }

    /// One sample of the raw libzmq REQ/REP loop: round trips/s.
    pub fn raw_zmq(&self, duration: Duration) -> anyhow::Result<f64> {
        Ok(req_client(&self.raw, &[b'x'; SIZE], duration)?.per_second())
    }

    /// One sample of connect + 64-byte ping-pong + close: connections/s.
    pub fn tcp_connect_ping_pong_close(&self, duration: Duration) -> anyhow::Result<f64> {
        let message = [b'x'; SIZE];
        let mut reply = [0u8; SIZE];
        let addr = self.connect;
        let rate = measure::for_duration(duration, u64::MAX, || {
            // As the load generator's JSON-RPC client connects: with a deadline.
            let mut stream = TcpStream::connect_timeout(&addr, REPLY_TIMEOUT)?;
            stream.set_nodelay(true)?;
            stream.set_read_timeout(Some(REPLY_TIMEOUT))?;
            stream.write_all(&message)?;
            stream.read_exact(&mut reply)?;
            Ok(())
        })?;
        Ok(rate.per_second())
    }
}

/// A REQ client with a reply deadline, like `demo1-client` — but the deadline is the socket's
/// receive timeout (`ZMQ_RCVTIMEO`) instead of a `poll` before each receive, and the reply
/// goes into one reused message: same safety, no extra system call or allocation per round
/// trip. (A client doing one call, like `demo1-client`, does not care; a load generator does.)
pub fn req_client(endpoint: &str, message: &[u8], duration: Duration) -> anyhow::Result<Rate> {
    let context = zmq::Context::new();
    let socket = context.socket(zmq::REQ)?;
    socket.set_linger(0)?;
    socket.set_rcvtimeo(millis(REPLY_TIMEOUT))?;
    socket.connect(endpoint)?;
    let mut reply = zmq::Message::new();
    let mut round_trip = || -> anyhow::Result<()> {
        socket.send(message, 0)?;
        match socket.recv(&mut reply, 0) {
            Ok(()) => Ok(()),
            Err(zmq::Error::EAGAIN) => {
                Err(anyhow!("no reply from {endpoint} within {REPLY_TIMEOUT:?}"))
            }
            Err(e) => Err(e.into()),
        }
    };
    for _ in 0..WARM_UP {
        round_trip()?;
    }
    measure::for_duration(duration, u64::MAX, round_trip)
}

/// A timeout as the milliseconds ZeroMQ socket options take.
fn millis(timeout: Duration) -> i32 {
    i32::try_from(timeout.as_millis()).unwrap_or(i32::MAX)
}

/// The thinnest REP loop: blocking receive into one reused message, send it back.
/// (A receive timeout only so that the thread notices `stop` when idle.)
fn raw_zmq_server() -> anyhow::Result<(String, Background)> {
    let context = zmq::Context::new();
    let socket = context.socket(zmq::REP)?;
    socket.set_rcvtimeo(100)?;
    let endpoint = common::zmq_util::bind_ephemeral(&socket)?;
    let server = background("raw REP", move |stop: Arc<AtomicBool>| {
        let _context = context;
        let mut message = zmq::Message::new();
        while !stop.load(Ordering::Relaxed) {
            match socket.recv(&mut message, 0) {
                Ok(()) => socket.send(&*message, 0)?,
                Err(zmq::Error::EAGAIN) => continue,
                Err(e) => return Err(e.into()),
            }
        }
        Ok(())
    });
    Ok((endpoint, server))
}

/// A TCP echo server for fixed-size messages: one thread per connection. The accept loop
/// looks at `stop` every 10 ms while idle.
fn tcp_echo_server() -> anyhow::Result<(SocketAddr, Background)> {
    let listener = TcpListener::bind("127.0.0.1:0")?;
    listener.set_nonblocking(true)?;
    let addr = listener.local_addr()?;
    let server = background("TCP echo", move |stop: Arc<AtomicBool>| {
        while !stop.load(Ordering::Relaxed) {
            match listener.accept() {
                Ok((stream, _)) => {
                    stream.set_nonblocking(false)?;
                    stream.set_nodelay(true)?;
                    std::thread::spawn(move || echo_fixed(stream));
                }
                Err(e) if e.kind() == std::io::ErrorKind::WouldBlock => {
                    std::thread::sleep(Duration::from_millis(10));
                }
                Err(e) => return Err(e.into()),
            }
        }
        Ok(())
    });
    Ok((addr, server))
}

/// Echoes `SIZE`-byte blocks until the client hangs up (or goes silent for 5 s).
fn echo_fixed(mut stream: TcpStream) {
    let mut buffer = [0u8; SIZE];
    let _ = stream.set_read_timeout(Some(REPLY_TIMEOUT));
    while stream.read_exact(&mut buffer).is_ok() {
        if stream.write_all(&buffer).is_err() {
            break;
        }
    }
}

/// Echoes one block per connection, on the accepting thread, then closes it. The accept
/// blocks (a poll with a sleep would add its sleep to every connection); to stop, `Drop`
/// raises the flag and connects once to wake it, then joins: bounded by the 5 s read timeout
/// of a connection in hand.
struct ConnectEcho {
    addr: SocketAddr,
    stop: Arc<AtomicBool>,
    thread: Option<std::thread::JoinHandle<()>>,
}

impl ConnectEcho {
    fn start() -> anyhow::Result<ConnectEcho> {
        let listener = TcpListener::bind("127.0.0.1:0")?;
        let addr = listener.local_addr()?;
        let stop = Arc::new(AtomicBool::new(false));
        let stopped = Arc::clone(&stop);
        let thread = std::thread::Builder::new()
            .name("TCP connect echo".into())
            .spawn(move || {
                let mut buffer = [0u8; SIZE];
                for stream in listener.incoming() {
                    if stopped.load(Ordering::Relaxed) {
                        break;
                    }
                    let Ok(mut stream) = stream else { continue };
                    let _ = stream.set_nodelay(true);
                    let _ = stream.set_read_timeout(Some(REPLY_TIMEOUT));
                    if stream.read_exact(&mut buffer).is_ok() {
                        let _ = stream.write_all(&buffer);
                    }
                }
            })?;
        Ok(ConnectEcho {
            addr,
            stop,
            thread: Some(thread),
        })
    }
}

impl Drop for ConnectEcho {
    fn drop(&mut self) {
        self.stop.store(true, Ordering::Relaxed);
        if TcpStream::connect_timeout(&self.addr, Duration::from_secs(1)).is_ok() {
            if let Some(thread) = self.thread.take() {
                let _ = thread.join();
            }
        }
    }
}

fn tcp_client(addr: &SocketAddr, duration: Duration) -> anyhow::Result<Rate> {
    let message = [b'x'; SIZE];
    let mut stream = TcpStream::connect(addr)?;
    stream.set_nodelay(true)?;
    stream.set_read_timeout(Some(REPLY_TIMEOUT))?;
    let mut reply = [0u8; SIZE];
    let mut round_trip = || -> anyhow::Result<()> {
        stream.write_all(&message)?;
        stream.read_exact(&mut reply)?;
        Ok(())
    };
    for _ in 0..WARM_UP {
        round_trip()?;
    }
    measure::for_duration(duration, u64::MAX, round_trip)
}
