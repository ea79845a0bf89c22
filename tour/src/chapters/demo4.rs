//! Chapter demo4 — one client, several servers: round-robin, then a dead server and the Lazy
//! Pirate pattern that skips it.

use std::time::Duration;

use common::testing::ServerThread;
use common::zmq_util::{bind_ephemeral, recv_multipart_timeout};
use demo4_multi_reply::{frames_repr, LazyPirate, GREETING};

use super::{req_rep_envelope, stop, Chapter, Dump};
use crate::narrator::Narrator;

pub const CHAPTER: Chapter = Chapter {
    name: "demo4",
    title: "one client, several servers (round-robin, Lazy Pirate)",
    needs: &[],
    run,
};

/// The three "laptops" of the classroom, and how their console lines are tagged.
const NAMES: [&str; 3] = ["alice", "bob", "carol"];
const WHO: [&str; 3] = ["server alice", "server bob", "server carol"];
/// Shorter waits than the defaults (2.5 s × 3), so the dead server costs the tour 2 s.
const TIMEOUT: Duration = Duration::from_secs(1);
const RETRIES: u32 = 2;

/// The request as the chapter shows it: the frame the client sends, then the same on TCP.
pub(super) fn request_dumps() -> [Dump; 2] {
    [
        Dump::new("the request: one frame", GREETING),
        Dump::new(
            "on the TCP wire (ZMTP 3): REQ's empty delimiter `01 00`, then `00 05` = last frame, 5 bytes",
            req_rep_envelope(&[GREETING]),
        ),
    ]
}

/// A reply the same way: the server's name as the client receives it, then on TCP, where REP
/// puts the empty delimiter back (REQ discards a reply without it).
pub(super) fn reply_dumps(name: &str) -> [Dump; 2] {
    [
        Dump::new("a reply: the server's name, one frame", name.as_bytes()),
        Dump::new(
            "on the TCP wire: REP puts the empty delimiter `01 00` back, then the name",
            req_rep_envelope(&[name.as_bytes()]),
        ),
    ]
}

fn run(n: &mut Narrator) -> anyhow::Result<()> {
    n.say(
        "Every server is a REP socket that answers any request with its own name, one frame.\n\
         The tutorial runs one on each of three laptops and points one REQ client at all three:\n\
         the requests go round-robin, so the replies cycle through the names.",
    );

    let context = zmq::Context::new();
    let mut servers = Vec::new();
    let mut endpoints = Vec::new();
    n.step("Three demo4-servers bind REP sockets (in class: port 5555 on three laptops)");
    for (name, who) in NAMES.into_iter().zip(WHO) {
        let socket = context.socket(zmq::REP)?;
        let endpoint = bind_ephemeral(&socket)?;
        n.field(&format!("--name {name}"), &endpoint);
        servers.push(Some(ServerThread::spawn(who, move |shutdown| {
            let mut console = Narrator::console_writer(who);
            if let Err(e) = demo4_multi_reply::serve(&socket, name, &mut console, &shutdown) {
                eprintln!("{who} stopped: {e}");
            }
        })));
        endpoints.push(endpoint);
    }

    n.step("demo4-client connects one REQ socket per server and sends `[b\"hello\"]` six times, in turn");
    for dump in request_dumps().into_iter().chain(reply_dumps(NAMES[0])) {
        dump.show(n);
    }
    let mut client = LazyPirate::connect(&context, &endpoints, TIMEOUT, RETRIES)?;
    let mut notices = Narrator::console_writer("demo4-client");
    let mut seen = Vec::new();
    for _ in 0..6 {
        let reply = client.request(&[GREETING], &mut notices)?;
        n.console("demo4-client", &frames_repr(&reply.frames));
        seen.push(reply.frames.concat());
    }
    for name in NAMES {
        anyhow::ensure!(
            seen.iter().filter(|s| *s == name.as_bytes()).count() == 2,
            "{name} did not answer twice in six round-robin requests: {seen:?}"
        );
    }
    n.say("Each name twice, in turn: that is the round-robin.");

    n.question("What if one laptop is switched off? (bob's server stops now)");
    if let Some(bob) = servers[1].take() {
        stop(bob)?; // bob's thread ends, and its socket closes with it
    }
    n.step("First the tutorial's client: ONE plain REQ socket connected to all three endpoints");
    let plain = context.socket(zmq::REQ)?;
    plain.set_linger(0)?;
    for endpoint in &endpoints {
        plain.connect(endpoint)?;
    }
    let mut stuck = false;
    for _ in 0..NAMES.len() {
        plain.send(GREETING, 0)?;
        match recv_multipart_timeout(&plain, Duration::from_secs(1))? {
            Some(frames) => n.console("plain REQ", &frames_repr(&frames)),
            None => {
                n.console("plain REQ", "… (no reply: this request went to bob)");
                stuck = true;
                break;
            }
        }
    }
    anyhow::ensure!(
        stuck,
        "no request of the plain REQ client went to the stopped server"
    );
    n.say(
        "ZeroMQ queued that request for bob's address and waits to deliver it; a plain recv()\n\
         would wait forever (we gave up after 1 s), and REQ refuses to send anything else meanwhile.",
    );
    drop(plain);

    n.step(&format!(
        "Now demo4-client, the Lazy Pirate: wait {} per try, {RETRIES} tries per server",
        common::endpoints::human(TIMEOUT)
    ));
    let mut answered = Vec::new();
    for _ in 0..4 {
        let reply = client.request(&[GREETING], &mut notices)?;
        n.console("demo4-client", &frames_repr(&reply.frames));
        answered.push(reply.frames.concat());
    }
    anyhow::ensure!(
        client.unreachable() == [endpoints[1].as_str()],
        "the client should have given up on bob only, gave up on {:?}",
        client.unreachable()
    );
    anyhow::ensure!(
        answered.iter().all(|a| a != b"bob"),
        "bob answered after it stopped?"
    );
    n.answer(
        "The Lazy Pirate polls with a timeout; on silence it closes the socket (linger 0, so the\n\
         queued request is dropped), opens a fresh one and resends. After the last try it names\n\
         the server, skips it, and sends the same request to the next one: the client finishes.",
    );

    n.question("How would clients learn which servers exist, and when that changes?");
    n.answer(
        "Hard-coding three addresses breaks as soon as a laptop leaves or joins. Service discovery\n\
         (the tutorial names consul) keeps a live, health-checked list that clients look up; and a\n\
         PUB/SUB channel can push every change (`up tcp://…`, `down tcp://…`) so clients connect\n\
         to new servers at once instead of waiting for a timeout to find the dead ones.",
    );
    Ok(())
}
