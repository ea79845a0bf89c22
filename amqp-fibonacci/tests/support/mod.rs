//! Shared by the integration tests: the broker URL, throw-away queues, in-process servers and
//! the compiled binaries. Every test uses its own `rpc_queue_test_<uuid>` queue, so the tests run
//! in parallel (with each other and with other crates) and never touch the tutorial's `rpc_queue`.
#![allow(dead_code)] // each test file uses a different part of this module

use std::process::Command;
use std::time::Duration;

use amiquip::{Connection, QueueDeclareOptions};
use amqp_fibonacci::{spawn_server, Function, ServeStats, ServerError};
use test_support::ServerThread;

/// Generous bound for anything that should take milliseconds (the machine may be loaded).
pub const BOUND: Duration = Duration::from_secs(30);

pub use amqp_fibonacci::amqp_url;

/// A connection to the test broker (with the connect deadline), or `None` after `skip` when no
/// broker answers (a failure under REQUIRE_PEERS=1, like a missing peer interpreter).
pub fn broker() -> Option<Connection> {
    let url = amqp_url();
    match amqp_fibonacci::connect(&url) {
        Ok(connection) => Some(connection),
        Err(e) => {
            test_support::skip(&format!("no RabbitMQ broker at {url} ({e})"));
            None
        }
    }
}

/// The crate's [`amqp_fibonacci::TempQueue`] (deleted when dropped), with a test's prefix and
/// panics instead of `Result`s.
#[derive(Debug)]
pub struct TempQueue(amqp_fibonacci::TempQueue);

impl std::ops::Deref for TempQueue {
    type Target = amqp_fibonacci::TempQueue;
    fn deref(&self) -> &Self::Target {
        &self.0
    }
}

const PREFIX: &str = "rpc_queue_test";

impl TempQueue {
    /// Only a fresh name: nothing is declared (for "no server ever started").
    pub fn name_only() -> TempQueue {
        TempQueue(amqp_fibonacci::TempQueue::named(PREFIX))
    }

    /// A fresh queue declared the tutorial's way (classic, not durable).
    pub fn declared(connection: &mut Connection) -> TempQueue {
        Self::declared_with(connection, QueueDeclareOptions::default())
    }

    /// A fresh queue declared with other arguments (durable, quorum, …).
    pub fn declared_with(connection: &mut Connection, options: QueueDeclareOptions) -> TempQueue {
        let queue = amqp_fibonacci::TempQueue::declare(connection, PREFIX, options);
        TempQueue(queue.expect("declare the test queue"))
    }

    /// A durable quorum queue (what newer versions of the tutorial declare).
    pub fn quorum(connection: &mut Connection) -> TempQueue {
        Self::declared_with(connection, amqp_fibonacci::TempQueue::quorum_options())
    }

    /// (ready messages, consumers) as the broker reports them.
    pub fn counts(&self) -> (u32, u32) {
        self.0.try_counts().expect("the test queue exists")
    }

    /// Waits (bounded) until `consumers` servers consume the queue.
    pub fn wait_for_consumers(&self, consumers: u32) {
        self.0.wait_for(consumers, BOUND).expect("consumers");
    }
}

/// A server running in a thread of the test, on its own connection (like a separate process).
pub struct TestServer(ServerThread<Result<ServeStats, ServerError>>);

impl TestServer {
    pub fn start(queue: &str, function: Function, delay: Duration) -> TestServer {
        let sink = std::io::sink();
        TestServer(spawn_server(&amqp_url(), queue, function, delay, sink))
    }

    /// Stops the server (bounded) and returns what it did.
    pub fn stop(self) -> ServeStats {
        self.0.stop().expect("the server ran without error")
    }
}

/// One of this crate's binaries, pointed at the test broker.
pub fn bin(name: &str) -> Command {
    let path = match name {
        "amqp-rpc-server" => env!("CARGO_BIN_EXE_amqp-rpc-server"),
        "amqp-rpc-client" => env!("CARGO_BIN_EXE_amqp-rpc-client"),
        other => panic!("no binary {other}"),
    };
    let mut cmd = Command::new(path);
    cmd.env("AMQP_URL", amqp_url())
        .env("RUST_BACKTRACE", "0")
        .env("RUST_LOG", "info") // some tests read the servers' info lines
        .env("NO_COLOR", "1");
    cmd
}

/// fib(n) as the server writes it.
pub fn fib_text(n: u64) -> String {
    amqp_fibonacci::fib(n).expect("n <= 186").to_string()
}

/// Holds the tutorial's queue names for one test at a time across every test process (a file
/// lock in the temp dir): the one test below runs the programs at their defaults.
pub fn lock_default_queues() -> std::fs::File {
    let path = std::env::temp_dir().join("rpc-tutorial-amqp-default-queues.lock");
    let file = std::fs::File::create(&path).expect("the temp dir is writable");
    file.lock().expect("flock on the queue lock file");
    file
}

/// Whether `queue` exists and how many consumers it has (`None` = no such queue).
pub fn consumers_of(queue: &str) -> Option<u32> {
    let mut connection = broker()?;
    let channel = connection.open_channel(None).ok()?;
    let found = channel.queue_declare_passive(queue).ok()?;
    found.declared_consumer_count()
}
