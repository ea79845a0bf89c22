//! Chapter demo4 — one client, several servers: round-robin, then a dead server and the Lazy
//! Pirate pattern that skips it.

use std::io::Write;
use std::sync::atomic::Ordering;
use std::sync::mpsc::Receiver;
use std::time::{Duration, Instant};

use common::zmq_util::{bind_ephemeral, recv_multipart_timeout};
use demo4_multi_reply::discovery::local_etcd::LocalEtcd;
use demo4_multi_reply::discovery::register::Registration;
use demo4_multi_reply::discovery::render::Render;
use demo4_multi_reply::discovery::watch::Servers;
use demo4_multi_reply::discovery::{self, events, Change, Registry};
use demo4_multi_reply::{frames_repr, LazyPirate, GREETING};
use test_support::ServerThread;

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
    live_discovery(n, &context)
}

/// The same questions, built (the section's `discovery` modules): an etcd started for the tour,
/// servers that register, a client that follows the registry, a fourth server joining, one
/// killed and dropped when its lease runs out, the PUB events and the rendered config/rpc.php.
/// Skipped, with the fix, when the `etcd` binary is missing.
fn live_discovery(n: &mut Narrator, context: &zmq::Context) -> anyhow::Result<()> {
    n.question("Built: a registry (etcd), servers that register, clients that follow it");
    let Some(etcd) = LocalEtcd::start("tour")? else {
        n.say(&format!(
            "etcd is not installed, so this part is skipped — run: {}",
            test_support::SETUP_HINT
        ));
        return Ok(());
    };
    n.field("etcd (started for the tour)", &etcd.url);
    let registry = Registry::new(vec![etcd.url.clone()])?;

    n.step(
        "alice, bob and carol start with --register: key /rpc/demo4/<name> = endpoint, lease 3 s",
    );
    let mut live = Vec::new();
    for (name, who) in LIVE {
        live.push(Some(LiveServer::start(context, &registry, name, who)?));
    }
    for server in live.iter().flatten() {
        n.console(
            server.who,
            &format!(
                "registered {} = {}",
                discovery::key(server.name),
                server.endpoint
            ),
        );
    }

    // demo4-watch, in a thread: PUB events and config/rpc.php on every change.
    let config = etcd.dir.join("config/rpc.php");
    let render = Render {
        template: std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("../demo4-multi-reply/peers/templates/rpc.php.tpl"),
        dest: config.clone(),
    };
    let publisher = events::Publisher::bind(context, "tcp://127.0.0.1:*")?;
    let publish = publisher.endpoint()?;
    let subscription = events::subscribe(context, &publish)?;
    let (mut listed, watch) = registry.watch()?;
    render.write(&listed)?;
    n.step(&format!(
        "demo4-watch renders config/rpc.php and publishes the changes on {publish}"
    ));
    show_config(n, &config)?;
    let watcher = ServerThread::spawn("demo4-watch", move |shutdown| {
        // The whole list again every second: the subscriber below joins late (slow joiner).
        let mut published = Instant::now() - events::REPUBLISH;
        while !shutdown.load(Ordering::Relaxed) {
            if published.elapsed() >= events::REPUBLISH {
                let _ = publisher.snapshot(&listed);
                published = Instant::now();
            }
            let Ok(change) = watch.changes.recv_timeout(Duration::from_millis(100)) else {
                continue;
            };
            match &change {
                Change::Up { name, endpoint } => listed.insert(name.clone(), endpoint.clone()),
                Change::Down { name } => listed.remove(name),
            };
            let _ = publisher.change(&change);
            let _ = render.write(&listed);
        }
    });
    let subscriber = ServerThread::spawn("demo4-client --subscribe", move |shutdown| {
        let mut console = Narrator::console_writer("SUB (demo4-client --subscribe)");
        while !shutdown.load(Ordering::Relaxed) {
            if let Ok(change) = subscription
                .changes
                .recv_timeout(Duration::from_millis(100))
            {
                let _ = writeln!(console, "{}", change.line());
            }
        }
    });

    n.step("demo4-client --discover: reads the registry, then watches it from that revision");
    let (servers, changes) = registry.watch()?;
    let mut client = Follower::new(context, servers)?;
    for (name, endpoint) in &client.names {
        n.console("demo4-client", &format!("joined {name} {endpoint}"));
    }
    for _ in 0..3 {
        client.request(n, &changes.changes)?;
    }

    n.step("A fourth laptop joins: dave starts with --register");
    live.push(Some(LiveServer::start(
        context,
        &registry,
        "dave",
        "server dave",
    )?));
    let deadline = Instant::now() + Duration::from_secs(5);
    while client.request(n, &changes.changes)? != "dave" {
        anyhow::ensure!(
            Instant::now() < deadline,
            "dave got no request within 5 s of registering"
        );
    }
    n.say("Used from the next request: nobody restarted the client or gave it an address.");

    n.step("carol's laptop crashes (kill -9): nothing revokes her lease; etcd drops it after 3 s");
    let carol = live[2].take().expect("carol runs");
    let killed = Instant::now();
    carol.crash()?;
    let deadline = killed + Duration::from_secs(6);
    while client.names.contains_key("carol") {
        anyhow::ensure!(
            Instant::now() < deadline,
            "carol still listed 6 s after the crash"
        );
        client.request(n, &changes.changes)?;
        std::thread::sleep(Duration::from_millis(300)); // the client's --interval
    }
    n.say(&format!(
        "carol left the client {:.1} s after the crash (her TTL); the request that went to her\n\
         waited for that, then went to the next server — none was lost.",
        killed.elapsed().as_secs_f64()
    ));
    for _ in 0..3 {
        client.request(n, &changes.changes)?;
    }
    stop(subscriber)?;
    stop(watcher)?;
    n.step("config/rpc.php now (rewritten atomically on every change: dave in, carol out)");
    show_config(n, &config)?;
    n.answer(
        "The registry is the one live list: servers write themselves into it under a lease (the\n\
         lease is the health check), clients read it and watch it, and a watcher republishes every\n\
         change on PUB and into the application's config file — consul and consul-template, here\n\
         with etcd. The Lazy Pirate stays as the net for a server that is listed but hung.",
    );
    for server in live.into_iter().flatten() {
        server.stop()?;
    }
    Ok(())
}

/// The live part's three laptops.
const LIVE: [(&str, &str); 3] = [
    ("alice", "server alice"),
    ("bob", "server bob"),
    ("carol", "server carol"),
];

fn show_config(n: &mut Narrator, config: &std::path::Path) -> anyhow::Result<()> {
    for line in std::fs::read_to_string(config)?.lines() {
        n.console("config/rpc.php", line);
    }
    Ok(())
}

/// A name server in a thread, registered in etcd.
struct LiveServer {
    name: &'static str,
    who: &'static str,
    endpoint: String,
    thread: ServerThread<()>,
    registration: Registration,
}

impl LiveServer {
    fn start(
        context: &zmq::Context,
        registry: &Registry,
        name: &'static str,
        who: &'static str,
    ) -> anyhow::Result<LiveServer> {
        let socket = context.socket(zmq::REP)?;
        socket.set_linger(0)?;
        let endpoint = bind_ephemeral(&socket)?;
        let registration = registry.register(name, &endpoint, discovery::DEFAULT_TTL)?;
        let thread = ServerThread::spawn(who, move |shutdown| {
            let mut console = Narrator::console_writer(who);
            if let Err(e) = demo4_multi_reply::serve(&socket, name, &mut console, &shutdown) {
                eprintln!("{who} stopped: {e}");
            }
        });
        Ok(LiveServer {
            name,
            who,
            endpoint,
            thread,
            registration,
        })
    }

    /// Ctrl-C: the loop stops, the lease is revoked.
    fn stop(self) -> anyhow::Result<()> {
        let stopped = stop(self.thread);
        self.registration.revoke();
        stopped
    }

    /// kill -9: the loop stops, the lease is left to expire.
    fn crash(self) -> anyhow::Result<()> {
        let stopped = stop(self.thread);
        self.registration.abandon();
        stopped
    }
}

/// demo4-client --discover, narrated: the Lazy Pirate plus the live list.
struct Follower {
    pirate: LazyPirate,
    names: Servers,
}

impl Follower {
    fn new(context: &zmq::Context, servers: Servers) -> anyhow::Result<Follower> {
        let endpoints: Vec<String> = servers.values().cloned().collect();
        Ok(Follower {
            pirate: LazyPirate::connect(context, &endpoints, TIMEOUT * 10, RETRIES)?,
            names: servers,
        })
    }

    fn apply(&mut self, n: &mut Narrator, change: Change) -> anyhow::Result<()> {
        match change {
            Change::Up { name, endpoint } => {
                self.pirate.add(&endpoint)?;
                n.console("demo4-client", &format!("joined {name} {endpoint}"));
                self.names.insert(name, endpoint);
            }
            Change::Down { name } => {
                if let Some(endpoint) = self.names.remove(&name) {
                    self.pirate.remove(&endpoint);
                    n.console("demo4-client", &format!("left {name}"));
                }
            }
        }
        Ok(())
    }

    /// Applies the changes that came, sends one request (giving up on a server the moment it
    /// is no longer listed) and returns who answered.
    fn request(&mut self, n: &mut Narrator, changes: &Receiver<Change>) -> anyhow::Result<String> {
        for change in changes.try_iter().collect::<Vec<_>>() {
            self.apply(n, change)?;
        }
        let mut pending = Vec::new();
        let names = self.names.clone();
        let mut notices = Narrator::console_writer("demo4-client");
        let reply = self.pirate.request_while(&[GREETING], &mut notices, |endpoint| {
            pending.extend(changes.try_iter());
            let gone = pending.iter().any(|c| matches!(c, Change::Down { name } if names.get(name).is_some_and(|e| e == endpoint)));
            !gone
        })?;
        for change in pending {
            self.apply(n, change)?;
        }
        n.console("demo4-client", &frames_repr(&reply.frames));
        Ok(String::from_utf8_lossy(&reply.frames.concat()).into_owned())
    }
}
