//! `xmlrpc` — section 8's server (`xmlrpc-server`, hyper + tokio) against the tutorial's Python
//! server (`xmlrpc-calc/peers/server.py`: `SimpleXMLRPCServer` + `ThreadingMixIn`), both driven
//! by the same load generator ([`crate::load`]):
//! - calls/s of `add(7, 3)` with 1 and with 8 clients, each keeping its connection alive when
//!   the server allows it (Python's server answers HTTP/1.0 and closes after every call, so its
//!   clients reconnect each time: that is part of what is measured);
//! - the tutorial's concurrency experiment: 500 calls of `sleep(5)` at once (20 of 0.2 s with
//!   `--quick`), one burst per server: the wall time until every call was answered or failed,
//!   and how many were answered (the Python server resets part of them).

use std::cell::RefCell;
use std::net::SocketAddr;
use std::time::Duration;

use anyhow::{anyhow, bail};

use crate::ctx::{free_addr, section_peer, start_server, Ctx, Ready};
use crate::limits::Loopback;
use crate::load::{self, HttpClient};
use crate::measure::{self, Better, Contender, Row, Target};

const PYTHON_PEER: &str = "Python ThreadingMixIn server";
/// One client: at least this fraction of the TCP ping-pong of the same run.
const LIMIT_TARGET: f64 = 0.8;

/// How long one of the concurrent `sleep` calls may take in all. Generous: a server whose
/// listen backlog overflows (Python's `socketserver` listens with a backlog of 5) makes the
/// kernel drop handshakes, and clients retry them after 1, 3, 7, 15, 31 s…
const BURST_TIMEOUT: Duration = Duration::from_secs(120);

/// The XML-RPC call both servers answer (the body a Python `ServerProxy` sends for `add(7, 3)`).
const ADD_7_3: &str = "<?xml version='1.0'?>\n<methodCall>\n<methodName>add</methodName>\n\
<params>\n<param>\n<value><int>7</int></value>\n</param>\n<param>\n<value><int>3</int></value>\n\
</param>\n</params>\n</methodCall>\n";

pub fn run(ctx: &Ctx) -> anyhow::Result<Vec<Row>> {
    let budget = ctx.budget;
    let script = section_peer("xmlrpc-calc", "server.py");
    let mut python_cmd = ctx.python(&script)?;
    let binary = ctx.binary("xmlrpc-calc", "xmlrpc-server")?;

    let rust_addr = free_addr();
    let _rust = start_server(
        "xmlrpc-server",
        std::process::Command::new(&binary).args(["--listen", &rust_addr.to_string()]),
        Ready::Port(rust_addr),
        Duration::from_secs(10),
    )?;
    let py_addr = free_addr();
    let _python = start_server(
        "server.py",
        python_cmd.arg(py_addr.port().to_string()),
        Ready::Port(py_addr),
        Duration::from_secs(10),
    )?;
    check_answer(rust_addr)?;
    check_answer(py_addr)?;

    let limits = Loopback::start()?;
    let mut rows = Vec::new();
    for clients in [1, 8] {
        let unit = "calls/s";
        ctx.say(format!("add(7, 3) with {clients} keep-alive client(s)"));
        let mut contenders = vec![
            Contender::new("Rust xmlrpc-server", || {
                calls_per_second(rust_addr, clients, budget.sample)
            }),
            Contender::new(PYTHON_PEER, || {
                calls_per_second(py_addr, clients, budget.sample)
            }),
        ];
        // One client: also the limit, in the same round robin (crate::limits).
        if clients == 1 {
            contenders.push(Contender::new("TCP ping-pong", || {
                limits.tcp_ping_pong(budget.sample)
            }));
        }
        let medians =
            measure::round_robin(budget.repeats, &mut contenders, ctx.sample_reporter(unit))?;
        let mut row = Row::new(
            format!(
                "xmlrpc ({clients} client{})",
                if clients == 1 { "" } else { "s" }
            ),
            unit,
            Better::Higher,
            medians[0],
            PYTHON_PEER,
            medians[1],
        )
        .with_target(Target::RatioAtLeast(5.0));
        if let [_, _, tcp] = medians[..] {
            ctx.note_limit(tcp);
            row = row
                .with_limit(tcp)
                .with_target(Target::LimitAtLeast(LIMIT_TARGET));
        }
        rows.push(row);
    }

    let calls = budget.pick(20, 500);
    let seconds = budget.pick(0.2, 5.0);
    ctx.say(format!("{calls} concurrent sleep({seconds}) calls"));
    // Each sample gives two figures: the wall time (what round_robin gets) and how many calls
    // were answered (kept aside here). One sample each: against the Python server a full
    // burst takes minutes.
    let answered = [RefCell::new(Vec::new()), RefCell::new(Vec::new())];
    let burst = |addr, answered: &RefCell<Vec<f64>>| -> anyhow::Result<f64> {
        let outcome = sleep_burst(addr, calls, seconds)?;
        if let Some(error) = &outcome.first_error {
            ctx.say(format!(
                "{} of {calls} calls failed, the first with: {error}",
                outcome.failed
            ));
        }
        answered.borrow_mut().push(outcome.answered as f64);
        Ok(outcome.elapsed.as_secs_f64())
    };
    let medians = measure::round_robin(
        1,
        &mut [
            Contender::new("Rust xmlrpc-server", || burst(rust_addr, &answered[0])),
            Contender::new(PYTHON_PEER, || burst(py_addr, &answered[1])),
        ],
        ctx.sample_reporter("s"),
    )?;
    let scenario = format!("xmlrpc {calls} × sleep({seconds})");
    rows.push(Row::new(
        scenario.clone(),
        "s until all answered or failed",
        Better::Lower,
        medians[0],
        PYTHON_PEER,
        medians[1],
    ));
    rows.push(Row::new(
        scenario,
        format!("calls answered (of {calls})"),
        Better::Higher,
        measure::median(&answered[0].borrow()),
        PYTHON_PEER,
        measure::median(&answered[1].borrow()),
    ));
    Ok(rows)
}

/// One call, checked: both servers must really compute 7 + 3.
fn check_answer(addr: SocketAddr) -> anyhow::Result<()> {
    let reply = HttpClient::post(addr, "/", "text/xml", ADD_7_3).call()?;
    let text = String::from_utf8_lossy(&reply);
    let ten = ["<int>10</int>", "<i4>10</i4>"]
        .iter()
        .any(|t| text.contains(t));
    if !ten || text.contains("<fault>") {
        bail!("{addr} did not answer add(7, 3) with 10: {text}");
    }
    Ok(())
}

fn calls_per_second(addr: SocketAddr, clients: usize, duration: Duration) -> anyhow::Result<f64> {
    let rate = load::concurrent(
        clients,
        duration,
        || Ok(HttpClient::post(addr, "/", "text/xml", ADD_7_3)),
        |client| client.call().map(drop),
    )?;
    Ok(rate.per_second())
}

/// `calls` clients call `sleep(seconds)` at once.
fn sleep_burst(addr: SocketAddr, calls: usize, seconds: f64) -> anyhow::Result<load::Burst> {
    let body = format!(
        "<?xml version='1.0'?>\n<methodCall>\n<methodName>sleep</methodName>\n<params>\n\
         <param>\n<value><double>{seconds}</double></value>\n</param>\n</params>\n</methodCall>\n"
    );
    load::burst(calls, || {
        let reply = HttpClient::post(addr, "/", "text/xml", &body)
            .with_timeout(BURST_TIMEOUT)
            .call()?;
        if reply.windows(7).any(|w| w == b"<fault>") {
            return Err(anyhow!("sleep failed: {}", String::from_utf8_lossy(&reply)));
        }
        Ok(())
    })
}
