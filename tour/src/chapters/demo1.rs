//! Chapter demo1 — request/reply: a REQ client and a REP echo server.

use std::time::Duration;

use anyhow::Context as _;
use common::zmq_util::{bind_ephemeral, recv_multipart_timeout, recv_timeout};
use test_support::ServerThread;

use super::{req_rep_envelope, stop, Chapter, Dump};
use crate::narrator::Narrator;
use crate::recorder::{preview, short, Message};

pub const CHAPTER: Chapter = Chapter {
    name: "demo1",
    number: "1",
    krate: "demo1-reqrep",
    title: "request/reply (ZeroMQ REQ ⇄ REP)",
    needs: &[],
    optional: &[],
    run,
};

const WAIT: Duration = Duration::from_secs(5);

/// The request as the chapter shows it: the frame the program sends, then the same on TCP.
pub(super) fn request_dumps() -> [Dump; 2] {
    let greeting = demo1_reqrep::GREETING.as_bytes();
    [
        Dump::new("the message: one frame of UTF-8 text", greeting),
        Dump::new(
            "on the TCP wire (ZMTP 3): REQ adds an empty delimiter frame `01 00`, then `00 0c` = last frame, 12 bytes",
            req_rep_envelope(&[greeting]),
        ),
    ]
}

/// The reply the same way: the frame the client receives, then the same on TCP.
pub(super) fn reply_dumps(reply: &[u8]) -> [Dump; 2] {
    [
        Dump::new("the reply: the same bytes, echoed", reply),
        Dump::new(
            "on the TCP wire: REP puts the empty delimiter `01 00` back before the echo (REQ drops a reply without it)",
            req_rep_envelope(&[reply]),
        ),
    ]
}

fn run(n: &mut Narrator) -> anyhow::Result<()> {
    n.say(
        "A REP socket answers requests strictly in turn: receive, send, receive, …\n\
         A REQ socket is its mirror: send, then receive. The server echoes what it gets.",
    );

    n.participants(&["demo1-client", "demo1-server"]);
    let context = zmq::Context::new();
    let server_socket = context.socket(zmq::REP)?;
    let endpoint = bind_ephemeral(&server_socket)?;
    n.step(&format!(
        "demo1-server binds a REP socket on {endpoint} (the tutorial uses port 5555)"
    ));
    let mut console = n.console_writer("demo1-server");
    let server = ServerThread::spawn("demo1-server", move |shutdown| {
        if let Err(e) = demo1_reqrep::serve(&server_socket, &mut console, &shutdown) {
            eprintln!("demo1-server stopped: {e}");
        }
    });

    n.step("demo1-client connects a REQ socket and sends one frame: `hello there!`");
    let client = context.socket(zmq::REQ)?;
    client.set_linger(0)?;
    client.connect(&endpoint)?;
    let greeting = demo1_reqrep::GREETING.as_bytes();
    for dump in request_dumps() {
        dump.show(n);
    }
    client.send(greeting, 0)?;
    n.message(Message::req_rep(
        "demo1-client",
        "demo1-server",
        preview(greeting),
        &[greeting],
    ));

    let reply = recv_timeout(&client, WAIT)?.context("no reply from demo1-server")?;
    n.message(Message::req_rep(
        "demo1-server",
        "demo1-client",
        preview(&reply),
        &[&reply],
    ));
    for dump in reply_dumps(&reply) {
        dump.show(n);
    }
    n.console(
        "demo1-client",
        &format!("Get back message: {}", String::from_utf8_lossy(&reply)),
    );
    anyhow::ensure!(reply == greeting, "the echo differs from the request");

    n.question("What if the client sends twice without waiting for the answer?");
    client.send("first".as_bytes(), 0)?;
    n.message(Message::req_rep(
        "demo1-client",
        "demo1-server",
        "\"first\"",
        &[b"first"],
    ));
    let second = client.send("second".as_bytes(), 0);
    n.answer(&format!(
        "The second send fails at once: {}.\n\
         REQ enforces the lockstep: one request, one reply. (Section 4 shows what to do when a reply never comes.)",
        match &second {
            Err(e) => format!("`{e}` (EFSM)"),
            Ok(()) => "it did not (unexpected)".to_string(),
        }
    ));
    anyhow::ensure!(second.is_err(), "REQ accepted two sends in a row");
    let first = recv_timeout(&client, WAIT)?.context("no reply to `first`")?;
    n.message(Message::req_rep(
        "demo1-server",
        "demo1-client",
        preview(&first),
        &[&first],
    ));

    n.question("And bad input — several frames where the echo server expects one?");
    n.step("the client sends one message of three frames: [\"a\", \"b\", \"c\"]");
    client.send_multipart(["a", "b", "c"], 0)?;
    n.message(Message::req_rep(
        "demo1-client",
        "demo1-server",
        "[\"a\", \"b\", \"c\"]",
        &[b"a", b"b", b"c"],
    ));
    let frames =
        recv_multipart_timeout(&client, WAIT)?.context("no reply to a multipart request")?;
    let bodies: Vec<&[u8]> = frames.iter().map(Vec::as_slice).collect();
    n.message(Message::req_rep(
        "demo1-server",
        "demo1-client",
        short(&String::from_utf8_lossy(&frames.concat())),
        &bodies,
    ));
    let reply = String::from_utf8_lossy(&frames.concat()).into_owned();
    n.console("demo1-client", &format!("Get back message: {reply}"));
    n.answer(
        "The server shows the three frames and rejects them with a one-frame error, and goes on\n\
         serving: a REP socket must always reply, or its REQ peer would wait forever.",
    );
    stop(server)
}
