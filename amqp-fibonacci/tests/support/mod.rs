//! Shared by the integration tests: the broker URL, throw-away queues, in-process servers and
//! the compiled binaries. Every test uses its own `rpc_queue_test_<uuid>` queue, so the tests run
//! in parallel (with each other and with other crates) and never touch the tutorial's `rpc_queue`.
#![allow(dead_code)] // each test file uses a different part of this module

use std::process::Command;
use std::thread;
use std::time::{Duration, Instant};

use amiquip::{AmqpValue, Connection, FieldTable, QueueDeclareOptions, QueueDeleteOptions};
use amqp_fibonacci::{Function, ServeStats, ServerThread};

/// Generous bound for anything that should take milliseconds (the machine may be loaded).
pub const BOUND: Duration = Duration::from_secs(30);

/// The broker the tests use: `$AMQP_URL`, or the tutorial's default.
pub fn amqp_url() -> String {
    std::env::var("AMQP_URL").unwrap_or_else(|_| common::endpoints::AMQP_URL.to_string())
}

/// A connection to the test broker, or `None` after `skip` when no broker answers (a failure
/// under REQUIRE_PEERS=1, like a missing peer interpreter).
pub fn broker() -> Option<Connection> {
    let url = amqp_url();
    match Connection::insecure_open(&url) {
        Ok(connection) => Some(connection),
        Err(e) => {
            common::testing::skip(&format!("no RabbitMQ broker at {url} ({e})"));
            None
        }
    }
}

/// A queue name no other test uses; deleted when dropped (whether or not it was declared).
#[derive(Debug)]
pub struct TempQueue {
    pub name: String,
}

impl TempQueue {
    /// Only a fresh name: nothing is declared (for "no server ever started").
    pub fn name_only() -> TempQueue {
        TempQueue {
            name: format!("rpc_queue_test_{}", uuid::Uuid::new_v4()),
        }
    }

    /// A fresh queue declared the tutorial's way (classic, not durable).
    pub fn declared(connection: &mut Connection) -> TempQueue {
        Self::declared_with(connection, QueueDeclareOptions::default())
    }

    /// A fresh queue declared with other arguments (durable, quorum, …).
    pub fn declared_with(connection: &mut Connection, options: QueueDeclareOptions) -> TempQueue {
        let queue = Self::name_only();
        let channel = connection.open_channel(None).expect("open a channel");
        channel
            .queue_declare(queue.name.clone(), options)
            .expect("declare the test queue");
        channel.close().expect("close the channel");
        queue
    }

    /// A durable quorum queue (what newer versions of the tutorial declare).
    pub fn quorum(connection: &mut Connection) -> TempQueue {
        let mut arguments = FieldTable::new();
        arguments.insert(
            "x-queue-type".to_string(),
            AmqpValue::LongString("quorum".to_string()),
        );
        Self::declared_with(
            connection,
            QueueDeclareOptions {
                durable: true,
                arguments,
                ..QueueDeclareOptions::default()
            },
        )
    }

    /// (ready messages, consumers) as the broker reports them.
    pub fn counts(&self) -> (u32, u32) {
        let mut connection = Connection::insecure_open(&amqp_url()).expect("connect");
        let channel = connection.open_channel(None).expect("open a channel");
        let queue = channel
            .queue_declare_passive(self.name.clone())
            .expect("the test queue exists");
        let counts = (
            queue.declared_message_count().unwrap_or(0),
            queue.declared_consumer_count().unwrap_or(0),
        );
        drop(queue);
        let _ = connection.close();
        counts
    }

    /// Waits (bounded) until `consumers` servers consume the queue.
    pub fn wait_for_consumers(&self, consumers: u32) {
        let deadline = Instant::now() + BOUND;
        while self.counts().1 < consumers {
            assert!(
                Instant::now() < deadline,
                "{}: {consumers} consumer(s) never showed up",
                self.name
            );
            thread::sleep(Duration::from_millis(50));
        }
    }
}

impl Drop for TempQueue {
    fn drop(&mut self) {
        if let Ok(mut connection) = Connection::insecure_open(&amqp_url()) {
            if let Ok(channel) = connection.open_channel(None) {
                let _ = channel.queue_delete(self.name.clone(), QueueDeleteOptions::default());
            }
            let _ = connection.close();
        }
    }
}

/// A server running in a thread of the test, on its own connection (like a separate process).
pub struct TestServer(ServerThread);

impl TestServer {
    pub fn start(queue: &str, function: Function, delay: Duration) -> TestServer {
        TestServer(ServerThread::spawn(
            &amqp_url(),
            queue,
            function,
            delay,
            std::io::sink(),
        ))
    }

    /// Stops the server and returns what it did.
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
