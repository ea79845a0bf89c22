//! `msgpack-rpc` — calls per second of section 6's `plus` call (a MessagePack map over
//! REQ/REP, the reply `19`), `demo6-server` against the tutorial's PHP route-table server
//! (`demo6-rpc-server/peers/server.php`), with the same Rust REQ client(s): one client, then
//! four at once (a REP server answers one request at a time; more clients keep it busy while
//! each of them is between calls).
//!
//! Both servers print a line per call to stdout, as the tutorial's do; here it goes to
//! `/dev/null` for both (the write is still paid, on both sides alike).

use std::process::Command;
use std::time::Duration;

use anyhow::{anyhow, bail};
use serde::Serialize;

use crate::ctx::{section_peer, Ctx, QuietServer};
use crate::limits::Loopback;
use crate::load;
use crate::measure::{self, Better, Contender, Row, Target};

const PEER: &str = "PHP route-table server";
/// The reply deadline of the bench's clients.
const REPLY_TIMEOUT: Duration = Duration::from_secs(10);

/// Section 6's request; serialised with `to_vec_named` it is a map with string keys, as the
/// tutorial's PHP and Python clients send it.
#[derive(Serialize)]
struct Call<'a> {
    function_name: &'a str,
    parameters: &'a [i64],
}

pub fn run(ctx: &Ctx) -> anyhow::Result<Vec<Row>> {
    let mut php = ctx.php(&section_peer("demo6-rpc-server", "server.php"))?;
    let binary = ctx.binary("demo6-rpc-server", "demo6-server")?;
    let request = plus_request()?;

    let rust_endpoint = test_support::free_endpoint();
    let rust_server = QuietServer::start(
        "demo6-server",
        Command::new(binary).args(["--bind", &rust_endpoint]),
    )?;
    let php_endpoint = test_support::free_endpoint();
    let php_server = QuietServer::start("server.php", php.env("ZMQ_ENDPOINT", &php_endpoint))?;
    // The first call waits for each server to be up (a REQ socket queues until it connects)
    // and checks that it really answers 19.
    let context = zmq::Context::new();
    for (endpoint, server) in [(&rust_endpoint, &rust_server), (&php_endpoint, &php_server)] {
        let mut client = Client::connect(&context, endpoint)?;
        let reply = client.call(&request).map_err(|e| server.explain(e))?;
        if rmp_serde::from_slice::<i64>(reply).ok() != Some(19) {
            bail!("{endpoint} did not answer plus(...) with 19: {reply:?}");
        }
    }

    let sample = ctx.budget.sample;
    let limits = Loopback::start()?;
    let mut rows = Vec::new();
    for clients in [1, 4] {
        ctx.say(format!(
            "plus(1, 2, 2, 3, 3, 4, 2, 3, -1) with {clients} client(s)"
        ));
        let rate = |endpoint: &str, server: &QuietServer| -> anyhow::Result<f64> {
            let rate = load::concurrent(
                clients,
                sample,
                || Client::connect(&context, endpoint),
                |client| client.call(&request).map(drop),
            )
            .map_err(|e| server.explain(e))?;
            Ok(rate.per_second())
        };
        let mut contenders = vec![
            Contender::new("Rust demo6-server", || rate(&rust_endpoint, &rust_server)),
            Contender::new(PEER, || rate(&php_endpoint, &php_server)),
        ];
        // One client: also the limits, in the same round robin (crate::limits).
        if clients == 1 {
            contenders.push(Contender::new("TCP ping-pong", || {
                limits.tcp_ping_pong(sample)
            }));
            contenders.push(Contender::new("raw libzmq", || limits.raw_zmq(sample)));
        }
        let medians = measure::round_robin(
            ctx.budget.repeats,
            &mut contenders,
            ctx.sample_reporter("calls/s"),
        )?;
        let mut row = Row::new(
            format!(
                "msgpack-rpc ({clients} client{})",
                if clients == 1 { "" } else { "s" }
            ),
            "calls/s",
            Better::Higher,
            medians[0],
            PEER,
            medians[1],
        )
        .with_target(Target::RatioAtLeast(1.0));
        if let [_, _, tcp, raw] = medians[..] {
            ctx.note_limit(tcp);
            row = row.with_limit(tcp).with_transport(raw);
        }
        rows.push(row);
    }
    Ok(rows)
}

/// demo6's `plus(1, 2, 2, 3, 3, 4, 2, 3, -1)`, encoded once (the answer is 19).
pub(crate) fn plus_request() -> anyhow::Result<Vec<u8>> {
    Ok(rmp_serde::to_vec_named(&Call {
        function_name: "plus",
        parameters: &[1, 2, 2, 3, 3, 4, 2, 3, -1],
    })?)
}

/// A REQ client that sends pre-encoded requests and waits for each reply with a deadline
/// (the socket's receive timeout: no extra `poll` per call, see `zmq_reqrep::rust_client`).
pub(crate) struct Client {
    socket: zmq::Socket,
    endpoint: String,
    reply: zmq::Message,
}

impl Client {
    pub(crate) fn connect(context: &zmq::Context, endpoint: &str) -> anyhow::Result<Client> {
        let socket = context.socket(zmq::REQ)?;
        socket.set_linger(0)?;
        socket.set_rcvtimeo(i32::try_from(REPLY_TIMEOUT.as_millis()).unwrap_or(i32::MAX))?;
        socket.connect(endpoint)?;
        Ok(Client {
            socket,
            endpoint: endpoint.to_string(),
            reply: zmq::Message::new(),
        })
    }

    pub(crate) fn call(&mut self, request: &[u8]) -> anyhow::Result<&[u8]> {
        self.socket.send(request, 0)?;
        match self.socket.recv(&mut self.reply, 0) {
            Ok(()) => Ok(&self.reply),
            Err(zmq::Error::EAGAIN) => Err(anyhow!(
                "no reply from {} within {REPLY_TIMEOUT:?}",
                self.endpoint
            )),
            Err(e) => Err(e.into()),
        }
    }
}
