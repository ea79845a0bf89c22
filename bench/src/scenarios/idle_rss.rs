//! `idle-rss` — resident memory (`VmRSS`) of each Rust server binary, started from the release
//! build and left idle for a moment, next to the idle memory of the tutorial's PHP/Python server
//! for the same section. Target: every Rust server under 10 MB.
//!
//! All servers start at once on their own ephemeral endpoints, settle, are measured, and are
//! killed: a couple of seconds in all.

use std::path::PathBuf;
use std::process::Command;
use std::time::Duration;

use crate::ctx::{free_addr, rss_mb, section_peer, Ctx, QuietServer, Skip};
use crate::measure::{Better, Row, Target};

/// The target: an idle Rust server stays under this resident size.
const MAX_MB: f64 = 10.0;

/// How a peer server runs.
enum Interp {
    Php,
    Python,
}

/// One section's server: the Rust binary and the tutorial's server for the same role.
struct Pair {
    package: &'static str,
    bin: &'static str,
    rust_args: Vec<String>,
    interp: Interp,
    /// The peer script, relative to the workspace root's `<package>/peers/`.
    peer_package: &'static str,
    peer_script: &'static str,
    peer_args: Vec<String>,
    peer_env: Vec<(&'static str, String)>,
    /// Where the Rust server and the peer accept TCP connections once they are ready
    /// (`None` for ZeroMQ and AMQP servers: nothing to probe, the settling pause covers them).
    ports: Option<(std::net::SocketAddr, std::net::SocketAddr)>,
    /// Temporary files to remove afterwards (SQLite databases).
    temp: Vec<PathBuf>,
}

fn zmq_pair(
    package: &'static str,
    bin: &'static str,
    peer_package: &'static str,
    script: &'static str,
) -> Pair {
    let (rust, peer) = (test_support::free_endpoint(), test_support::free_endpoint());
    Pair {
        package,
        bin,
        rust_args: vec!["--bind".into(), rust],
        interp: Interp::Php,
        peer_package,
        peer_script: script,
        peer_args: Vec::new(),
        peer_env: vec![("ZMQ_ENDPOINT", peer)],
        ports: None,
        temp: Vec::new(),
    }
}

fn pairs(ctx: &Ctx) -> Vec<Pair> {
    let mut pairs = vec![
        zmq_pair("demo1-reqrep", "demo1-server", "demo1-reqrep", "server.php"),
        // Section 2's tutorial server is section 1's PHP echo server.
        zmq_pair(
            "demo2-polyglot",
            "demo2-server",
            "demo1-reqrep",
            "server.php",
        ),
        zmq_pair(
            "demo3-pubsub-pushpull",
            "demo3-producer",
            "demo3-pubsub-pushpull",
            "producer.php",
        ),
        zmq_pair(
            "demo4-multi-reply",
            "demo4-server",
            "demo4-multi-reply",
            "server.php",
        ),
        zmq_pair(
            "demo5-msgpack",
            "demo5-server",
            "demo5-msgpack",
            "server.php",
        ),
        zmq_pair(
            "demo6-rpc-server",
            "demo6-server",
            "demo6-rpc-server",
            "server.php",
        ),
    ];
    if ctx.rabbitmq().is_ok() {
        // The default queue: both servers only declare it (as the tutorial's) and wait.
        let queue = format!("bench-idle-{}", std::process::id());
        pairs.push(Pair {
            package: "amqp-fibonacci",
            bin: "amqp-rpc-server",
            rust_args: vec!["--queue".into(), queue.clone()],
            interp: Interp::Python,
            peer_package: "amqp-fibonacci",
            peer_script: "rpc_server.py",
            peer_args: Vec::new(),
            peer_env: vec![("RPC_QUEUE", queue)],
            ports: None,
            temp: Vec::new(),
        });
    } else {
        ctx.say("no RabbitMQ broker: amqp-rpc-server not measured");
    }
    let (rust, peer) = (free_addr(), free_addr());
    pairs.push(Pair {
        package: "xmlrpc-calc",
        bin: "xmlrpc-server",
        rust_args: vec!["--listen".into(), rust.to_string()],
        interp: Interp::Python,
        peer_package: "xmlrpc-calc",
        peer_script: "server.py",
        peer_args: vec![peer.port().to_string()],
        peer_env: Vec::new(),
        ports: Some((rust, peer)),
        temp: Vec::new(),
    });
    let (rust, peer) = (free_addr(), free_addr());
    let dir = std::env::temp_dir();
    let pid = std::process::id();
    let (rust_db, peer_db) = (
        dir.join(format!("bench-idle-{pid}-rust.sqlite3")),
        dir.join(format!("bench-idle-{pid}-python.sqlite3")),
    );
    pairs.push(Pair {
        package: "jsonrpc-search",
        bin: "jsonrpc-server",
        rust_args: vec![
            "--listen".into(),
            rust.to_string(),
            "--http".into(),
            free_addr().to_string(),
            "--db".into(),
            rust_db.display().to_string(),
        ],
        interp: Interp::Python,
        peer_package: "jsonrpc-search",
        peer_script: "server.py",
        peer_args: Vec::new(),
        peer_env: vec![
            ("JSONRPC_ADDR", peer.to_string()),
            ("JSONRPC_HTTP", free_addr().to_string()),
            ("JSONRPC_DB", peer_db.display().to_string()),
        ],
        ports: Some((rust, peer)),
        temp: vec![rust_db, peer_db],
    });
    pairs
}

pub fn run(ctx: &Ctx) -> anyhow::Result<Vec<Row>> {
    let pairs = pairs(ctx);
    // Start everything first, so that one settling pause serves all.
    let mut running = Vec::new();
    for pair in &pairs {
        let binary = match ctx.binary(pair.package, pair.bin) {
            Ok(binary) => binary,
            Err(e) if e.downcast_ref::<Skip>().is_some() => {
                ctx.say(format!("{} not measured: {e}", pair.bin));
                continue;
            }
            Err(e) => return Err(e),
        };
        let script = section_peer(pair.peer_package, pair.peer_script);
        let mut peer_cmd = match pair.interp {
            Interp::Php => ctx.php(&script)?,
            Interp::Python => ctx.python(&script)?,
        };
        peer_cmd.args(&pair.peer_args);
        for (key, value) in &pair.peer_env {
            peer_cmd.env(key, value);
        }
        let rust = QuietServer::start(pair.bin, Command::new(binary).args(&pair.rust_args))?;
        let peer = QuietServer::start(pair.peer_script, &mut peer_cmd)?;
        running.push((pair, rust, peer));
    }
    for (pair, rust_server, peer_server) in &running {
        if let Some((rust, peer)) = pair.ports {
            rust_server.wait_for_port(rust, Duration::from_secs(10))?;
            peer_server.wait_for_port(peer, Duration::from_secs(10))?;
        }
    }
    std::thread::sleep(
        ctx.budget
            .pick(Duration::from_millis(700), Duration::from_secs(2)),
    );

    let mut rows = Vec::new();
    for (pair, rust, peer) in &running {
        rust.check_running()?;
        peer.check_running()?;
        let peer_name = match pair.interp {
            Interp::Php => format!("php {}", pair.peer_script),
            Interp::Python => format!("python {}", pair.peer_script),
        };
        let (rust_mb, peer_mb) = (rss_mb(rust.id())?, rss_mb(peer.id())?);
        ctx.say(format!(
            "{}: {rust_mb:.1} MB; {peer_name}: {peer_mb:.1} MB",
            pair.bin
        ));
        rows.push(
            Row::new(
                format!("idle-rss {}", pair.bin),
                "MB",
                Better::Lower,
                rust_mb,
                peer_name,
                peer_mb,
            )
            .with_target(Target::RustBelow(MAX_MB)),
        );
    }
    drop(running);
    for pair in &pairs {
        for path in &pair.temp {
            let _ = std::fs::remove_file(path);
        }
    }
    delete_queue_of(&pairs);
    Ok(rows)
}

/// The AMQP servers declared a queue on the broker: remove it again.
fn delete_queue_of(pairs: &[Pair]) {
    for pair in pairs.iter().filter(|p| p.package == "amqp-fibonacci") {
        if let Some((_, queue)) = pair.peer_env.first() {
            super::amqp_rpc::delete_queues(std::slice::from_ref(queue));
        }
    }
}
