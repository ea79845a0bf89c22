//! Chapter zerorpc — from a route table to a framework: the zerorpc protocol (section 6½).

use std::time::{Duration, Instant};

use anyhow::Context;
use demo6_rpc_server::Request;
use test_support::ServerThread;
use zerorpc_framework::events::{self, Event, HEARTBEAT, MORE};
use zerorpc_framework::{app, Client, Options, Value};

use super::demo5::show_msgpack;
use super::{stop, Chapter, Need};
use crate::narrator::Narrator;
use crate::recorder::{short, Message};

pub const CHAPTER: Chapter = Chapter {
    name: "zerorpc",
    number: "6½",
    krate: "zerorpc-framework",
    title: "from a route table to a framework (zerorpc over ROUTER/DEALER)",
    needs: &[],
    optional: &[Need::Python],
    run,
};

/// The tour's heartbeat: 1 s instead of zerorpc's 5 s, so a 2.5 s call shows two of them.
const HEARTBEAT_INTERVAL: Duration = Duration::from_secs(1);
const WAIT: Duration = Duration::from_secs(5);

/// The diagram's lifelines: the tour's raw DEALER plays the client.
const CLIENT: &str = "zerorpc-client";
const SERVER: &str = "zerorpc-server";

/// A later event of the chapter: the header map was broken down for the first call and its
/// answer, so later events are one line (`⇄ caption (84 bytes): STREAM [0]`) — every byte with
/// `--bytes all`, and always on the page, a click away.
fn show_event(n: &mut Narrator, caption: &str, bytes: &[u8]) {
    match Event::decode(bytes) {
        Ok(event) if !n.every_byte() => n.say(&format!(
            "⇄ {caption} ({} bytes): {} {}",
            bytes.len(),
            event.name,
            event.args
        )),
        _ => show_msgpack(n, caption, bytes),
    }
}

/// An event's arrow label: `OK [19]`, `STREAM 0`, `plus [[1, 2, …]]`.
fn label(event: &Event) -> String {
    short(&format!("{} {}", event.name, event.args))
}

/// The next event on a raw DEALER (`["", payload]`), its payload bytes and the event; drawn.
fn next(n: &mut Narrator, dealer: &zmq::Socket) -> anyhow::Result<(Vec<u8>, Event)> {
    let (payload, event) =
        events::recv(dealer, WAIT)?.context("no event from zerorpc-server within 5 s")?;
    let bodies: [&[u8]; 2] = [b"", &payload];
    n.message(Message::zmq(SERVER, CLIENT, label(&event), &bodies).msgpack(&payload));
    Ok((payload, event))
}

/// Sends one event as `["", payload]` (DEALER to ROUTER); drawn.
fn send(n: &mut Narrator, dealer: &zmq::Socket, event: &Event) -> anyhow::Result<()> {
    let payload = event.encode();
    events::send(dealer, &[], &payload)?;
    n.message(Message::zmq(CLIENT, SERVER, label(event), &[b"", &payload]).msgpack(&payload));
    Ok(())
}

/// A call event with a short, readable id (Python's are 32 hex characters as bin).
fn call(id: &str, method: &str, args: Vec<Value>) -> Event {
    let mut event = Event::new(method, Value::Array(args), None);
    event.header.message_id = Value::Binary(id.as_bytes().to_vec());
    event
}

fn run(n: &mut Narrator) -> anyhow::Result<()> {
    n.say(
        "Section 6 ended with: what's a framework? what are IoC and AOP? The tutorial's author\n\
         used zerorpc on this very stack (ZeroMQ + MessagePack). zerorpc-framework speaks its\n\
         protocol, so the real Python zerorpc works against it both ways. A framework adds what\n\
         demo6 lacked: message ids, error triples, heartbeats, streams, introspection.",
    );

    n.participants(&[CLIENT, SERVER]);
    let context = zmq::Context::new();
    let bound = app::server(None)
        .heartbeat(HEARTBEAT_INTERVAL)
        .console(n.console_writer(SERVER))
        .bind(&context, "tcp://127.0.0.1:*")?;
    let endpoint = bound.endpoint().to_string();
    n.step(&format!(
        "zerorpc-server binds a ROUTER on {endpoint} (zerorpc's port is 4242); its heartbeat is\n    \
         1 s in this tour instead of zerorpc's 5 s, to keep the chapter short"
    ));
    n.say(
        "IoC: the server's code is a list of plain functions — .method(\"add(a, b)\", …, add) —\n\
         the framework owns the socket, the loop, the ids and the threads, and calls them.",
    );
    let server = ServerThread::spawn("zerorpc-server", move |flag| {
        if let Err(e) = bound.run(&flag) {
            eprintln!("zerorpc-server stopped: {e}");
        }
    });
    let dealer = context.socket(zmq::DEALER)?;
    dealer.set_linger(0)?;
    dealer.connect(&endpoint)?;

    n.step("the same plus call, first as demo6 sent it, then as a zerorpc event");
    show_msgpack(
        n,
        "demo6: a map {function_name, parameters}",
        &Request::tutorial().to_bytes(),
    );
    let numbers: Vec<Value> = [1, 2, 2, 3, 3, 4, 2, 3, -1]
        .into_iter()
        .map(Value::from)
        .collect();
    let plus = call("id-plus", "plus", vec![Value::Array(numbers)]);
    show_msgpack(
        n,
        "zerorpc: [header, name, args], header {message_id, v: 3}",
        &plus.encode(),
    );
    send(n, &dealer, &plus)?;
    let (bytes, answer) = next(n, &dealer)?;
    show_msgpack(
        n,
        "the answer: OK [19], with response_to = our id, same type (bin)",
        &bytes,
    );
    anyhow::ensure!(
        answer.args == Value::Array(vec![19.into()]),
        "expected OK [19], got {}",
        answer.args
    );
    n.say(
        "demo6's reply was the bare 19: one call at a time on a REQ socket. Here every event has\n\
         an id and every answer names the call it answers, so one DEALER carries many calls.\n\
         Echo the id with its exact type: a Python client drops a str answer to its bin id.",
    );

    n.step("a stream: count(3) — one STREAM event per item, paced by credit");
    let count = call("id-count", "count", vec![3.into()]);
    send(n, &dealer, &count)?;
    let (bytes, first) = next(n, &dealer)?;
    show_event(
        n,
        "STREAM 0 — the server's one initial credit is spent",
        &bytes,
    );
    anyhow::ensure!(
        first.name == "STREAM",
        "expected STREAM, got {}",
        first.name
    );
    let grant = Event::new(
        MORE,
        Value::Array(vec![100.into()]),
        Some(count.header.message_id.clone()),
    );
    show_event(
        n,
        "we grant credit: _zpc_more [100] (Python's receive buffer is 100)",
        &grant.encode(),
    );
    send(n, &dealer, &grant)?;
    loop {
        let (_, event) = next(n, &dealer)?;
        n.field(&event.name, &event.args.to_string());
        if event.name != "STREAM" {
            break;
        }
    }

    n.step("a slow call, sleep(2.5): heartbeats keep the conversation alive");
    let slow = call("id-sleep", "sleep", vec![2.5.into()]);
    send(n, &dealer, &slow)?;
    let started = Instant::now();
    let mut shown = false;
    let answer = loop {
        let (bytes, event) = next(n, &dealer)?;
        if event.name != HEARTBEAT {
            break event;
        }
        let at = format!("after {:.1} s", started.elapsed().as_secs_f64());
        if shown {
            n.field(HEARTBEAT, &at);
        } else {
            show_event(n, &format!("_zpc_hb from the server, {at}"), &bytes);
            shown = true;
        }
        // Our side of the heartbeat: without it the server drops us after two intervals.
        let ours = Event::new(
            HEARTBEAT,
            Value::Array(vec![0.into()]),
            Some(slow.header.message_id.clone()),
        );
        send(n, &dealer, &ours)?;
    };
    n.field(&answer.name, &answer.args.to_string());
    n.say(
        "A peer that goes quiet for two intervals (10 s with zerorpc's 5 s) is lost: a killed\n\
         server is noticed in 10 s, not after the 30 s call timeout, and a call longer than\n\
         10 s only survives because both sides heartbeat.",
    );

    n.question("What does an error look like, and an unknown method?");
    send(n, &dealer, &call("id-fail", "fail", vec!["boom".into()]))?;
    let (bytes, _) = next(n, &dealer)?;
    show_event(n, "ERR [name, message, traceback]", &bytes);
    send(
        n,
        &dealer,
        &call("id-nosuch", "minus", vec![3.into(), 1.into()]),
    )?;
    let (_, unknown) = next(n, &dealer)?;
    n.field(&unknown.name, &unknown.args.to_string());
    n.answer(
        "A triple a Python client raises as RemoteError(name, message, traceback), apart from\n\
         results: a result that happens to be {\"error\": …} is no longer mistaken for a failure.",
    );

    n.step("our Client: one DEALER socket, ten calls at once from ten threads");
    let client = Client::connect(
        &endpoint,
        Options {
            heartbeat: HEARTBEAT_INTERVAL,
            ..Options::default()
        },
    )?;
    let started = Instant::now();
    let client = &client;
    let results = std::thread::scope(|s| {
        let calls: Vec<_> = (0..10)
            .map(|_| s.spawn(move || client.call("sleep", vec![1.into()])))
            .collect();
        calls
            .into_iter()
            .map(|c| {
                c.join()
                    .map_err(|_| anyhow::anyhow!("a call thread panicked"))?
                    .map_err(anyhow::Error::from)
            })
            .collect::<anyhow::Result<Vec<_>>>()
    })?;
    n.console(
        "zerorpc-client",
        &format!(
            "10 × sleep(1) → {} answers in {:.1} s",
            results.len(),
            started.elapsed().as_secs_f64()
        ),
    );
    n.say(
        "AOP: every call of this chapter also went through the timing middleware, added in one\n\
         line (.around(middleware::timing())) without touching a method; it logs each call's\n\
         time to stderr (RUST_LOG=debug cargo run -p tour -- --section zerorpc shows them).",
    );
    python_peer(n, &endpoint)?;
    stop(server)
}

/// The interoperability the chapter promises, live: the real zerorpc-python client makes the
/// tutorial's call against our server. Skipped, saying so, without the venv.
fn python_peer(n: &mut Narrator, endpoint: &str) -> anyhow::Result<()> {
    n.step("the real zerorpc-python client (peers/client.py) makes the tutorial's call");
    if let Some(missing) = Need::Python.missing() {
        n.say(&format!("(skipped: {missing})"));
        return Ok(());
    }
    let root = test_support::workspace_root();
    let mut cmd = test_support::peer_command(
        &root.join("zerorpc-framework").to_string_lossy(),
        test_support::Lang::Python,
        "peers/client.py",
    )
    .context("the Python venv is missing")?;
    let done = test_support::run(
        "peers/client.py",
        cmd.env("ZMQ_ENDPOINT", endpoint),
        Duration::from_secs(20),
    );
    let lines = done.success().map_err(anyhow::Error::msg)?;
    for line in &lines {
        n.console("zerorpc-python", line);
    }
    anyhow::ensure!(
        lines.last().map(String::as_str) == Some("19"),
        "zerorpc-python did not print 19: {lines:?}"
    );
    n.say("zerorpc-python 0.6.3 and our server agree on every byte of the call and its answer.");
    Ok(())
}
