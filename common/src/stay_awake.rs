//! Not a lesson: a speed-up for the servers when one client calls in a loop, the tutorial's own
//! scenario — [`StayAwake`] for the tokio servers (xmlrpc-calc, jsonrpc-search), and
//! [`recv_multipart`] for a ZeroMQ server's blocking loop (zerorpc-framework, demo6).
//!
//! Why: a reply's client usually asks again within microseconds. If the server's thread has gone
//! to sleep in `epoll_wait` by then, the kernel must wake it for the next request — on a virtual
//! machine a cross-CPU wake-up costs tens of microseconds, more than the call itself. So after
//! each reply the serving thread stays awake for a short window ([`WINDOW`], 200 µs): a task
//! that only yields keeps the runtime polling its sockets without blocking, and a request that
//! comes within the window is read at once. Measured here (docs/benchmarks.md, hops): one client
//! of xmlrpc-server, 8 000 → 15 800 calls/s on a 2-vCPU VM.
//!
//! What it costs: while a client calls in a loop, the thread is always busy (one core at 100 %,
//! though the ZeroMQ loop yields that core to any other thread with work on it);
//! a client that calls once a second costs 200 µs of spinning per call; an idle server spins
//! not at all. On the tokio servers the flag `--stay-awake 0` turns it off; the ZeroMQ servers
//! always use [`WINDOW`]. The same idea is Linux's `SO_BUSY_POLL`,
//! and the spinning Go's scheduler does before it parks a thread.

use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

use tokio::sync::Notify;

/// How long the serving thread stays awake after a reply: a client in a loop sends its next
/// request within a few microseconds (Python's clients: 50–100 µs).
pub const WINDOW: Duration = Duration::from_micros(200);

/// One server's "stay awake after a reply" (cheap to clone: all clones share one window).
#[derive(Clone, Debug)]
pub struct StayAwake(Arc<Shared>);

#[derive(Debug)]
struct Shared {
    window: Duration,
    epoch: Instant,
    /// When [`StayAwake::touch`] was last called, in nanoseconds since `epoch`.
    last_touch: AtomicU64,
    wake: Notify,
    started: AtomicBool,
    /// How many times the spinner yielded (what the unit tests watch).
    spins: AtomicU64,
}

impl StayAwake {
    /// A window of `window` after each reply; zero turns the whole thing off.
    pub fn new(window: Duration) -> Self {
        StayAwake(Arc::new(Shared {
            window,
            epoch: Instant::now(),
            last_touch: AtomicU64::new(0),
            wake: Notify::new(),
            started: AtomicBool::new(false),
            spins: AtomicU64::new(0),
        }))
    }

    /// A reply is going out (call it from the serving runtime): stay awake until `window` from
    /// now. The first call starts the spinner task on the current runtime.
    pub fn touch(&self) {
        if self.0.window.is_zero() {
            return;
        }
        self.0.last_touch.store(self.0.now(), Ordering::Relaxed);
        if !self.0.started.swap(true, Ordering::Relaxed) {
            match tokio::runtime::Handle::try_current() {
                Ok(runtime) => drop(runtime.spawn(Arc::clone(&self.0).spin())),
                Err(_) => self.0.started.store(false, Ordering::Relaxed), // not on a runtime
            }
        }
        self.0.wake.notify_one();
    }
}

impl Shared {
    fn now(&self) -> u64 {
        u64::try_from(self.epoch.elapsed().as_nanos()).unwrap_or(u64::MAX)
    }

    fn awake(&self) -> bool {
        let since = self
            .now()
            .saturating_sub(self.last_touch.load(Ordering::Relaxed));
        Duration::from_nanos(since) < self.window
    }

    /// Sleeps until a touch, then yields to the runtime until the window has passed. Each yield
    /// lets the runtime poll its sockets with a zero timeout instead of blocking in the kernel.
    async fn spin(self: Arc<Self>) {
        loop {
            self.wake.notified().await;
            while self.awake() {
                self.spins.fetch_add(1, Ordering::Relaxed);
                tokio::task::yield_now().await;
            }
        }
    }
}

/// The blocking servers' version: the next message on `socket`. One already queued is taken
/// at once; otherwise `before_waiting` runs first (demo6 flushes its console there: under
/// load its lines leave in one write for many calls, and a lone client's line after its
/// reply), then the receive does not sleep until `awake_until` (set it [`WINDOW`] after a
/// reply), then it waits up to `timeout` as [`crate::zmq_util::recv_multipart_timeout`] does.
/// `None`: nothing came in time.
pub fn recv_multipart(
    socket: &zmq::Socket,
    awake_until: Instant,
    timeout: Duration,
    before_waiting: impl FnOnce(),
) -> Result<Option<Vec<Vec<u8>>>, zmq::Error> {
    match socket.recv_multipart(zmq::DONTWAIT) {
        Ok(frames) => return Ok(Some(frames)),
        Err(zmq::Error::EAGAIN) => before_waiting(),
        Err(e) => return Err(e),
    }
    match recv_multipart_until(socket, awake_until)? {
        Some(frames) => Ok(Some(frames)),
        None => crate::zmq_util::recv_multipart_timeout(socket, timeout),
    }
}

/// Receives from `socket` without sleeping until `until`: a non-blocking receive in a loop
/// (each try asks libzmq's mailbox, a `poll` of zero timeout), giving the CPU away between
/// tries (`sched_yield`) to any thread that has work on it: with four clients on two cores,
/// a loop that only spun took the CPU its own clients needed (demo6 made 0.91× the PHP
/// server's calls/s; yielding, 1.13×). `None` when nothing came by then.
pub fn recv_multipart_until(
    socket: &zmq::Socket,
    until: Instant,
) -> Result<Option<Vec<Vec<u8>>>, zmq::Error> {
    loop {
        match socket.recv_multipart(zmq::DONTWAIT) {
            Ok(frames) => return Ok(Some(frames)),
            Err(zmq::Error::EAGAIN) if Instant::now() < until => std::thread::yield_now(),
            Err(zmq::Error::EAGAIN) => return Ok(None),
            Err(e) => return Err(e),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// CPU time of the calling thread, in clock ticks (Linux: fields 14 and 15 of its stat).
    fn thread_cpu_ticks() -> u64 {
        let stat = std::fs::read_to_string("/proc/thread-self/stat").expect("Linux /proc");
        let after_name = &stat[stat.rfind(')').expect("stat has (comm)") + 2..];
        let fields: Vec<&str> = after_name.split(' ').collect();
        // after the name: state is field 3, so utime (14) and stime (15) are at 11 and 12
        let ticks = |i: usize| fields[i].parse::<u64>().expect("a number of ticks");
        ticks(11) + ticks(12)
    }

    fn runtime() -> tokio::runtime::Runtime {
        tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .expect("a runtime")
    }

    #[test]
    fn a_touch_keeps_the_thread_busy_for_the_window_then_it_sleeps() {
        let window = Duration::from_millis(300);
        let awake = StayAwake::new(window);
        runtime().block_on(async {
            awake.touch();
            let (started, before) = (Instant::now(), thread_cpu_ticks());
            tokio::time::sleep(window).await; // the spinner runs meanwhile, on this thread
            let spinning = thread_cpu_ticks() - before;
            let spins = awake.0.spins.load(Ordering::Relaxed);
            assert!(started.elapsed() >= window);
            assert!(
                spins > 1_000,
                "the spinner yielded only {spins} times in {window:?}"
            );
            // 300 ms of spinning is 30 ticks of 10 ms; allow a busy machine to take half of it.
            assert!(spinning >= 10, "{spinning} ticks of CPU while spinning");

            tokio::time::sleep(Duration::from_millis(50)).await; // the window has passed
            let (spins, before) = (awake.0.spins.load(Ordering::Relaxed), thread_cpu_ticks());
            tokio::time::sleep(Duration::from_millis(300)).await;
            assert_eq!(
                awake.0.spins.load(Ordering::Relaxed),
                spins,
                "still spinning"
            );
            let idle = thread_cpu_ticks() - before;
            assert!(idle <= 2, "{idle} ticks of CPU in 300 ms of idling");
        });
    }

    #[test]
    fn a_zero_window_never_spins() {
        let awake = StayAwake::new(Duration::ZERO);
        runtime().block_on(async {
            awake.touch();
            tokio::time::sleep(Duration::from_millis(20)).await;
        });
        assert_eq!(awake.0.spins.load(Ordering::Relaxed), 0);
        assert!(!awake.0.started.load(Ordering::Relaxed));
    }

    #[test]
    fn touch_outside_a_runtime_is_harmless_and_a_later_one_starts_the_spinner() {
        let awake = StayAwake::new(Duration::from_millis(20));
        awake.touch(); // no runtime here: nothing to spin on
        runtime().block_on(async {
            awake.touch();
            tokio::time::sleep(Duration::from_millis(10)).await;
        });
        assert!(awake.0.spins.load(Ordering::Relaxed) > 0);
    }
}
