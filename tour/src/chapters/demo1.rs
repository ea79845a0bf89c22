//! Chapter demo1 — request/reply: a REQ client and a REP echo server.

use std::time::Duration;

use anyhow::Context as _;
use common::zmq_util::{bind_ephemeral, recv_multipart_timeout, recv_timeout};

use super::{zmtp_frame, Background, Chapter};
use crate::narrator::Narrator;

pub const CHAPTER: Chapter = Chapter {
    name: "demo1",
    title: "request/reply (ZeroMQ REQ ⇄ REP)",
    needs: &[],
    run,
};

const WAIT: Duration = Duration::from_secs(5);

fn run(n: &mut Narrator) -> anyhow::Result<()> {
    n.say(
        "A REP socket answers requests strictly in turn: receive, send, receive, …\n\
         A REQ socket is its mirror: send, then receive. The server echoes what it gets.",
    );

    let context = zmq::Context::new();
    let server_socket = context.socket(zmq::REP)?;
    let endpoint = bind_ephemeral(&server_socket)?;
    n.step(&format!(
        "demo1-server binds a REP socket on {endpoint} (the tutorial uses port 5555)"
    ));
    let _server = Background::spawn(move |shutdown| {
        let mut console = Narrator::console_writer("demo1-server");
        if let Err(e) = demo1_reqrep::serve(&server_socket, &mut console, shutdown) {
            eprintln!("demo1-server stopped: {e}");
        }
    });

    n.step("demo1-client connects a REQ socket and sends one frame: `hello there!`");
    let client = context.socket(zmq::REQ)?;
    client.set_linger(0)?;
    client.connect(&endpoint)?;
    let greeting = demo1_reqrep::GREETING.as_bytes();
    n.wire("the message: one frame of UTF-8 text", greeting);
    let mut on_tcp = zmtp_frame(b"", true);
    on_tcp.extend(zmtp_frame(greeting, false));
    n.wire(
        "on the TCP wire (ZMTP 3): REQ adds an empty delimiter frame `01 00`, then `00 0c` = last frame, 12 bytes",
        &on_tcp,
    );
    client.send(greeting, 0)?;

    let reply = recv_timeout(&client, WAIT)?.context("no reply from demo1-server")?;
    n.wire("the reply: the same bytes, echoed", &reply);
    n.console(
        "demo1-client",
        &format!("Get back message: {}", String::from_utf8_lossy(&reply)),
    );
    anyhow::ensure!(reply == greeting, "the echo differs from the request");

    n.question("What if the client sends twice without waiting for the answer?");
    client.send("first".as_bytes(), 0)?;
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
    recv_timeout(&client, WAIT)?.context("no reply to `first`")?;

    n.question("And bad input — several frames where the echo server expects one?");
    client.send_multipart(["a", "b", "c"], 0)?;
    let frames =
        recv_multipart_timeout(&client, WAIT)?.context("no reply to a multipart request")?;
    let reply = String::from_utf8_lossy(&frames.concat()).into_owned();
    n.answer(&format!(
        "The server answers `{reply}` and goes on serving: a REP socket must always reply,\n\
         or its REQ peer would wait forever."
    ));
    Ok(())
}
