//! The scenarios, one module each, in tutorial order. Each one starts what it needs (servers in
//! threads or as processes, peer scripts), measures its contenders in turn, and returns rows.

use std::sync::atomic::AtomicBool;
use std::sync::Arc;

use crate::ctx::Ctx;
use crate::measure::Row;

pub mod amqp_rpc;
pub mod discovery;
pub mod idle_rss;
pub mod jsonrpc;
pub mod msgpack_rpc;
pub mod xmlrpc;
pub mod zerorpc;
pub mod zmq_pushpull;
pub mod zmq_reqrep;

/// A named scenario of the bench.
#[derive(Debug, Clone, Copy)]
pub struct Scenario {
    pub name: &'static str,
    /// One line for `--list`: what is measured, against which peer.
    pub about: &'static str,
    pub run: fn(&Ctx) -> anyhow::Result<Vec<Row>>,
}

/// Every scenario, in the order they run and appear in the table.
pub const ALL: &[Scenario] = &[
    Scenario {
        name: "zmq-reqrep",
        about: "REQ/REP round trips/s, 64 B: Rust vs pyzmq (and raw libzmq, plain TCP)",
        run: zmq_reqrep::run,
    },
    Scenario {
        name: "zmq-pushpull",
        about: "PUSH/PULL messages/s, 16 B: Rust vs pyzmq",
        run: zmq_pushpull::run,
    },
    Scenario {
        name: "discovery",
        about: "demo4 failover after kill -9 (etcd discovery vs Lazy Pirate alone), join time",
        run: discovery::run,
    },
    Scenario {
        name: "msgpack-rpc",
        about: "demo6 `plus` calls/s, 1 and 4 clients: Rust server vs the PHP route-table server",
        run: msgpack_rpc::run,
    },
    Scenario {
        name: "zerorpc",
        about:
            "zerorpc add(7, 3) calls/s (1, 8 clients): Rust vs zerorpc-python; zerorpc vs XML-RPC",
        run: zerorpc::run,
    },
    Scenario {
        name: "amqp-rpc-sequential",
        about: "RabbitMQ RPC calls/s, one at a time: Rust client + server vs pika client + server",
        run: amqp_rpc::run_sequential,
    },
    Scenario {
        name: "amqp-rpc-pipelined",
        about: "RabbitMQ RPC calls/s, Rust client with 64 in flight (prefetch 20; 1; direct \
                reply-to) vs pika (sequential)",
        run: amqp_rpc::run_pipelined,
    },
    Scenario {
        name: "amqp-rpc-cluster",
        about: "RabbitMQ RPC calls/s, load mode: 3-node cluster with a quorum queue vs one node",
        run: amqp_rpc::run_cluster,
    },
    Scenario {
        name: "xmlrpc",
        about: "XML-RPC calls/s (1, 8 clients), 500 sleeps at once: Rust vs Python ThreadingMixIn",
        run: xmlrpc::run,
    },
    Scenario {
        name: "jsonrpc-http",
        about: "JSON-RPC echo calls/s over HTTP, one client: Rust vs Python http.server",
        run: jsonrpc::run_http,
    },
    Scenario {
        name: "jsonrpc-tcp",
        about: "JSON-RPC echo calls/s over raw TCP, a connection per call: Rust vs Python",
        run: jsonrpc::run_tcp,
    },
    Scenario {
        name: "idle-rss",
        about: "idle resident memory of each Rust server vs the tutorial's server for its section",
        run: idle_rss::run,
    },
];

/// A server loop running in a thread of the bench: `test_support::ServerThread`, whose
/// `stop()` is bounded. The loop gets the stop flag and must look at it at least every few
/// hundred milliseconds.
pub type Background = test_support::ServerThread<anyhow::Result<()>>;

/// Starts `body` on a thread named `name` (see [`Background`]).
pub fn background(
    name: &'static str,
    body: impl FnOnce(Arc<AtomicBool>) -> anyhow::Result<()> + Send + 'static,
) -> Background {
    test_support::ServerThread::spawn(name, body)
}
