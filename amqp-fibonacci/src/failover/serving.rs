//! The server when a broker node dies: reconnect to the next node, declare the queue again (a
//! quorum queue is still there, with every request it had confirmed; a classic one on the dead
//! node is gone and gets declared afresh), and resume consuming. Nothing else changes: a request
//! is still acked only after its reply is published, so one the dead connection held unacked
//! goes back to the queue and is answered again — by us after the reconnect, or by another server.

use std::io::Write;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::{Duration, Instant};

use crate::failover::brokers::Brokers;
use crate::questions::existing_queue::{ensure_queue, QueueType};
use crate::server::{serve, ServeOptions, ServeStats, Stopped};
use crate::ServerError;

/// A session that ends this soon after it began, without answering anything, counts as failed;
/// after one failed round over every broker the server gives up with the last error.
const FAILED_SESSION: Duration = Duration::from_secs(2);
/// The pause before trying again after a failed session (not after a first loss).
const RETRY_PAUSE: Duration = Duration::from_millis(250);

/// Serves `queue` on the first broker that answers, until `stop` is raised; on a lost connection
/// (or a cancelled consumer) it moves to the next broker and goes on.
pub fn serve_with_failover(
    brokers: &mut Brokers,
    queue: &str,
    queue_type: QueueType,
    options: &ServeOptions,
    console: &mut impl Write,
    stop: &AtomicBool,
) -> Result<ServeStats, ServerError> {
    let mut stats = ServeStats::default();
    let mut connection = brokers.connect()?;
    let mut failures = 0;
    loop {
        let began = Instant::now();
        let served_before = stats.answered + stats.errors + stats.dropped;
        let outcome = ensure_queue(&mut connection, queue, queue_type)
            .and_then(|channel| serve(&channel, queue, options, console, stop, &mut stats));
        let why = match outcome {
            Ok(Stopped::Asked) => {
                let _ = connection.close(); // hands back what the broker pushed to us unacked
                return Ok(stats);
            }
            Ok(Stopped::ConnectionLost(why)) => why,
            // A 406 is a decision for a person, not something the next node changes.
            Err(error @ ServerError::QueueMismatch { .. }) => return Err(error),
            Err(error) => {
                let served = stats.answered + stats.errors + stats.dropped > served_before;
                if !served && began.elapsed() < FAILED_SESSION {
                    failures += 1;
                    if failures > brokers.urls().len() {
                        return Err(error);
                    }
                    std::thread::sleep(RETRY_PAUSE);
                } else {
                    failures = 0;
                }
                error.to_string()
            }
        };
        if stop.load(Ordering::Relaxed) {
            return Ok(stats);
        }
        drop(connection);
        connection = brokers.reconnect(&why)?;
    }
}
