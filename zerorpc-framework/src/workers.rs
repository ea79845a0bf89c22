//! The server's worker threads: a pool that grows on demand. Every call gets a thread at once
//! — an idle one if there is one, else a new one — so a slow call never waits behind another;
//! a thread idle for [`IDLE_EXIT`] ends. Reusing threads saves starting one per call (tens of
//! microseconds, a good part of a fast call's cost). And a method that has always been quick
//! skips the pool: [`Quick`].

use std::sync::atomic::{AtomicU32, AtomicUsize, Ordering};
use std::sync::{mpsc, Arc, Mutex};
use std::time::Duration;

/// A call within this time is quick ([`Quick`]).
pub const QUICK: Duration = Duration::from_millis(10);
/// How many quick calls in a row a method needs before its calls run on the I/O thread.
const QUICK_CALLS: u32 = 8;
/// A method with this many slow calls (strikes) goes to the workers for good.
const STRIKES: u32 = 3;
/// This many quick calls in a row forgive a strike.
const FORGIVE: u32 = 10_000;

/// The second optimisation: a method's calls skip the pool altogether once it has shown it is
/// quick. A call handed to a worker crosses two thread hand-offs (I/O thread → worker → I/O
/// thread), and for a quick method those wake-ups are most of the call's cost — more than
/// the code. So a method whose last [`QUICK_CALLS`] calls each answered within [`QUICK`] is
/// run by the I/O thread itself.
///
/// A slow call is a strike: the method's calls go back to the workers until it has been quick
/// [`QUICK_CALLS`] times in a row again, and after [`STRIKES`] strikes they stay there for
/// good. Why not at the first? A quick method can be slow once because of its thread, not its
/// code: preempted for 10 ms, or its virtual CPU taken away by the host. On a busy 2-core VM
/// that happens every few thousand calls, and each time `add` went to the workers for good.
/// A method that really blocks (`sleep`) is slow on the workers from its first calls and never
/// runs on the I/O thread; one that is slow now and then holds the I/O thread at most
/// [`STRIKES`] times (heartbeats wait meanwhile, and a client is lost only after two
/// intervals of 5 s), plus once per [`FORGIVE`] quick calls.
#[derive(Debug, Default)]
pub struct Quick {
    in_a_row: AtomicU32,
    strikes: AtomicU32,
}

impl Quick {
    /// Whether the next call may run on the I/O thread.
    pub fn inline(&self) -> bool {
        self.strikes.load(Ordering::Relaxed) < STRIKES
            && self.in_a_row.load(Ordering::Relaxed) >= QUICK_CALLS
    }

    /// A call took `took`.
    pub fn timed(&self, took: Duration) {
        if took > QUICK {
            self.in_a_row.store(0, Ordering::Relaxed);
            self.strikes.fetch_add(1, Ordering::Relaxed);
        } else {
            let in_a_row = self.in_a_row.fetch_add(1, Ordering::Relaxed) + 1;
            if in_a_row.is_multiple_of(FORGIVE) {
                let strikes = self.strikes.load(Ordering::Relaxed);
                if (1..STRIKES).contains(&strikes) {
                    self.strikes.store(strikes - 1, Ordering::Relaxed);
                }
            }
        }
    }
}

/// How long an idle worker waits for another call before it ends.
pub const IDLE_EXIT: Duration = Duration::from_secs(30);

type Job = Box<dyn FnOnce() + Send>;

/// See the module documentation.
pub struct Workers {
    jobs: mpsc::Sender<Job>,
    queue: Arc<Mutex<mpsc::Receiver<Job>>>,
    /// Workers waiting for a job and not promised to one yet.
    idle: Arc<AtomicUsize>,
    alive: Arc<AtomicUsize>,
}

impl Default for Workers {
    fn default() -> Workers {
        Workers::new()
    }
}

impl Workers {
    pub fn new() -> Workers {
        let (jobs, queue) = mpsc::channel();
        Workers {
            jobs,
            queue: Arc::new(Mutex::new(queue)),
            idle: Arc::new(AtomicUsize::new(0)),
            alive: Arc::new(AtomicUsize::new(0)),
        }
    }

    /// How many workers are running a job (or about to).
    pub fn busy(&self) -> usize {
        self.alive
            .load(Ordering::SeqCst)
            .saturating_sub(self.idle.load(Ordering::SeqCst))
    }

    /// Runs `job` on a worker at once: an idle worker is promised to it (the count goes down
    /// here, not when the worker wakes, so two jobs never count on the same worker), else a
    /// new worker starts.
    pub fn run(&self, job: impl FnOnce() + Send + 'static) -> std::io::Result<()> {
        let promised = take_one(&self.idle);
        if !promised {
            self.spawn()?;
        }
        self.jobs
            .send(Box::new(job))
            .map_err(|_| std::io::Error::other("the worker queue is closed"))
    }

    fn spawn(&self) -> std::io::Result<()> {
        let (queue, idle, alive) = (
            Arc::clone(&self.queue),
            Arc::clone(&self.idle),
            Arc::clone(&self.alive),
        );
        alive.fetch_add(1, Ordering::SeqCst);
        let worker = move || loop {
            let job = queue
                .lock()
                .unwrap_or_else(|p| p.into_inner())
                .recv_timeout(IDLE_EXIT);
            match job {
                Ok(job) => {
                    if std::panic::catch_unwind(std::panic::AssertUnwindSafe(job)).is_err() {
                        tracing::error!("a call panicked outside its method");
                    }
                    idle.fetch_add(1, Ordering::SeqCst);
                }
                // Idle too long: end, unless a job was just promised to an idle worker.
                Err(mpsc::RecvTimeoutError::Timeout) if !take_one(&idle) => {}
                Err(_) => {
                    alive.fetch_sub(1, Ordering::SeqCst);
                    return;
                }
            }
        };
        let started = std::thread::Builder::new()
            .name("zerorpc-call".into())
            .spawn(worker);
        if started.is_err() {
            self.alive.fetch_sub(1, Ordering::SeqCst);
        }
        started.map(drop)
    }
}

/// Takes one from `count` if it is not zero.
fn take_one(count: &AtomicUsize) -> bool {
    count
        .fetch_update(Ordering::SeqCst, Ordering::SeqCst, |n| n.checked_sub(1))
        .is_ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Quick after [`QUICK_CALLS`] quick calls; a slow one is a strike, forgiven after
    /// [`FORGIVE`] quick calls; [`STRIKES`] strikes, and never again.
    #[test]
    fn a_method_runs_inline_once_quick_and_leaves_after_three_strikes() {
        let (fast, slow) = (Duration::from_micros(20), QUICK * 2);
        let quick = Quick::default();
        for _ in 0..QUICK_CALLS - 1 {
            quick.timed(fast);
        }
        assert!(!quick.inline());
        quick.timed(fast);
        assert!(quick.inline());
        // A preempted call: back to the workers until quick again.
        quick.timed(slow);
        assert!(!quick.inline());
        (0..QUICK_CALLS).for_each(|_| quick.timed(fast));
        assert!(quick.inline());
        // Forgiven after FORGIVE quick calls: two more strikes are not the third.
        (0..FORGIVE).for_each(|_| quick.timed(fast));
        quick.timed(slow);
        quick.timed(slow);
        (0..QUICK_CALLS).for_each(|_| quick.timed(fast));
        assert!(quick.inline(), "the first strike was forgiven");
        quick.timed(slow);
        (0..FORGIVE / 2).for_each(|_| quick.timed(fast));
        assert!(!quick.inline(), "three strikes: the workers for good");

        // A method that blocks is slow from its first calls: never inline.
        let sleeps = Quick::default();
        (0..STRIKES).for_each(|_| sleeps.timed(slow));
        (0..QUICK_CALLS * 2).for_each(|_| sleeps.timed(fast));
        assert!(!sleeps.inline());
    }

    /// Two slow jobs and a fast one: the fast one does not wait for the slow ones, and the
    /// threads are reused afterwards.
    #[test]
    fn every_job_gets_a_worker_at_once_and_workers_are_reused() {
        let workers = Workers::new();
        let (done, finished) = mpsc::channel();
        let (release, gate) = mpsc::channel::<()>();
        let gate = Arc::new(Mutex::new(gate));
        for _ in 0..2 {
            let (gate, done) = (Arc::clone(&gate), done.clone());
            workers
                .run(move || {
                    let gate = gate.lock().expect("no job panics while holding the gate");
                    let _ = gate.recv_timeout(Duration::from_secs(10));
                    done.send("slow").expect("the test still listens");
                })
                .expect("the pool takes a job");
        }
        let fast = done.clone();
        workers
            .run(move || fast.send("fast").expect("the test still listens"))
            .expect("the pool takes a job");
        assert_eq!(finished.recv_timeout(Duration::from_secs(5)), Ok("fast"));
        release.send(()).expect("a slow job waits on the gate");
        release.send(()).expect("a slow job waits on the gate");
        for _ in 0..2 {
            assert_eq!(finished.recv_timeout(Duration::from_secs(5)), Ok("slow"));
        }
        let deadline = std::time::Instant::now() + Duration::from_secs(5);
        while workers.busy() > 0 && std::time::Instant::now() < deadline {
            std::thread::yield_now();
        }
        assert_eq!(workers.busy(), 0);
        let before = workers.alive.load(Ordering::SeqCst);
        let again = done.clone();
        workers
            .run(move || again.send("again").expect("the test still listens"))
            .expect("the pool takes a job");
        assert_eq!(finished.recv_timeout(Duration::from_secs(5)), Ok("again"));
        assert_eq!(
            workers.alive.load(Ordering::SeqCst),
            before,
            "a thread was reused"
        );
    }
}
