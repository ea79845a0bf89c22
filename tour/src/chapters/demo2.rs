//! Chapter demo2 — the same request/reply across languages, and a server that starts late.

use std::time::{Duration, Instant};

use anyhow::Context as _;
use common::zmq_util::recv_timeout;
use test_support::ServerThread;

use super::{stop, Chapter, Dump, Need};
use crate::narrator::Narrator;
use crate::recorder::{preview, Message};

pub const CHAPTER: Chapter = Chapter {
    name: "demo2",
    number: "2",
    krate: "demo2-polyglot",
    title: "polyglot request/reply, and a server that starts after the client",
    needs: &[Need::Python, Need::Php],
    optional: &[],
    run,
};

/// How long the tour lets the client wait before it starts the server.
const HEAD_START: Duration = Duration::from_millis(1500);

/// The request the client queues before any server exists: one frame, the tutorial's `hello`.
pub(super) fn request_dump() -> Dump {
    Dump::new("queued request", demo2_polyglot::MESSAGE.as_bytes())
}

fn run(n: &mut Narrator) -> anyhow::Result<()> {
    n.say(
        "The tutorial points a Python REQ client (it sends the bytes `hello`) at the PHP echo\n\
         server. The bytes on the wire do not depend on the language, so any pair works —\n\
         the test suite runs every Rust/Python/PHP client against every Rust/PHP server.",
    );
    n.question("What happens if the server comes up after the request was already sent?");

    n.participants(&["demo2-client", "demo2-server"]);
    let endpoint = test_support::free_endpoint();
    let context = zmq::Context::new();
    let client = context.socket(zmq::REQ)?;
    client.set_linger(0)?;
    n.step(&format!(
        "demo2-client connects to {endpoint} — nothing listens there yet"
    ));
    client.connect(&endpoint)?;
    n.step("it sends `hello` anyway: send() returns at once, the message waits inside the socket");
    client.send(demo2_polyglot::MESSAGE.as_bytes(), 0)?;
    request_dump().show(n);
    n.message(
        Message::req_rep(
            "demo2-client",
            "demo2-server",
            preview(demo2_polyglot::MESSAGE.as_bytes()),
            &[demo2_polyglot::MESSAGE.as_bytes()],
        )
        .field(
            "(queued)",
            format!(
                "sent before demo2-server existed: it waited {} ms in the client's socket",
                HEAD_START.as_millis()
            ),
        ),
    );

    let started = Instant::now();
    let early = recv_timeout(&client, HEAD_START)?;
    anyhow::ensure!(early.is_none(), "a reply arrived before any server existed");
    n.say(&format!(
        "… {} ms later, still no reply (no server)",
        started.elapsed().as_millis()
    ));

    n.step(&format!("demo2-server binds {endpoint} now"));
    let server_socket = context.socket(zmq::REP)?;
    server_socket.bind(&endpoint)?;
    let mut console = n.console_writer("demo2-server");
    let server = ServerThread::spawn("demo2-server", move |shutdown| {
        if let Err(e) = demo1_reqrep::serve(&server_socket, &mut console, &shutdown) {
            eprintln!("demo2-server stopped: {e}");
        }
    });

    let reply = recv_timeout(&client, Duration::from_secs(10))?
        .context("the queued request was never answered")?;
    n.message(Message::req_rep(
        "demo2-server",
        "demo2-client",
        preview(&reply),
        &[&reply],
    ));
    n.console(
        "demo2-client",
        &format!("Get back message: {}", String::from_utf8_lossy(&reply)),
    );
    n.answer(&format!(
        "The reply arrived {} ms after the send. The REQ socket kept reconnecting in the background\n\
         (every 100 ms, ZMQ_RECONNECT_IVL) and delivered the queued request once the server bound.\n\
         A client only needs a timeout long enough for that wait: demo2-client waits 30 s.",
        started.elapsed().as_millis()
    ));

    n.step("the tutorial's Python client and section 1's PHP client, against the same Rust server");
    let root = test_support::workspace_root();
    for (lang, script) in [
        (test_support::Lang::Python, "demo2-polyglot/peers/client.py"),
        (test_support::Lang::Php, "demo1-reqrep/peers/client.php"),
    ] {
        let mut cmd = test_support::peer_command(&root.to_string_lossy(), lang, script)
            .context("peer interpreter missing")?;
        let done = test_support::run(
            script,
            cmd.env("ZMQ_ENDPOINT", &endpoint),
            Duration::from_secs(10),
        );
        let who = format!("{lang} client");
        let lines = done.success().map_err(anyhow::Error::msg)?;
        for line in &lines {
            n.console(&who, line);
            // The peer's bytes, as it reports them: it printed the echo of what it sent.
            if let Some(echo) = line.strip_prefix("Get back message: ") {
                for (from, to) in [(who.as_str(), "demo2-server"), ("demo2-server", &who)] {
                    n.message(Message::req_rep(
                        from,
                        to,
                        preview(echo.as_bytes()),
                        &[echo.as_bytes()],
                    ));
                }
            }
        }
    }
    n.say("Same bytes on the wire, whatever the language: every pairing works.");
    stop(server)
}
