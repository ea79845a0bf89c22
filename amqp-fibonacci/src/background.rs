//! Not the lesson: what the tests, the tour and the bench share to run this section in one
//! process — the broker URL they use, a throw-away queue that cleans up after itself, and a
//! server on a thread of its own (on its own connection, as if it were another process), built
//! on `common::ServerThread` so that stopping it is bounded.

use std::io::Write;
use std::time::{Duration, Instant};

use amiquip::{Connection, QueueDeclareOptions, QueueDeleteOptions};
use common::ServerThread;

use crate::server::{ServeOptions, ServeStats};
use crate::{Function, ServerError};

/// The broker the tests, the tour and the bench use: `$AMQP_URL`, or the tutorial's default.
pub fn amqp_url() -> String {
    std::env::var("AMQP_URL").unwrap_or_else(|_| common::endpoints::AMQP_URL.to_string())
}

/// Starts a server on `queue` on a thread of its own: it connects (with the connect deadline),
/// makes sure the queue exists and serves it until stopped. `stop()` returns what it did.
pub fn spawn_server(
    amqp_url: &str,
    queue: &str,
    function: Function,
    delay: Duration,
    mut console: impl Write + Send + 'static,
) -> ServerThread<Result<ServeStats, ServerError>> {
    let (amqp_url, queue) = (amqp_url.to_string(), queue.to_string());
    ServerThread::spawn(format!("amqp-rpc-server {queue}"), move |stop| {
        let mut connection = crate::connect(&amqp_url)?;
        let channel = crate::ensure_request_queue(&mut connection, &queue)?;
        let options = ServeOptions {
            delay,
            ..ServeOptions::tutorial(function)
        };
        let mut stats = ServeStats::default();
        crate::serve(&channel, &queue, &options, &mut console, &stop, &mut stats)?;
        drop(channel);
        connection.close()?;
        Ok(stats)
    })
}

/// A queue name nobody else uses (`<prefix>_<uuid>`); the queue is deleted when this is
/// dropped, whether or not it was ever declared. Tests, the tour and the bench never touch the
/// tutorial's own `rpc_queue`, so a server a student left running does not steal their calls.
#[derive(Debug)]
pub struct TempQueue {
    pub name: String,
}

impl TempQueue {
    /// Only a fresh name: nothing is declared (for "no server ever started").
    pub fn named(prefix: &str) -> TempQueue {
        TempQueue {
            name: format!("{prefix}_{}", uuid::Uuid::new_v4()),
        }
    }

    /// A fresh queue declared with `options` (the default: the tutorial's way).
    pub fn declare(
        connection: &mut Connection,
        prefix: &str,
        options: QueueDeclareOptions,
    ) -> Result<TempQueue, amiquip::Error> {
        let queue = Self::named(prefix);
        let channel = connection.open_channel(None)?;
        channel.queue_declare(queue.name.clone(), options)?;
        channel.close()?;
        Ok(queue)
    }

    /// The options of a durable quorum queue (what newer versions of the tutorial declare).
    pub fn quorum_options() -> QueueDeclareOptions {
        crate::questions::existing_queue::quorum_options()
    }

    /// (ready messages, consumers) as the broker reports them.
    pub fn try_counts(&self) -> anyhow::Result<(u32, u32)> {
        let mut connection = crate::connect(&amqp_url())?;
        let channel = connection.open_channel(None)?;
        let queue = channel.queue_declare_passive(self.name.clone())?;
        let counts = (
            queue.declared_message_count().unwrap_or(0),
            queue.declared_consumer_count().unwrap_or(0),
        );
        drop(queue);
        let _ = connection.close();
        Ok(counts)
    }

    /// Waits up to `within` until at least `consumers` servers consume the queue.
    pub fn wait_for(&self, consumers: u32, within: Duration) -> anyhow::Result<()> {
        let deadline = Instant::now() + within;
        while self.try_counts()?.1 < consumers {
            anyhow::ensure!(
                Instant::now() < deadline,
                "{}: {consumers} consumer(s) did not show up within {within:?}",
                self.name
            );
            std::thread::sleep(Duration::from_millis(50));
        }
        Ok(())
    }
}

impl Drop for TempQueue {
    fn drop(&mut self) {
        if let Ok(mut connection) = crate::connect(&amqp_url()) {
            if let Ok(channel) = connection.open_channel(None) {
                let _ = channel.queue_delete(self.name.clone(), QueueDeleteOptions::default());
            }
            let _ = connection.close();
        }
    }
}
