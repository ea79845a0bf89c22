//! `amqp-rpc-sequential` and `amqp-rpc-pipelined` — RPC over RabbitMQ (section 7).
//!
//! - sequential: one call at a time, Rust client + `amqp-rpc-server` against the tutorial's pika
//!   client (`bench/peers/amqp_rpc_client.py`, its `call` in a loop) + pika server
//!   (`amqp-fibonacci/peers/rpc_server.py`);
//! - pipelined: the Rust client keeps 64 calls in flight (each matched by its correlation id)
//!   against the same pika pair, which can only do one call at a time.
//!
//! The headline rows measure what section 7 ships: its `RpcClient` on a connection opened by
//! `amqp_fibonacci::connect`, and the `amqp-rpc-server` binary. A context row runs the same
//! client and server code (`RpcClient`, `amqp_fibonacci::serve` in a thread) on connections
//! with `TCP_NODELAY` (see [`connect_nodelay`] for why that matters so much here).
//!
//! Each call asks for fib(10): cheap in both languages, so the broker round trips dominate.
//! Each side gets its own request queue with a unique name, declared the tutorial's way before
//! the servers start and deleted at the end, so other users of the broker are not disturbed.

use std::collections::VecDeque;
use std::process::Command;
use std::time::{Duration, Instant};

use amqp_fibonacci::amiquip::{self, QueueDeleteOptions};
use amqp_fibonacci::RpcClient;
use anyhow::{anyhow, bail, Context as _};

use crate::ctx::{bench_peer, peer_rate, section_peer, Ctx, QuietServer};
use crate::measure::{self, Better, Contender, Rate, Row, Target};

const PEER: &str = "pika client + server";
/// The argument of every call, and its answer.
const N: &str = "10";
const FIB_N: &str = "55";
/// Calls in flight in the pipelined scenario.
const WINDOW: usize = 64;
const CALL_TIMEOUT: Duration = Duration::from_secs(10);

fn amqp_url() -> String {
    std::env::var("AMQP_URL").unwrap_or_else(|_| common::endpoints::AMQP_URL.to_string())
}

/// Opens the bench client's connection with `TCP_NODELAY` on its socket.
///
/// Why: amiquip 0.4 (and so `amqp_fibonacci::connect`) leaves Nagle's algorithm on, and it
/// writes a publish as several small frames (method, header, body). Nagle holds the later ones
/// back until the broker acknowledges the first, and the broker delays that acknowledgement:
/// up to 40 ms lost per call. The server suffers the same way when requests queue up: it
/// publishes the reply, then acks; the ack waits for the broker's delayed acknowledgement, and
/// with `prefetch_count = 1` the broker sends nothing else until it has the ack.
fn connect_nodelay(url: &str) -> anyhow::Result<amiquip::Connection> {
    let address = amqp_fibonacci::broker_address(url);
    let stream = std::net::TcpStream::connect(&address)
        .with_context(|| format!("cannot connect to the broker at {address}"))?;
    stream.set_nodelay(true)?;
    let (username, password, vhost) = credentials(url);
    let options = amiquip::ConnectionOptions::default()
        .auth(amiquip::Auth::Plain { username, password })
        .virtual_host(vhost);
    let stream = mio::net::TcpStream::from_stream(stream)?;
    Ok(amiquip::Connection::insecure_open_stream(
        stream,
        options,
        amiquip::ConnectionTuning::default(),
    )?)
}

/// User, password and virtual host of `amqp://user:password@host:port/vhost` (the AMQP URI
/// defaults, guest/guest and `/`, where absent; only `%2f` is decoded in the vhost).
fn credentials(url: &str) -> (String, String, String) {
    let rest = url.split_once("://").map_or(url, |(_, rest)| rest);
    let (authority, path) = rest.split_once('/').unwrap_or((rest, ""));
    let vhost = path.split('?').next().unwrap_or_default();
    let vhost = if vhost.is_empty() {
        "/".to_string()
    } else {
        vhost.replace("%2f", "/").replace("%2F", "/")
    };
    let user_info = authority.rsplit_once('@').map(|(info, _)| info);
    let (user, password) = user_info
        .and_then(|info| info.split_once(':'))
        .unwrap_or(("guest", "guest"));
    (user.to_string(), password.to_string(), vhost)
}

/// The request queues of one scenario run, deleted from the broker when dropped.
struct TempQueues(Vec<String>);

impl TempQueues {
    fn declare(names: &[String]) -> anyhow::Result<TempQueues> {
        let queues = TempQueues(names.to_vec());
        let mut connection = amqp_fibonacci::connect(&amqp_url())?;
        let channel = connection.open_channel(None)?;
        for name in names {
            amqp_fibonacci::server::declare_like_tutorial(&channel, name)?;
        }
        connection.close()?;
        Ok(queues)
    }
}

impl Drop for TempQueues {
    fn drop(&mut self) {
        delete_queues(&self.0);
    }
}

/// Deletes `names` from the broker (best effort: a bench leaves nothing behind if it can).
pub fn delete_queues(names: &[String]) {
    let Ok(mut connection) = amqp_fibonacci::connect(&amqp_url()) else {
        return;
    };
    if let Ok(channel) = connection.open_channel(None) {
        for name in names {
            let _ = channel.queue_delete(name.clone(), QueueDeleteOptions::default());
        }
    }
    let _ = connection.close();
}

/// The three servers running, each on its own fresh queue. Fields drop in order: servers
/// first, then the queues are deleted.
struct Setup {
    /// Served by the `amqp-rpc-server` binary.
    rust_queue: String,
    /// Served by `amqp_fibonacci::serve` in a thread, on a `TCP_NODELAY` connection.
    nodelay_queue: String,
    /// Served by the tutorial's pika server.
    py_queue: String,
    /// Served by [`SHARED_SERVERS`] `TCP_NODELAY` server threads at once (pipelined only).
    shared_queue: String,
    /// `amqp-rpc-server` and the pika server.
    servers: [QuietServer; 2],
    _nodelay_servers: Vec<NoDelayServer>,
    _queues: TempQueues,
}

/// Servers sharing one queue in the pipelined context row: the tutorial's way to scale.
const SHARED_SERVERS: usize = 4;

/// Section 7's server loop on a `TCP_NODELAY` connection, in a thread; stopped when dropped.
struct NoDelayServer {
    stop: Option<crossbeam_channel::Sender<()>>,
    handle: Option<std::thread::JoinHandle<anyhow::Result<()>>>,
}

impl NoDelayServer {
    fn spawn(queue: &str) -> NoDelayServer {
        let (stop, stopped) = crossbeam_channel::bounded(1);
        let queue = queue.to_string();
        let handle = std::thread::spawn(move || -> anyhow::Result<()> {
            let mut connection = connect_nodelay(&amqp_url())?;
            let channel = connection.open_channel(None)?;
            amqp_fibonacci::serve(
                &channel,
                &queue,
                amqp_fibonacci::Function::Fib,
                Duration::ZERO,
                &mut std::io::sink(),
                &stopped,
            )?;
            drop(channel);
            connection.close()?;
            Ok(())
        });
        NoDelayServer {
            stop: Some(stop),
            handle: Some(handle),
        }
    }
}

impl Drop for NoDelayServer {
    fn drop(&mut self) {
        self.stop.take(); // a dropped sender wakes `serve` up
        if let Some(handle) = self.handle.take() {
            match handle.join() {
                Ok(Ok(())) => {}
                Ok(Err(e)) => eprintln!("the TCP_NODELAY server thread failed: {e:#}"),
                Err(_) => eprintln!("the TCP_NODELAY server thread panicked"),
            }
        }
    }
}

/// Starts the servers; `shared` adds [`SHARED_SERVERS`] server threads on `shared_queue`.
fn start(ctx: &Ctx, shared: bool) -> anyhow::Result<Setup> {
    ctx.rabbitmq()?;
    let mut py_server = ctx.python(&section_peer("amqp-fibonacci", "rpc_server.py"))?;
    ctx.python(&bench_peer("amqp_rpc_client.py"))?;
    let binary = ctx.binary("amqp-fibonacci", "amqp-rpc-server")?;
    let id = format!("{}-{}", std::process::id(), unique());
    let rust_queue = format!("bench-rpc-rust-{id}");
    let nodelay_queue = format!("bench-rpc-rust-nodelay-{id}");
    let py_queue = format!("bench-rpc-python-{id}");
    let shared_queue = format!("bench-rpc-rust-shared-{id}");
    let queues = TempQueues::declare(&[
        rust_queue.clone(),
        nodelay_queue.clone(),
        py_queue.clone(),
        shared_queue.clone(),
    ])?;
    let url = amqp_url();
    let rust = QuietServer::start(
        "amqp-rpc-server",
        Command::new(binary).args(["--amqp-url", &url, "--queue", &rust_queue]),
    )?;
    let python = QuietServer::start(
        "rpc_server.py",
        py_server.env("AMQP_URL", &url).env("RPC_QUEUE", &py_queue),
    )?;
    let mut nodelay_servers = vec![NoDelayServer::spawn(&nodelay_queue)];
    if shared {
        nodelay_servers.extend((0..SHARED_SERVERS).map(|_| NoDelayServer::spawn(&shared_queue)));
    }
    Ok(Setup {
        _nodelay_servers: nodelay_servers,
        shared_queue,
        rust_queue,
        nodelay_queue,
        py_queue,
        servers: [rust, python],
        _queues: queues,
    })
}

/// A number that differs between the scenarios of one run (so their queues never collide).
fn unique() -> u128 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_nanos())
        .unwrap_or(0)
}

/// One sample of the pika pair: the client script run for the sample time.
fn pika_sample(ctx: &Ctx, queue: &str) -> anyhow::Result<f64> {
    let sample = ctx.budget.sample;
    let mut cmd = ctx.python(&bench_peer("amqp_rpc_client.py"))?;
    cmd.args([N, &sample.as_secs_f64().to_string()])
        .env("AMQP_URL", amqp_url())
        .env("RPC_QUEUE", queue);
    Ok(peer_rate(
        "pika client",
        &mut cmd,
        sample * 4 + Duration::from_secs(30),
    )?
    .per_second())
}

/// How the bench's Rust client opens its connection.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Connect {
    /// As section 7's binaries do (`amqp_fibonacci::connect`).
    Section,
    /// With `TCP_NODELAY` ([`connect_nodelay`]).
    NoDelay,
}

/// Runs `body` with section 7's `RpcClient` on a connection to `queue`, after a warm-up that
/// also waits for the server to consume (the first call may sit in the queue a moment).
fn with_client<T>(
    queue: &str,
    connect: Connect,
    body: impl FnOnce(&mut RpcClient<'_>) -> anyhow::Result<T>,
) -> anyhow::Result<T> {
    let mut connection = match connect {
        Connect::NoDelay => connect_nodelay(&amqp_url())?,
        Connect::Section => amqp_fibonacci::connect(&amqp_url())?,
    };
    let channel = connection.open_channel(None)?;
    let result = {
        let mut client = RpcClient::new(&channel, queue)?;
        for _ in 0..20 {
            expect_fib(&client.call(N, CALL_TIMEOUT)?)?;
        }
        body(&mut client)
    };
    let _ = connection.close();
    result
}

fn expect_fib(answer: &str) -> anyhow::Result<()> {
    if answer != FIB_N {
        bail!("fib({N}) came back as {answer:?}, expected {FIB_N}");
    }
    Ok(())
}

/// One call at a time for `duration`.
fn sequential(client: &mut RpcClient<'_>, duration: Duration) -> anyhow::Result<Rate> {
    measure::for_duration(duration, u64::MAX, || {
        expect_fib(&client.call(N, CALL_TIMEOUT)?)
    })
}

/// `WINDOW` calls in flight for `duration`: whenever the oldest answer is in, send another.
fn pipelined(client: &mut RpcClient<'_>, duration: Duration) -> anyhow::Result<Rate> {
    let mut in_flight = VecDeque::with_capacity(WINDOW);
    for _ in 0..WINDOW {
        in_flight.push_back(client.send(N)?);
    }
    let start = Instant::now();
    let mut done = 0;
    while start.elapsed() < duration {
        let oldest = in_flight
            .pop_front()
            .ok_or_else(|| anyhow!("the window is never empty"))?;
        expect_fib(&client.wait(oldest, CALL_TIMEOUT)?)?;
        done += 1;
        in_flight.push_back(client.send(N)?);
    }
    let rate = Rate {
        ops: done,
        elapsed: start.elapsed(),
    };
    // Collect the stragglers so the next sample starts with an empty queue.
    for call in in_flight {
        client
            .wait(call, CALL_TIMEOUT)
            .context("draining the window")?;
    }
    Ok(rate)
}

pub fn run_sequential(ctx: &Ctx) -> anyhow::Result<Vec<Row>> {
    let setup = start(ctx, false)?;
    let sample = ctx.budget.sample;
    let medians = with_client(&setup.rust_queue, Connect::Section, |shipped| {
        with_client(&setup.nodelay_queue, Connect::NoDelay, |nodelay| {
            measure::round_robin(
                ctx.budget.repeats,
                &mut [
                    Contender::new("Rust client + amqp-rpc-server", || {
                        Ok(sequential(shipped, sample)
                            .map_err(|e| setup.servers[0].explain(e))?
                            .per_second())
                    }),
                    Contender::new(PEER, || {
                        pika_sample(ctx, &setup.py_queue).map_err(|e| setup.servers[1].explain(e))
                    }),
                    Contender::new("Rust client + server, TCP_NODELAY", || {
                        Ok(sequential(nodelay, sample)?.per_second())
                    }),
                ],
                ctx.sample_reporter("calls/s"),
            )
        })
    })?;
    Ok(rows("amqp-rpc-sequential", PEER.to_string(), &medians, 1.3))
}

pub fn run_pipelined(ctx: &Ctx) -> anyhow::Result<Vec<Row>> {
    let setup = start(ctx, true)?;
    let sample = ctx.budget.sample;
    let medians = with_client(&setup.rust_queue, Connect::Section, |shipped| {
        with_client(&setup.nodelay_queue, Connect::NoDelay, |nodelay| {
            with_client(&setup.shared_queue, Connect::NoDelay, |shared| {
                measure::round_robin(
                    ctx.budget.repeats,
                    &mut [
                        Contender::new(
                            format!("Rust client ({WINDOW} in flight) + amqp-rpc-server"),
                            || {
                                Ok(pipelined(shipped, sample)
                                    .map_err(|e| setup.servers[0].explain(e))?
                                    .per_second())
                            },
                        ),
                        Contender::new(PEER, || {
                            pika_sample(ctx, &setup.py_queue)
                                .map_err(|e| setup.servers[1].explain(e))
                        }),
                        Contender::new(
                            format!("Rust client ({WINDOW} in flight) + server, TCP_NODELAY"),
                            || Ok(pipelined(nodelay, sample)?.per_second()),
                        ),
                        Contender::new(
                            format!(
                                "Rust client ({WINDOW} in flight) + {SHARED_SERVERS} servers, \
                                 TCP_NODELAY"
                            ),
                            || Ok(pipelined(shared, sample)?.per_second()),
                        ),
                    ],
                    ctx.sample_reporter("calls/s"),
                )
            })
        })
    })?;
    let peer = format!("{PEER} (sequential)");
    let mut rows = rows("amqp-rpc-pipelined", peer.clone(), &medians[..3], 5.0);
    if let Some(&shared) = medians.get(3) {
        rows.push(Row::new(
            format!("amqp-rpc-pipelined ({SHARED_SERVERS} servers, TCP_NODELAY)"),
            "calls/s",
            Better::Higher,
            shared,
            peer,
            medians[1],
        ));
    }
    Ok(rows)
}

/// The headline row (section 7 as shipped vs pika, with its target) and the context row (the
/// same Rust code on `TCP_NODELAY` connections vs pika).
fn rows(scenario: &str, peer: String, medians: &[f64], target: f64) -> Vec<Row> {
    let unit = "calls/s";
    let [shipped, pika, nodelay] = medians[..] else {
        return Vec::new();
    };
    vec![
        Row::new(scenario, unit, Better::Higher, shipped, peer.clone(), pika)
            .with_target(Target::RatioAtLeast(target)),
        Row::new(
            format!("{scenario} (TCP_NODELAY)"),
            unit,
            Better::Higher,
            nodelay,
            peer,
            pika,
        ),
    ]
}

#[cfg(test)]
mod tests {
    use super::credentials;

    #[test]
    fn credentials_of_amqp_urls() {
        let own = |u: &str, p: &str, v: &str| (u.to_string(), p.to_string(), v.to_string());
        assert_eq!(
            credentials("amqp://guest:guest@127.0.0.1:5672/%2f"),
            own("guest", "guest", "/")
        );
        assert_eq!(
            credentials("amqp://ann:secret@host/dev?x=1"),
            own("ann", "secret", "dev")
        );
        assert_eq!(credentials("amqp://localhost"), own("guest", "guest", "/"));
    }
}
