//! `zmq-reqrep` — round trips per second with 64-byte messages over REQ/REP on loopback.
//!
//! One sample = one client connection doing round trips for the sample time, after a warm-up.
//! Four contenders, taken in turn:
//! - **Rust**: section 1's own server loop (`demo1_reqrep::serve`, console sent to a sink) and a
//!   REQ client with a reply deadline, like `demo1-client`;
//! - **pyzmq**: the same pair written plainly with pyzmq (`bench/peers/zmq_reqrep.py`): the peer;
//! - **raw libzmq**: the thinnest server loop the `zmq` crate allows (blocking receive into one
//!   reused message, no poll, no console), same client: what section 1's server loop costs;
//! - **TCP ping-pong**: 64 bytes each way on a plain `TcpStream` with `TCP_NODELAY`: the
//!   loopback limit, what any message library adds its own work to.

use std::io::{Read, Write};
use std::net::{TcpListener, TcpStream};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::time::Duration;

use anyhow::anyhow;

use super::{background, Background};
use crate::ctx::{bench_peer, peer_rate, start_server, Ctx, Ready};
use crate::measure::{self, Better, Contender, Rate, Row, Target};

/// The message size: 64 bytes, a short request like section 1's.
const SIZE: usize = 64;
/// Round trips before the clock starts (connection set-up, first allocations).
const WARM_UP: u32 = 100;
/// The reply deadline of our client (as `demo1-client` has one, if shorter).
const REPLY_TIMEOUT: Duration = Duration::from_secs(5);
/// "Within a few percent of raw libzmq".
const RAW_TARGET: f64 = 0.95;

pub fn run(ctx: &Ctx) -> anyhow::Result<Vec<Row>> {
    let sample = ctx.budget.sample;
    let script = bench_peer("zmq_reqrep.py");
    let py_endpoint = test_support::free_endpoint();
    let _py_server = start_server(
        "pyzmq REP server",
        ctx.python(&script)?.args(["server", &py_endpoint]),
        Ready::Line("READY"),
        Duration::from_secs(10),
    )?;
    let (rust_endpoint, _rust_server) = demo1_server()?;
    let (raw_endpoint, _raw_server) = raw_server()?;
    let (tcp_addr, _tcp_server) = tcp_echo_server()?;
    let message = [b'x'; SIZE];

    let seconds = format!("{}", sample.as_secs_f64());
    let size = SIZE.to_string();
    let medians = measure::round_robin(
        ctx.budget.repeats,
        &mut [
            Contender::new("Rust (demo1 server + REQ)", || {
                Ok(rust_client(&rust_endpoint, &message, sample)?.per_second())
            }),
            Contender::new("pyzmq REQ/REP", || {
                let mut cmd = ctx.python(&script)?;
                cmd.args(["client", &py_endpoint, &size, &seconds]);
                Ok(peer_rate(
                    "pyzmq REQ client",
                    &mut cmd,
                    sample * 4 + Duration::from_secs(10),
                )?
                .per_second())
            }),
            Contender::new("raw libzmq", || {
                Ok(rust_client(&raw_endpoint, &message, sample)?.per_second())
            }),
            Contender::new("TCP ping-pong", || {
                Ok(tcp_client(&tcp_addr, &message, sample)?.per_second())
            }),
        ],
        ctx.sample_reporter("round trips/s"),
    )?;
    let [rust, python, raw, tcp] = medians[..] else {
        return Err(anyhow!("expected four medians"));
    };
    let unit = "round trips/s";
    Ok(vec![
        Row::new(
            "zmq-reqrep",
            unit,
            Better::Higher,
            rust,
            "pyzmq REQ/REP",
            python,
        )
        .with_target(Target::RatioAtLeast(1.0)),
        Row::new(
            "zmq-reqrep",
            unit,
            Better::Higher,
            rust,
            "raw libzmq REP loop, same client",
            raw,
        )
        .with_target(Target::RatioAtLeast(RAW_TARGET)),
        Row::new(
            "zmq-reqrep",
            unit,
            Better::Higher,
            rust,
            "TCP ping-pong, TCP_NODELAY",
            tcp,
        ),
    ])
}

/// Section 1's echo server, in a thread: the code `demo1-server` runs, minus the console.
fn demo1_server() -> anyhow::Result<(String, Background)> {
    let context = zmq::Context::new();
    let socket = context.socket(zmq::REP)?;
    let endpoint = common::zmq_util::bind_ephemeral(&socket)?;
    let server = background("demo1 server", move |stop: Arc<AtomicBool>| {
        let _context = context; // keep the context alive as long as its socket
        demo1_reqrep::serve(&socket, &mut std::io::sink(), &stop)?;
        Ok(())
    });
    Ok((endpoint, server))
}

/// A REQ client with a reply deadline, like `demo1-client` — but the deadline is the socket's
/// receive timeout (`ZMQ_RCVTIMEO`) instead of a `poll` before each receive, and the reply
/// goes into one reused message: same safety, no extra system call or allocation per round
/// trip. (A client doing one call, like `demo1-client`, does not care; a load generator does.)
fn rust_client(endpoint: &str, message: &[u8], duration: Duration) -> anyhow::Result<Rate> {
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
fn raw_server() -> anyhow::Result<(String, Background)> {
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

/// A TCP echo server for fixed-size messages: one thread per connection.
fn tcp_echo_server() -> anyhow::Result<(std::net::SocketAddr, Background)> {
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
    let _ = stream.set_read_timeout(Some(Duration::from_secs(5)));
    while stream.read_exact(&mut buffer).is_ok() {
        if stream.write_all(&buffer).is_err() {
            break;
        }
    }
}

fn tcp_client(
    addr: &std::net::SocketAddr,
    message: &[u8],
    duration: Duration,
) -> anyhow::Result<Rate> {
    let mut stream = TcpStream::connect(addr)?;
    stream.set_nodelay(true)?;
    stream.set_read_timeout(Some(REPLY_TIMEOUT))?;
    let mut reply = vec![0u8; message.len()];
    let mut round_trip = || -> anyhow::Result<()> {
        stream.write_all(message)?;
        stream.read_exact(&mut reply)?;
        Ok(())
    };
    for _ in 0..WARM_UP {
        round_trip()?;
    }
    measure::for_duration(duration, u64::MAX, round_trip)
}
