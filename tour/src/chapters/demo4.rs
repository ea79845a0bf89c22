//! Chapter demo4 — one client, several servers: round-robin, then a dead server and the Lazy
//! Pirate pattern that skips it.

use std::io::Write;
use std::sync::atomic::Ordering;
use std::sync::mpsc::Receiver;
use std::time::{Duration, Instant};

use common::zmq_util::{bind_ephemeral, recv_multipart_timeout};
use demo4_multi_reply::discovery::follow::Follower;
use demo4_multi_reply::discovery::register::Registration;
use demo4_multi_reply::discovery::render::Render;
use demo4_multi_reply::discovery::watcher::Watcher;
use demo4_multi_reply::discovery::{self, events, Change, LocalEtcd, Registry, Servers};
use demo4_multi_reply::{frames_repr, LazyPirate, GREETING};
use test_support::ServerThread;

use super::{req_rep_envelope, stop, Chapter, Dump, Need};
use crate::narrator::{ConsoleWriter, Narrator};
use crate::recorder::{preview, short, Fate, Message};

pub const CHAPTER: Chapter = Chapter {
    name: "demo4",
    number: "4",
    krate: "demo4-multi-reply",
    title: "one client, several servers (round-robin, Lazy Pirate)",
    needs: &[],
    optional: &[Need::Etcd],
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

    n.participants(&["demo4-client", WHO[0], WHO[1], WHO[2], "plain REQ"]);
    let context = zmq::Context::new();
    let mut servers = Vec::new();
    let mut endpoints = Vec::new();
    n.step("Three demo4-servers bind REP sockets (in class: port 5555 on three laptops)");
    for (name, who) in NAMES.into_iter().zip(WHO) {
        let socket = context.socket(zmq::REP)?;
        let endpoint = bind_ephemeral(&socket)?;
        n.field(&format!("--name {name}"), &endpoint);
        let mut console = n.console_writer(who);
        servers.push(Some(ServerThread::spawn(who, move |shutdown| {
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
    let mut notices = Notices::new(n);
    let who_at = |endpoint: &str| {
        endpoints
            .iter()
            .position(|e| e == endpoint)
            .map_or(endpoint.to_string(), |i| WHO[i].to_string())
    };
    let mut seen = Vec::new();
    for _ in 0..6 {
        let reply = client.request(&[GREETING], &mut notices)?;
        notices.record(n, &reply, who_at);
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
            Some(frames) => {
                let name = String::from_utf8_lossy(&frames.concat()).into_owned();
                let who = format!("server {name}");
                n.message(Message::req_rep(
                    "plain REQ",
                    &who,
                    preview(GREETING),
                    &[GREETING],
                ));
                let bodies: Vec<&[u8]> = frames.iter().map(Vec::as_slice).collect();
                n.message(Message::req_rep(
                    &who,
                    "plain REQ",
                    preview(name.as_bytes()),
                    &bodies,
                ));
                n.console("plain REQ", &frames_repr(&frames));
            }
            None => {
                n.message(
                    Message::req_rep("plain REQ", WHO[1], preview(GREETING), &[GREETING]).fate(
                        Fate::NeverAnswered(
                            "queued for bob's address, which nobody serves: ZeroMQ keeps it to \
                             deliver later, and a plain recv() waits for ever"
                                .to_string(),
                        ),
                    ),
                );
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
        notices.record(n, &reply, who_at);
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
    n.participants(&["etcd", "demo4-watch", SUBSCRIBER, "config/rpc.php"]);
    for (name, who) in LIVE {
        let server = LiveServer::start(n, context, &registry, name, who)?;
        server.record(n);
        live.push(Some(server));
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
    record_read(n, "demo4-watch", &listed);
    n.step(&format!(
        "demo4-watch renders config/rpc.php and publishes the changes on {publish}"
    ));
    // demo4-watch's own loop (discovery::watcher), its lines into the narration.
    let watcher = Watcher {
        publisher,
        renders: vec![render],
        republish: events::REPUBLISH,
    };
    let mut lines = WatchLines {
        console: n.console_writer("demo4-watch"),
        recorder: n.share(),
        partial: String::new(),
        following: false,
    };
    watcher.start(&listed, &mut lines)?;
    lines.following = true;
    show_config(n, &config)?;
    let watcher = ServerThread::spawn("demo4-watch", move |shutdown| {
        if let Err(e) = watcher.follow(&mut listed, &watch.changes, &shutdown, &mut lines, || {}) {
            eprintln!("demo4-watch stopped: {e:#}");
        }
    });
    let mut console = n.console_writer(SUBSCRIBER);
    let mut recorder = n.share();
    let subscriber = ServerThread::spawn("demo4-client --subscribe", move |shutdown| {
        while !shutdown.load(Ordering::Relaxed) {
            if let Ok(change) = subscription
                .changes
                .recv_timeout(Duration::from_millis(100))
            {
                let line = change.line();
                recorder.message(Message::zmq(
                    "demo4-watch",
                    SUBSCRIBER,
                    short(&line),
                    &[line.as_bytes()],
                ));
                let _ = writeln!(console, "{line}");
            }
        }
    });

    n.step("demo4-client --discover: reads the registry, then watches it from that revision");
    let (servers, changes) = registry.watch()?;
    record_read(n, "demo4-client", &servers);
    // discovery::follow's client, one request at a time so the tour can act in between.
    let mut client = Follower::new(
        context,
        servers,
        TIMEOUT * 10,
        RETRIES,
        &mut n.console_writer("demo4-client"),
    )?;
    let mut notices = Notices::new(n);
    let changes = &changes.changes;
    for _ in 0..3 {
        ask(n, &mut client, &mut notices, changes)?;
    }

    n.step("A fourth laptop joins: dave starts with --register");
    let dave = LiveServer::start(n, context, &registry, "dave", "server dave")?;
    dave.record(n);
    live.push(Some(dave));
    let deadline = Instant::now() + Duration::from_secs(5);
    while ask(n, &mut client, &mut notices, changes)? != "dave" {
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
    while client.servers().contains_key("carol") {
        anyhow::ensure!(
            Instant::now() < deadline,
            "carol still listed 6 s after the crash"
        );
        ask(n, &mut client, &mut notices, changes)?;
        std::thread::sleep(Duration::from_millis(300)); // the client's --interval
    }
    n.say(&format!(
        "carol left the client {:.1} s after the crash (her TTL); the request that went to her\n\
         waited for that, then went to the next server — none was lost.",
        killed.elapsed().as_secs_f64()
    ));
    for _ in 0..3 {
        ask(n, &mut client, &mut notices, changes)?;
    }
    stop(subscriber)?;
    stop(watcher)?;
    n.step("config/rpc.php now (rewritten atomically on every change: dave in, carol out)");
    show_config(n, &config)?;
    php_reads_the_config(n, &config)?;
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

/// The application side, live: the PHP client reads the rendered config/rpc.php before each
/// request and goes round-robin over what it lists. Skipped, saying so, without php.
fn php_reads_the_config(n: &mut Narrator, config: &std::path::Path) -> anyhow::Result<()> {
    n.step("peers/client.php, the PHP application, reads config/rpc.php before every request");
    if let Some(missing) = Need::Php.missing() {
        n.say(&format!("(skipped: {missing})"));
        return Ok(());
    }
    let root = test_support::workspace_root();
    let mut cmd = test_support::peer_command(
        &root.join("demo4-multi-reply").to_string_lossy(),
        test_support::Lang::Php,
        "peers/client.php",
    )
    .ok_or_else(|| anyhow::anyhow!("php is missing"))?;
    let done = test_support::run(
        "peers/client.php",
        cmd.env("RPC_CONFIG", config)
            .env("ZMQ_REQUESTS", "3")
            .env("INTERVAL_MS", "1"),
        Duration::from_secs(20),
    );
    let lines = done.success().map_err(anyhow::Error::msg)?;
    for line in &lines {
        n.console(PHP, line);
        // Its bytes as it reports them: the request is always `hello`, the reply the name.
        if let Some(name) = line.strip_prefix("[b'").and_then(|l| l.strip_suffix("']")) {
            let who = format!("server {name}");
            n.message(Message::req_rep(PHP, &who, preview(GREETING), &[GREETING]));
            n.message(Message::req_rep(
                &who,
                PHP,
                preview(name.as_bytes()),
                &[name.as_bytes()],
            ));
        }
    }
    anyhow::ensure!(
        lines.len() == 3 && !lines.iter().any(|l| l.contains("carol")),
        "client.php should get three replies, none from carol: {lines:?}"
    );
    n.say(
        "Three replies from the servers the file lists now; carol, gone from it, is never asked.",
    );
    Ok(())
}

/// The PHP application's lifeline.
const PHP: &str = "php client.php";

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
        n: &Narrator,
        context: &zmq::Context,
        registry: &Registry,
        name: &'static str,
        who: &'static str,
    ) -> anyhow::Result<LiveServer> {
        let socket = context.socket(zmq::REP)?;
        socket.set_linger(0)?;
        let endpoint = bind_ephemeral(&socket)?;
        let registration = registry.register(name, &endpoint, discovery::DEFAULT_TTL)?;
        let mut console = n.console_writer(who);
        let thread = ServerThread::spawn(who, move |shutdown| {
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

    /// Draws its registration: a put of its key under its lease.
    fn record(&self, n: &mut Narrator) {
        let key = discovery::key(self.name);
        n.message(
            Message::new(
                self.who,
                "etcd",
                format!("PUT {key}"),
                self.endpoint.as_bytes(),
            )
            .field("key", key)
            .field("value", &self.endpoint)
            .field(
                "lease",
                format!(
                    "{} s, kept alive while the server runs",
                    discovery::DEFAULT_TTL.as_secs()
                ),
            )
            .field(
                "(bytes)",
                "the value as stored; the gRPC call around it is not captured",
            ),
        );
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

/// Who reads the events of demo4-watch's PUB socket, as the console tags it.
const SUBSCRIBER: &str = "SUB (demo4-client --subscribe)";

/// Draws a read of the registry: the prefix asked for, the list that came back.
fn record_read(n: &mut Narrator, who: &str, servers: &Servers) {
    let prefix = discovery::key("");
    n.message(
        Message::new(who, "etcd", format!("GET {prefix}*"), prefix.as_bytes()).field(
            "range",
            format!("every key under {prefix}, then a watch from that revision"),
        ),
    );
    let listed: String = servers
        .iter()
        .map(|(name, endpoint)| format!("{} = {endpoint}\n", discovery::key(name)))
        .collect();
    let mut reply = Message::new(
        "etcd",
        who,
        format!("{} servers", servers.len()),
        listed.as_bytes(),
    );
    for (name, endpoint) in servers {
        reply = reply.field(discovery::key(name), endpoint);
    }
    n.message(reply.field(
        "(bytes)",
        "the keys and values; the gRPC frames are not captured",
    ));
}

/// Draws one event of a registry watch as `who` receives it.
fn etcd_event(who: &str, change: &Change) -> Message {
    let line = change.line();
    let what = match change {
        Change::Up { .. } => "a put: a server registered (or moved)",
        Change::Down { .. } => "a delete: the key was revoked, or its lease ran out",
    };
    Message::new("etcd", who, short(&line), line.as_bytes())
        .field("watch event", what)
        .field(
            "(bytes)",
            "the change as demo4 reads it; the gRPC frames are not captured",
        )
}

/// Draws demo4-watch writing the rendered config/rpc.php.
fn record_render(n: &mut Narrator, config: &std::path::Path) -> anyhow::Result<()> {
    let text = std::fs::read(config)?;
    let servers = String::from_utf8_lossy(&text).matches("tcp://").count();
    n.message(
        Message::new(
            "demo4-watch",
            "config/rpc.php",
            format!("render ({servers} servers)"),
            text,
        )
        .field(
            "file",
            "rewritten atomically: a temporary file, then rename",
        ),
    );
    Ok(())
}

/// demo4-watch's lines (discovery::watcher writes them) on its console, and as data: after the
/// start, every `up`/`down` line is a registry event it received, every `rendered` line a write
/// of config/rpc.php.
struct WatchLines {
    console: ConsoleWriter,
    recorder: Narrator,
    partial: String,
    following: bool,
}

impl Write for WatchLines {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        self.console.write_all(buf)?;
        self.partial.push_str(&String::from_utf8_lossy(buf));
        while let Some(end) = self.partial.find('\n') {
            let line: String = self.partial.drain(..=end).collect();
            if let Some(rest) = line.strip_prefix("rendered ") {
                let dest = rest.rsplit_once(" (").map_or(rest, |(dest, _)| dest);
                let _ = record_render(&mut self.recorder, std::path::Path::new(dest));
            } else if let Some(change) = Change::parse(line.trim_end()) {
                if self.following {
                    self.recorder.message(etcd_event("demo4-watch", &change));
                }
            }
        }
        Ok(buf.len())
    }

    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

/// One request of demo4-client --discover, drawn: returns who answered.
fn ask(
    n: &mut Narrator,
    client: &mut Follower,
    notices: &mut Notices,
    changes: &Receiver<Change>,
) -> anyhow::Result<String> {
    let before = client.servers().clone();
    let reply = client.request(&[GREETING], changes, notices)?;
    let after = client.servers().clone();
    let who_at = |endpoint: &str| {
        before
            .iter()
            .chain(&after)
            .find(|(_, e)| *e == endpoint)
            .map_or(endpoint.to_string(), |(name, _)| format!("server {name}"))
    };
    notices.record(n, &reply, who_at);
    n.console("demo4-client", &frames_repr(&reply.frames));
    Ok(String::from_utf8_lossy(&reply.frames.concat()).into_owned())
}

/// What the client's notices told, in order.
enum Noted {
    /// A try that got no reply, and why.
    Unanswered(String, String),
    /// A change of the list it applied (`joined …` / `left …`), an event from the registry.
    Change(Change),
}

/// The client's notices (the Lazy Pirate's, discovery::follow's) on its console, and as data:
/// every try that got no reply and every change it applied, so the diagram draws them.
struct Notices {
    console: ConsoleWriter,
    partial: String,
    noted: Vec<Noted>,
}

impl Notices {
    fn new(n: &Narrator) -> Notices {
        Notices {
            console: n.console_writer("demo4-client"),
            partial: String::new(),
            noted: Vec::new(),
        }
    }

    /// Draws what was noted, then the request that was answered and its reply.
    fn record(
        &mut self,
        n: &mut Narrator,
        reply: &demo4_multi_reply::Reply,
        who_at: impl Fn(&str) -> String,
    ) {
        for noted in self.noted.drain(..) {
            match noted {
                Noted::Unanswered(endpoint, why) => n.message(
                    Message::req_rep(
                        "demo4-client",
                        who_at(&endpoint),
                        preview(GREETING),
                        &[GREETING],
                    )
                    .fate(Fate::NeverAnswered(why)),
                ),
                Noted::Change(change) => n.message(etcd_event("demo4-client", &change)),
            }
        }
        let who = who_at(&reply.endpoint);
        n.message(Message::req_rep(
            "demo4-client",
            &who,
            preview(GREETING),
            &[GREETING],
        ));
        let bodies: Vec<&[u8]> = reply.frames.iter().map(Vec::as_slice).collect();
        n.message(Message::req_rep(
            &who,
            "demo4-client",
            preview(&reply.frames.concat()),
            &bodies,
        ));
    }

    /// What one line of the client's notices says, if the diagram draws it.
    fn parse(line: &str) -> Option<Noted> {
        let first = |rest: &str| rest.split_whitespace().next().map(str::to_string);
        let unanswered =
            |rest: &str, why: &str| Some(Noted::Unanswered(first(rest)?, why.to_string()));
        if let Some(rest) = line.strip_prefix("W: no reply from ") {
            unanswered(rest, "no reply in time: the client closed the socket (linger 0, the request is dropped) and tries again")
        } else if let Some(rest) = line.strip_prefix("E: ") {
            unanswered(
                rest,
                "no reply to the last try: the client gives up on this server and asks the next",
            )
        } else if let Some(rest) = line.strip_prefix("W: ") {
            unanswered(
                rest,
                "the server left the registry while the client waited: it asks the next one",
            )
        } else if let Some(rest) = line.strip_prefix("joined ") {
            let (name, endpoint) = rest.split_once(' ')?;
            Some(Noted::Change(Change::Up {
                name: name.to_string(),
                endpoint: endpoint.to_string(),
            }))
        } else {
            let name = line.strip_prefix("left ")?;
            Some(Noted::Change(Change::Down {
                name: name.to_string(),
            }))
        }
    }
}

impl Write for Notices {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        self.console.write_all(buf)?;
        self.partial.push_str(&String::from_utf8_lossy(buf));
        while let Some(end) = self.partial.find('\n') {
            let line: String = self.partial.drain(..=end).collect();
            self.noted.extend(Notices::parse(line.trim_end()));
        }
        Ok(buf.len())
    }

    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}
