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

use std::sync::atomic::AtomicBool;
use std::sync::Arc;
use std::time::Duration;

use anyhow::anyhow;

use super::{background, Background};
use crate::ctx::{bench_peer, peer_rate, start_server, Ctx, Ready};
use crate::limits::{req_client, Loopback, SIZE};
use crate::measure::{self, Better, Contender, Row, Target};

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
    let limits = Loopback::start()?;
    let message = [b'x'; SIZE];

    let seconds = format!("{}", sample.as_secs_f64());
    let size = SIZE.to_string();
    let medians = measure::round_robin(
        ctx.budget.repeats,
        &mut [
            Contender::new("Rust (demo1 server + REQ)", || {
                Ok(req_client(&rust_endpoint, &message, sample)?.per_second())
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
            Contender::new("raw libzmq", || limits.raw_zmq(sample)),
            Contender::new("TCP ping-pong", || limits.tcp_ping_pong(sample)),
        ],
        ctx.sample_reporter("round trips/s"),
    )?;
    let [rust, python, raw, tcp] = medians[..] else {
        return Err(anyhow!("expected four medians"));
    };
    ctx.note_limit(tcp);
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
        .with_target(Target::RatioAtLeast(1.0))
        .with_limit(tcp)
        .with_transport(raw),
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
            raw,
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
