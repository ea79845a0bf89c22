//! `amqp-rpc-sequential`, `amqp-rpc-pipelined` and `amqp-rpc-cluster` — RPC over RabbitMQ
//! (section 7).
//!
//! - sequential: one call at a time, section 7's `RpcClient` + the `amqp-rpc-server` binary
//!   against the tutorial's pika client (`bench/peers/amqp_rpc_client.py`, its `call` in a
//!   loop) + pika server (`amqp-fibonacci/peers/rpc_server.py`);
//! - pipelined: the same Rust client keeps 64 calls in flight (each matched by its correlation
//!   id) against the same pika pair, which can only do one call at a time, in the configuration
//!   the section's README recommends for pipelined calls: `--prefetch 20`, the callback queue.
//!   Context rows: the tutorial's prefetch 1 (`amqp-rpc-pipelined-prefetch1`), the load mode
//!   (publisher confirms) with direct reply-to (`amqp-rpc-direct-reply-to`), and the queue shared
//!   between 4 Rust servers at prefetch 1 (`amqp_fibonacci::spawn_server`), the tutorial's way to
//!   scale;
//! - cluster: the load mode (confirms, 64 in flight) on a private 3-node cluster with a quorum
//!   queue, against the same on the single node with a classic queue (not in `--quick`: booting
//!   the cluster takes 20–40 s).
//!
//! Each call asks for fib(10): cheap in both languages, so the broker round trips dominate.
//! Each side gets its own request queue with a unique name, declared the tutorial's way before
//! the servers start and deleted at the end, so other users of the broker are not disturbed.

use std::collections::VecDeque;
use std::process::Command;
use std::time::{Duration, Instant};

use amqp_fibonacci::amiquip::QueueDeleteOptions;
use amqp_fibonacci::{amiquip::QueueDeclareOptions, TempQueue};
use amqp_fibonacci::{amqp_url, spawn_server, Function, RpcClient, ServeStats, ServerError};
use amqp_fibonacci::{run_load, Brokers, LoadOptions, ReplyTo, PIPELINED_PREFETCH};
use anyhow::{anyhow, bail, Context as _};
use test_support::ServerThread;

use crate::ctx::{bench_peer, peer_rate, section_peer, Ctx, QuietServer};
use crate::measure::{self, Better, Contender, Rate, Row, Target};

const PEER: &str = "pika client + server";
/// The argument of every call, and its answer.
const N: &str = "10";
const FIB_N: &str = "55";
/// Calls in flight in the pipelined scenario.
const WINDOW: usize = 64;
const CALL_TIMEOUT: Duration = Duration::from_secs(10);
/// Servers sharing one queue in the pipelined context row.
const SHARED_SERVERS: usize = 4;
/// Calls per sample of the load mode (it runs a number of calls, not for a time).
const LOAD_CALLS: [usize; 2] = [500, 6000]; // --quick, full

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

/// The servers running, each pool on its own fresh queue. Fields drop in order: servers
/// first, then the queues are deleted.
struct Setup {
    /// Served by the `amqp-rpc-server` binary.
    rust_queue: String,
    /// Served by the tutorial's pika server.
    py_queue: String,
    /// Served by [`SHARED_SERVERS`] server threads at once (pipelined only).
    shared_queue: String,
    /// Served by `amqp-rpc-server --prefetch 1` (pipelined only).
    prefetch1_queue: String,
    /// `amqp-rpc-server` and the pika server (and, pipelined, `amqp-rpc-server --prefetch 1`).
    servers: Vec<QuietServer>,
    _shared_servers: Vec<ServerThread<Result<ServeStats, ServerError>>>,
    _queues: Vec<TempQueue>,
}

/// Starts the servers; with `pipelined`, `amqp-rpc-server` runs at [`PIPELINED_PREFETCH`], and
/// there are also [`SHARED_SERVERS`] server threads on `shared_queue` and a prefetch-1 server.
fn start(ctx: &Ctx, pipelined: bool) -> anyhow::Result<Setup> {
    ctx.rabbitmq()?;
    let mut py_server = ctx.python(&section_peer("amqp-fibonacci", "rpc_server.py"))?;
    ctx.python(&bench_peer("amqp_rpc_client.py"))?;
    let binary = ctx.binary("amqp-fibonacci", "amqp-rpc-server")?;
    let mut connection = amqp_fibonacci::connect(&amqp_url())?;
    let queues = [
        "bench-rpc-rust",
        "bench-rpc-python",
        "bench-rpc-rust-shared",
        "bench-rpc-rust-prefetch1",
    ]
    .map(|prefix| TempQueue::declare(&mut connection, prefix, QueueDeclareOptions::default()));
    connection.close()?;
    let queues = queues.into_iter().collect::<Result<Vec<_>, _>>()?;
    let [rust_queue, py_queue, shared_queue, prefetch1_queue] =
        [0, 1, 2, 3].map(|i| queues[i].name.clone());
    let url = amqp_url();
    let prefetch = if pipelined { PIPELINED_PREFETCH } else { 1 }.to_string();
    let rust = QuietServer::start(
        "amqp-rpc-server",
        Command::new(&binary).args([
            "--amqp-url",
            &url,
            "--queue",
            &rust_queue,
            "--prefetch",
            &prefetch,
        ]),
    )?;
    let python = QuietServer::start(
        "rpc_server.py",
        py_server.env("AMQP_URL", &url).env("RPC_QUEUE", &py_queue),
    )?;
    let mut servers = vec![rust, python];
    if pipelined {
        servers.push(QuietServer::start(
            "amqp-rpc-server --prefetch 1",
            Command::new(&binary).args(["--amqp-url", &url, "--queue", &prefetch1_queue]),
        )?);
    }
    let shared_servers = if pipelined {
        (0..SHARED_SERVERS)
            .map(|_| {
                spawn_server(
                    &url,
                    &shared_queue,
                    Function::Fib,
                    Duration::ZERO,
                    std::io::sink(),
                )
            })
            .collect()
    } else {
        Vec::new()
    };
    Ok(Setup {
        rust_queue,
        py_queue,
        shared_queue,
        prefetch1_queue,
        servers,
        _shared_servers: shared_servers,
        _queues: queues,
    })
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

/// Runs `body` with section 7's `RpcClient` on a connection to `queue`, after a warm-up that
/// also waits for the server to consume (the first call may sit in the queue a moment).
fn with_client<T>(
    queue: &str,
    body: impl FnOnce(&mut RpcClient<'_>) -> anyhow::Result<T>,
) -> anyhow::Result<T> {
    let mut connection = amqp_fibonacci::connect(&amqp_url())?;
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

/// One sample of the load mode (`amqp-rpc-client --calls N --in-flight 64`): calls/s.
fn load_sample(ctx: &Ctx, urls: &[String], queue: &str, reply_to: ReplyTo) -> anyhow::Result<f64> {
    let options = LoadOptions {
        calls: ctx.budget.pick(LOAD_CALLS[0], LOAD_CALLS[1]),
        in_flight: WINDOW,
        timeout: CALL_TIMEOUT,
        reply_to,
    };
    let started = Instant::now();
    let report = run_load(&mut Brokers::new(urls), queue, options, &Default::default())?;
    let elapsed = started.elapsed();
    if !report.ok() {
        bail!("the load run on {queue} was not all answered right: {report}");
    }
    Ok(report.calls as f64 / elapsed.as_secs_f64())
}

pub fn run_sequential(ctx: &Ctx) -> anyhow::Result<Vec<Row>> {
    let setup = start(ctx, false)?;
    let sample = ctx.budget.sample;
    let [rust_server, py_server] = &setup.servers[..] else {
        bail!("expected two servers");
    };
    let medians = with_client(&setup.rust_queue, |client| {
        measure::round_robin(
            ctx.budget.repeats,
            &mut [
                Contender::new("Rust client + amqp-rpc-server", || {
                    Ok(sequential(client, sample)
                        .map_err(|e| rust_server.explain(e))?
                        .per_second())
                }),
                Contender::new(PEER, || {
                    pika_sample(ctx, &setup.py_queue).map_err(|e| py_server.explain(e))
                }),
            ],
            ctx.sample_reporter("calls/s"),
        )
    })?;
    Ok(vec![Row::new(
        "amqp-rpc-sequential",
        "calls/s",
        Better::Higher,
        medians[0],
        PEER,
        medians[1],
    )
    .with_target(Target::RatioAtLeast(1.3))])
}

pub fn run_pipelined(ctx: &Ctx) -> anyhow::Result<Vec<Row>> {
    let setup = start(ctx, true)?;
    let sample = ctx.budget.sample;
    let [rust_server, py_server, prefetch1_server] = &setup.servers[..] else {
        bail!("expected three servers");
    };
    let urls = [amqp_url()];
    let medians = with_client(&setup.rust_queue, |one| {
        with_client(&setup.shared_queue, |shared| {
            with_client(&setup.prefetch1_queue, |prefetch1| {
                measure::round_robin(
                    ctx.budget.repeats,
                    &mut [
                        Contender::new(
                            format!(
                                "Rust client ({WINDOW} in flight) + amqp-rpc-server --prefetch \
                                 {PIPELINED_PREFETCH}"
                            ),
                            || {
                                Ok(pipelined(one, sample)
                                    .map_err(|e| rust_server.explain(e))?
                                    .per_second())
                            },
                        ),
                        Contender::new(PEER, || {
                            pika_sample(ctx, &setup.py_queue).map_err(|e| py_server.explain(e))
                        }),
                        Contender::new(
                            format!("Rust client ({WINDOW} in flight) + {SHARED_SERVERS} servers"),
                            || Ok(pipelined(shared, sample)?.per_second()),
                        ),
                        Contender::new(
                            format!("Rust client ({WINDOW} in flight) + --prefetch 1"),
                            || {
                                Ok(pipelined(prefetch1, sample)
                                    .map_err(|e| prefetch1_server.explain(e))?
                                    .per_second())
                            },
                        ),
                        Contender::new(
                            format!("load mode ({WINDOW} in flight, confirms), direct reply-to"),
                            || {
                                load_sample(ctx, &urls, &setup.rust_queue, ReplyTo::Direct)
                                    .map_err(|e| rust_server.explain(e))
                            },
                        ),
                    ],
                    ctx.sample_reporter("calls/s"),
                )
            })
        })
    })?;
    let [rust, pika, shared, prefetch1, direct] = medians[..] else {
        return Err(anyhow!("expected five medians"));
    };
    let peer = format!("{PEER} (sequential)");
    let row = |name: String, value: f64| {
        Row::new(name, "calls/s", Better::Higher, value, peer.clone(), pika)
    };
    Ok(vec![
        row("amqp-rpc-pipelined".to_string(), rust).with_target(Target::RatioAtLeast(5.0)),
        row("amqp-rpc-pipelined-prefetch1".to_string(), prefetch1),
        row("amqp-rpc-direct-reply-to".to_string(), direct),
        row(
            format!("amqp-rpc-pipelined ({SHARED_SERVERS} servers, prefetch 1)"),
            shared,
        ),
    ])
}

/// The load mode on a private 3-node cluster with a quorum queue, against the single node.
pub fn run_cluster(ctx: &Ctx) -> anyhow::Result<Vec<Row>> {
    ctx.rabbitmq()?;
    if ctx.budget.quick {
        // Not a skip (that fails the smoke run under REQUIRE_PEERS=1): nothing to measure.
        ctx.say("not in --quick: it boots a 3-node cluster (20–40 s); tests/cluster.rs runs one");
        return Ok(Vec::new());
    }
    if amqp_fibonacci::sbin().is_none() {
        return crate::ctx::skip("RabbitMQ's own scripts are not installed: no private cluster");
    }
    let binary = ctx.binary("amqp-fibonacci", "amqp-rpc-server")?;
    ctx.say("booting a private 3-node RabbitMQ cluster …");
    let cluster = amqp_fibonacci::Cluster::start(3)?;
    let quorum_queue = "bench-rpc-quorum";
    let prefetch = PIPELINED_PREFETCH.to_string();
    let mut cmd = Command::new(&binary);
    cmd.args([
        "--queue",
        quorum_queue,
        "--queue-type",
        "quorum",
        "--prefetch",
        &prefetch,
    ]);
    for url in cluster.urls_from(0) {
        cmd.args(["--amqp-url", &url]);
    }
    let on_cluster = QuietServer::start("amqp-rpc-server on the cluster", &mut cmd)?;

    let mut connection = amqp_fibonacci::connect(&amqp_url())?;
    let single = TempQueue::declare(&mut connection, "bench-rpc-single", Default::default())?;
    connection.close()?;
    let on_single = QuietServer::start(
        "amqp-rpc-server on the single node",
        Command::new(&binary).args([
            "--amqp-url",
            &amqp_url(),
            "--queue",
            &single.name,
            "--prefetch",
            &prefetch,
        ]),
    )?;
    // The client on another node than the server's (and the queue leader's): the common case.
    let cluster_urls = cluster.urls_from(1);
    let single_urls = [amqp_url()];
    let medians = measure::round_robin(
        ctx.budget.repeats,
        &mut [
            Contender::new("3 nodes, quorum queue", || {
                load_sample(ctx, &cluster_urls, quorum_queue, ReplyTo::Queue)
                    .map_err(|e| on_cluster.explain(e))
            }),
            Contender::new("single node, classic queue", || {
                load_sample(ctx, &single_urls, &single.name, ReplyTo::Queue)
                    .map_err(|e| on_single.explain(e))
            }),
        ],
        ctx.sample_reporter("calls/s"),
    )?;
    drop((on_cluster, on_single));
    Ok(vec![Row::new(
        "amqp-rpc-cluster (3 nodes, quorum)",
        "calls/s",
        Better::Higher,
        medians[0],
        "single node, classic queue",
        medians[1],
    )])
}
