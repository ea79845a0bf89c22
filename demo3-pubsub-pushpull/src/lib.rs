//! Section 3 — the other two ZeroMQ patterns.
//!
//! - **PUB/SUB** (a ticker): the producer binds a PUB socket and publishes the date once a
//!   second; consumers connect SUB sockets and subscribe. A PUB socket sends each message to the
//!   subscribers connected *at that moment* and drops it otherwise: a consumer that joins late
//!   misses what came before — the "slow joiner".
//! - **PUSH/PULL** (a pipeline): the pusher binds a PUSH socket and hands out a message every
//!   0.5 s; workers connect PULL sockets. Each message goes to exactly one worker, round-robin,
//!   so two slow workers share the work fairly.
//!
//! Wire format: one frame of text, the date as PHP's `date('m/d/Y h:i:s a')` prints it,
//! e.g. `11/22/2026 02:06:01 am`.

use std::io::Write;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::{Duration, Instant};

/// The producer's period (the tutorial sleeps 1 s).
pub const PUBLISH_INTERVAL: Duration = Duration::from_secs(1);
/// The pusher's period (the tutorial sleeps 0.5 s).
pub const PUSH_INTERVAL: Duration = Duration::from_millis(500);
/// How long a puller "works" on each message (the tutorial sleeps 2 s: a slow worker).
pub const WORK_TIME: Duration = Duration::from_secs(2);

/// PHP's `m/d/Y h:i:s a` in chrono's words: zero-padded month/day, 12-hour clock, `am`/`pm`.
pub const DATE_FORMAT: &str = "%m/%d/%Y %I:%M:%S %P";

/// The current local date and time in the tutorial's format.
pub fn now_text() -> String {
    chrono::Local::now().format(DATE_FORMAT).to_string()
}

/// How often a waiting loop looks at its stop flag (Ctrl-C, `common::shutdown`).
const SHUTDOWN_CHECK: Duration = Duration::from_millis(100);

/// Hands one frame to a PUSH socket. PUSH never drops: with no puller connected there is
/// nobody to hand the work to, so the send *waits* (PUB, in the same spot, would drop the
/// message). We wait in slices, so `shutdown` is noticed, and say once why nothing happens.
/// Returns `false` when stopped by `shutdown` before the message could go.
pub fn push_or_wait(
    socket: &zmq::Socket,
    frame: &[u8],
    shutdown: &AtomicBool,
) -> Result<bool, zmq::Error> {
    let mut told = false;
    loop {
        match socket.send(frame, zmq::DONTWAIT) {
            Ok(()) => return Ok(true),
            Err(zmq::Error::EAGAIN) => {
                if !told {
                    tracing::info!("no puller connected yet: the message waits until one connects");
                    told = true;
                }
                if shutdown.load(Ordering::Relaxed) {
                    return Ok(false);
                }
                match socket.poll(zmq::POLLOUT, SHUTDOWN_CHECK.as_millis() as i64) {
                    // EINTR: Ctrl-C arrived while waiting; the loop looks at `shutdown` now.
                    Ok(_) | Err(zmq::Error::EINTR) => {}
                    Err(e) => return Err(e),
                }
            }
            Err(e) => return Err(e),
        }
    }
}

/// Sleeps `duration`, waking early when `shutdown` is set.
pub fn sleep_unless(duration: Duration, shutdown: &AtomicBool) {
    let end = Instant::now() + duration;
    while !shutdown.load(Ordering::Relaxed) {
        let left = end.saturating_duration_since(Instant::now());
        if left.is_zero() {
            break;
        }
        std::thread::sleep(left.min(Duration::from_millis(50)));
    }
}

/// Why a receiver stopped early.
#[derive(Debug, thiserror::Error)]
pub enum ReceiveError {
    #[error("no message from {endpoint} within {} — is {partner} running?{}", common::endpoints::human(*.timeout), prefix_hint(.subscribed))]
    Silence {
        endpoint: String,
        timeout: Duration,
        partner: &'static str,
        subscribed: Option<String>,
    },
    #[error(transparent)]
    Zmq(#[from] zmq::Error),
}

/// The second half of a silent subscriber's error: which prefix it asked for.
fn prefix_hint(subscribed: &Option<String>) -> String {
    match subscribed {
        Some(prefix) if !prefix.is_empty() => format!(
            " (subscribed to the prefix {prefix:?} only: a prefix that matches nothing looks \
             exactly like a silent producer; try without --prefix)"
        ),
        _ => String::new(),
    }
}

/// A receiver: the consumer prints `Get date: <date>`; the puller prints
/// `Get back message <msg>` and then "works" for a while.
#[derive(Debug, Clone)]
pub struct Receiver {
    /// `Get date: ` or `Get back message `.
    pub prefix: &'static str,
    /// Time spent per message (zero for the consumer).
    pub work: Duration,
    /// Stop after this many messages (`None`: forever).
    pub count: Option<u64>,
    /// Give up when nothing arrives for this long.
    pub timeout: Duration,
    /// For the error message: where we listen and who should be talking.
    pub endpoint: String,
    pub partner: &'static str,
    /// The SUB socket's prefix (`Some("")`: everything); `None` for a PULL socket.
    pub subscribed: Option<String>,
}

impl Receiver {
    /// Receives and prints messages from `socket` (a connected SUB or PULL socket) until
    /// `count` messages, a silence of `timeout`, or `shutdown` (Ctrl-C: returns `Ok`).
    /// Any frame is printed (lossily, if it is not UTF-8): a receiver has nothing to reply.
    pub fn run(
        &self,
        socket: &zmq::Socket,
        console: &mut impl Write,
        shutdown: &AtomicBool,
    ) -> Result<u64, ReceiveError> {
        let mut received = 0;
        while self.count.is_none_or(|c| received < c) {
            let Some(frames) = self.next(socket, shutdown)? else {
                break; // stopped
            };
            let text = String::from_utf8_lossy(&frames.concat()).into_owned();
            let _ = writeln!(console, "{}{text}", self.prefix);
            let _ = console.flush();
            received += 1;
            sleep_unless(self.work, shutdown);
        }
        Ok(received)
    }

    /// The next message; `Ok(None)` when `shutdown` was raised first. Waits in slices of
    /// [`SHUTDOWN_CHECK`], so Ctrl-C is seen at once, and gives up after `timeout` of silence.
    fn next(
        &self,
        socket: &zmq::Socket,
        shutdown: &AtomicBool,
    ) -> Result<Option<Vec<Vec<u8>>>, ReceiveError> {
        let deadline = Instant::now() + self.timeout;
        while !shutdown.load(Ordering::Relaxed) {
            let left = deadline.saturating_duration_since(Instant::now());
            if left.is_zero() {
                return Err(ReceiveError::Silence {
                    endpoint: self.endpoint.clone(),
                    timeout: self.timeout,
                    partner: self.partner,
                    subscribed: self.subscribed.clone(),
                });
            }
            let slice = left.min(SHUTDOWN_CHECK);
            if let Some(frames) = common::zmq_util::recv_multipart_timeout(socket, slice)? {
                return Ok(Some(frames));
            }
        }
        Ok(None)
    }
}
