//! `discovery` — section 4's service discovery against the Lazy Pirate alone.
//!
//! **Failover**: a client sends a request every 100 ms round-robin to two servers; one is
//! "killed -9" (its loop stops and its lease is abandoned, not revoked — what etcd sees of a
//! crash). Measured: from the kill to the moment the request that went to the dead server is
//! answered by the live one. With discovery (`--discover`) that is the wait for the lease to
//! expire (TTL 3 s); with the Lazy Pirate alone, its timeouts and retries (2.5 s × 3, the
//! defaults). Ratio: Lazy Pirate over discovery (lower is better).
//!
//! **Last request to the dead server** (what the issue asked for): from the kill to the last
//! time the client *sends* to the dead server — with discovery the one request that went its
//! way (it is then abandoned, not resent), with the Lazy Pirate alone its last retry.
//!
//! **Join**: from a server's registration to its first request (target: under 1 s); without
//! discovery a new server is used only after every client is restarted with its address.
//!
//! Needs the `etcd` binary (Debian's `etcd-server`); starts its own on free ports.

use std::sync::atomic::AtomicBool;
use std::sync::Arc;
use std::time::{Duration, Instant};

use demo4_multi_reply::discovery::watch::Servers;
use demo4_multi_reply::discovery::{Change, LocalEtcd, Registry, DEFAULT_TTL};
use demo4_multi_reply::{LazyPirate, GREETING, REQUEST_RETRIES, REQUEST_TIMEOUT};

use crate::ctx::{skip, Ctx};
use crate::measure::{median, Better, Row, Target};
use crate::scenarios::Background;

/// The client's pause between requests.
const INTERVAL: Duration = Duration::from_millis(100);

pub fn run(ctx: &Ctx) -> anyhow::Result<Vec<Row>> {
    let Some(etcd) = LocalEtcd::start("bench")? else {
        return skip(format!(
            "etcd is missing (Debian: etcd-server) — run {}",
            test_support::SETUP_HINT
        ));
    };
    let registry = Registry::new(vec![etcd.url.clone()])?;
    let rounds = ctx.budget.pick(1, 5);
    let (mut discovery, mut pirate, mut joins) = (Vec::new(), Vec::new(), Vec::new());
    let (mut discovery_last, mut pirate_last) = (Vec::new(), Vec::new());
    for round in 1..=rounds {
        let with = failover(&registry, true, round)?;
        ctx.say(format!(
            "discovery #{round}: failover {:.2} s, last request to the dead server {:.2} s",
            with.answered, with.last_sent
        ));
        let without = failover(&registry, false, round)?;
        ctx.say(format!(
            "Lazy Pirate alone #{round}: failover {:.2} s, last request to the dead server {:.2} s",
            without.answered, without.last_sent
        ));
        let join = join(&registry, round)?;
        ctx.say(format!("join #{round}: {join:.0} ms"));
        discovery.push(with.answered);
        pirate.push(without.answered);
        discovery_last.push(with.last_sent);
        pirate_last.push(without.last_sent);
        joins.push(join);
    }
    Ok(vec![
        Row::new(
            "demo4 failover after kill -9 (s)",
            "s",
            Better::Lower,
            median(&discovery),
            "Lazy Pirate alone (2.5 s × 3)",
            median(&pirate),
        )
        .with_target(Target::RatioAtLeast(1.5)),
        Row::new(
            "demo4 kill -9 → last request sent to it (s)",
            "s",
            Better::Lower,
            median(&discovery_last),
            "Lazy Pirate alone (2.5 s × 3)",
            median(&pirate_last),
        ),
        Row::new(
            "demo4 join: registered → first request (ms)",
            "ms",
            Better::Lower,
            median(&joins),
            "static list (restart every client)",
            0.0,
        )
        .absolute()
        .with_target(Target::RustBelow(1000.0)),
    ])
}

/// A name server in a thread, registered; `crash` stops it without revoking its lease.
struct Server {
    thread: Background,
    registration: demo4_multi_reply::discovery::register::Registration,
    endpoint: String,
}

impl Server {
    fn start(registry: &Registry, name: String) -> anyhow::Result<Server> {
        let context = zmq::Context::new();
        let socket = context.socket(zmq::REP)?;
        socket.set_linger(0)?;
        let endpoint = common::zmq_util::bind_ephemeral(&socket)?;
        let registration = registry.register(&name, &endpoint, DEFAULT_TTL)?;
        let thread = Background::spawn("demo4 server", move |stop: Arc<AtomicBool>| {
            demo4_multi_reply::serve(&socket, &name, &mut std::io::sink(), &stop)?;
            Ok(())
        });
        Ok(Server {
            thread,
            registration,
            endpoint,
        })
    }

    /// Its loop has ended when this returns (a dropped thread is only told to stop, and could
    /// still answer the next request: "a dead server answered", seen once in a smoke run).
    fn crash(self) -> anyhow::Result<()> {
        let ended = self.thread.stop_within(Duration::from_secs(2));
        self.registration.abandon();
        match ended {
            Ok(served) => served,
            Err(e) => anyhow::bail!("the crashed server's loop did not end: {e:?}"),
        }
    }

    fn stop(self) {
        drop(self.thread);
        self.registration.revoke();
    }
}

/// What one failover took, in seconds from the kill.
struct Failover {
    /// Until the request that went to the dead server was answered by the live one.
    answered: f64,
    /// Until the last time a request was sent to the dead server.
    last_sent: f64,
}

/// The Lazy Pirate's notices, watched for its resends to one endpoint (`W: … retrying`).
struct Resends {
    endpoint: String,
    line: String,
    last: Option<Instant>,
}

impl std::io::Write for Resends {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        self.line.push_str(&String::from_utf8_lossy(buf));
        while let Some(end) = self.line.find('\n') {
            let line: String = self.line.drain(..=end).collect();
            if line.contains(&self.endpoint) && line.contains("retrying") {
                self.last = Some(Instant::now());
            }
        }
        Ok(buf.len())
    }

    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

/// The kill of one of two servers, and how long the client took to stop using it.
fn failover(registry: &Registry, discover: bool, round: usize) -> anyhow::Result<Failover> {
    let side = if discover { "discovery" } else { "pirate" };
    let names = [
        format!("{side}-live-{round}"),
        format!("{side}-dead-{round}"),
    ];
    let live = Server::start(registry, names[0].clone())?;
    let dead = Server::start(registry, names[1].clone())?;
    let context = zmq::Context::new();
    let endpoints = vec![live.endpoint.clone(), dead.endpoint.clone()];
    let mut client = LazyPirate::connect(&context, &endpoints, REQUEST_TIMEOUT, REQUEST_RETRIES)?;
    let (_, watch) = registry.watch()?;
    let mut listed: Servers = [
        (names[0].to_string(), endpoints[0].clone()),
        (names[1].to_string(), endpoints[1].clone()),
    ]
    .into_iter()
    .collect();
    // One round over both, then the kill, then requests until the dead one's turn is answered.
    for _ in 0..2 {
        client.request(&[GREETING], &mut std::io::sink())?;
    }
    let dead_at = dead.endpoint.clone();
    dead.crash()?;
    let killed = Instant::now();
    let mut pending = Vec::new();
    let mut resends = Resends {
        endpoint: dead_at.clone(),
        line: String::new(),
        last: None,
    };
    let mut stuck_sent = killed;
    loop {
        let sent = Instant::now();
        let reply = client.request_while(&[GREETING], &mut resends, |endpoint| {
            if !discover {
                return true;
            }
            pending.extend(watch.changes.try_iter());
            // demo4's own rule for a change to the list (an `up` may move a name, too).
            for change in pending.drain(..) {
                change.apply(&mut listed);
            }
            listed.values().any(|e| e == endpoint)
        })?;
        anyhow::ensure!(
            reply.endpoint != dead_at,
            "round {round}: a dead server answered"
        );
        if sent.elapsed() > INTERVAL * 5 {
            stuck_sent = sent; // this one went to the dead server first
        }
        // The request that went to the dead server is the one that took long.
        if killed.elapsed() > INTERVAL * 5 || !client.unreachable().is_empty() {
            break;
        }
        anyhow::ensure!(
            killed.elapsed() < Duration::from_secs(30),
            "no failover within 30 s"
        );
        std::thread::sleep(INTERVAL);
    }
    let answered = killed.elapsed().as_secs_f64();
    let last = resends
        .last
        .map_or(stuck_sent, |resent| resent.max(stuck_sent));
    live.stop();
    Ok(Failover {
        answered,
        last_sent: last.duration_since(killed).as_secs_f64(),
    })
}

/// Milliseconds from a registration to the first request the new server answers.
fn join(registry: &Registry, round: usize) -> anyhow::Result<f64> {
    let first = Server::start(registry, format!("join-first-{round}"))?;
    let context = zmq::Context::new();
    let (servers, watch) = registry.watch()?;
    let endpoints: Vec<String> = servers.values().cloned().collect();
    let mut client = LazyPirate::connect(&context, &endpoints, REQUEST_TIMEOUT, REQUEST_RETRIES)?;
    let second = Server::start(registry, format!("join-second-{round}"))?;
    let registered = Instant::now();
    let deadline = registered + Duration::from_secs(10);
    loop {
        for change in watch.changes.try_iter() {
            if let Change::Up { endpoint, .. } = change {
                client.add(&endpoint)?;
            }
        }
        let reply = client.request(&[GREETING], &mut std::io::sink())?;
        if reply.endpoint == second.endpoint {
            break;
        }
        anyhow::ensure!(
            Instant::now() < deadline,
            "round {round}: the new server got no request"
        );
        std::thread::sleep(INTERVAL);
    }
    let took = registered.elapsed().as_secs_f64() * 1000.0;
    first.stop();
    second.stop();
    Ok(took)
}
