//! `amqp-rpc-sequential` and `amqp-rpc-pipelined` — RPC over RabbitMQ (section 7).
//!
//! - sequential: one call at a time, section 7's `RpcClient` + the `amqp-rpc-server` binary
//!   against the tutorial's pika client (`bench/peers/amqp_rpc_client.py`, its `call` in a
//!   loop) + pika server (`amqp-fibonacci/peers/rpc_server.py`);
//! - pipelined: the same Rust client keeps 64 calls in flight (each matched by its correlation
//!   id) against the same pika pair, which can only do one call at a time. A context row shares
//!   the queue between 4 Rust servers (`amqp_fibonacci::spawn_server`), the tutorial's way to
//!   scale: with `prefetch_count = 1` one server answers one request per broker round trip.
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
    /// `amqp-rpc-server` and the pika server.
    servers: [QuietServer; 2],
    _shared_servers: Vec<ServerThread<Result<ServeStats, ServerError>>>,
    _queues: Vec<TempQueue>,
}

/// Starts the servers; with `shared`, also [`SHARED_SERVERS`] server threads on `shared_queue`.
fn start(ctx: &Ctx, shared: bool) -> anyhow::Result<Setup> {
    ctx.rabbitmq()?;
    let mut py_server = ctx.python(&section_peer("amqp-fibonacci", "rpc_server.py"))?;
    ctx.python(&bench_peer("amqp_rpc_client.py"))?;
    let binary = ctx.binary("amqp-fibonacci", "amqp-rpc-server")?;
    let mut connection = amqp_fibonacci::connect(&amqp_url())?;
    let queues = [
        "bench-rpc-rust",
        "bench-rpc-python",
        "bench-rpc-rust-shared",
    ]
    .map(|prefix| TempQueue::declare(&mut connection, prefix, QueueDeclareOptions::default()));
    connection.close()?;
    let queues = queues.into_iter().collect::<Result<Vec<_>, _>>()?;
    let [rust_queue, py_queue, shared_queue] = [0, 1, 2].map(|i| queues[i].name.clone());
    let url = amqp_url();
    let rust = QuietServer::start(
        "amqp-rpc-server",
        Command::new(binary).args(["--amqp-url", &url, "--queue", &rust_queue]),
    )?;
    let python = QuietServer::start(
        "rpc_server.py",
        py_server.env("AMQP_URL", &url).env("RPC_QUEUE", &py_queue),
    )?;
    let shared_servers = if shared {
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
        servers: [rust, python],
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

pub fn run_sequential(ctx: &Ctx) -> anyhow::Result<Vec<Row>> {
    let setup = start(ctx, false)?;
    let sample = ctx.budget.sample;
    let [rust_server, py_server] = &setup.servers;
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
    let [rust_server, py_server] = &setup.servers;
    let medians = with_client(&setup.rust_queue, |one| {
        with_client(&setup.shared_queue, |shared| {
            measure::round_robin(
                ctx.budget.repeats,
                &mut [
                    Contender::new(
                        format!("Rust client ({WINDOW} in flight) + amqp-rpc-server"),
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
                ],
                ctx.sample_reporter("calls/s"),
            )
        })
    })?;
    let [rust, pika, shared] = medians[..] else {
        return Err(anyhow!("expected three medians"));
    };
    let peer = format!("{PEER} (sequential)");
    Ok(vec![
        Row::new(
            "amqp-rpc-pipelined",
            "calls/s",
            Better::Higher,
            rust,
            peer.clone(),
            pika,
        )
        .with_target(Target::RatioAtLeast(5.0)),
        Row::new(
            format!("amqp-rpc-pipelined ({SHARED_SERVERS} servers)"),
            "calls/s",
            Better::Higher,
            shared,
            peer,
            pika,
        ),
    ])
}
