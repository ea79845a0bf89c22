//! A server running on a thread of its own, with a bounded stop: the one helper the tests, the
//! tour, the bench and the sections' `background` modules use instead of their own wrappers.

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{mpsc, Arc};
use std::thread;
use std::time::Duration;

/// How long [`ServerThread::stop`] waits for a server thread once its stop flag is raised.
pub const STOP_WITHIN: Duration = Duration::from_secs(5);

/// A server running on a thread of its own, for the tests, the tour and the bench: the one
/// helper every crate uses instead of its own wrapper. The body gets the stop flag (the same
/// `Arc<AtomicBool>` a binary gets from `common::shutdown::on_ctrl_c`); [`ServerThread::stop`]
/// raises it, runs the optional `on_stop` hook (an async server's oneshot, say) and waits
/// **at most** [`STOP_WITHIN`] for the body to return. A server that does not stop is a
/// failure with a message, never a hung test.
pub struct ServerThread<T> {
    name: String,
    stop: Arc<AtomicBool>,
    on_stop: Option<Box<dyn FnOnce() + Send>>,
    done: mpsc::Receiver<thread::Result<T>>,
}

impl<T> std::fmt::Debug for ServerThread<T> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ServerThread")
            .field("name", &self.name)
            .finish()
    }
}

impl<T: Send + 'static> ServerThread<T> {
    /// Runs `body(stop_flag)` on a new thread named `name`.
    pub fn spawn(
        name: impl Into<String>,
        body: impl FnOnce(Arc<AtomicBool>) -> T + Send + 'static,
    ) -> ServerThread<T> {
        let name = name.into();
        let stop = Arc::new(AtomicBool::new(false));
        let flag = Arc::clone(&stop);
        let (tx, done) = mpsc::channel();
        thread::Builder::new()
            .name(name.clone())
            .spawn(move || {
                let result = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| body(flag)));
                let _ = tx.send(result);
            })
            .unwrap_or_else(|e| panic!("cannot start the thread {name}: {e}"));
        ServerThread {
            name,
            stop,
            on_stop: None,
            done,
        }
    }

    /// Also runs `hook` when stopping (after raising the flag): for servers that wait on
    /// something else than the flag, e.g. `move || { let _ = tx.send(()); }`.
    pub fn on_stop(mut self, hook: impl FnOnce() + Send + 'static) -> ServerThread<T> {
        self.on_stop = Some(Box::new(hook));
        self
    }

    /// The stop flag the body was given (to share with another part of a test).
    pub fn flag(&self) -> Arc<AtomicBool> {
        Arc::clone(&self.stop)
    }

    /// Stops the server and returns what its body returned; panics (with the server's name)
    /// when it does not finish within [`STOP_WITHIN`], and re-raises a panic of the body.
    pub fn stop(self) -> T {
        let name = self.name.clone();
        match self.stop_within(STOP_WITHIN) {
            Ok(value) => value,
            Err(StopError::Panicked(panic)) => std::panic::resume_unwind(panic),
            Err(StopError::Hung(within)) => {
                panic!("server thread {name} did not stop within {within:?} of its stop flag")
            }
        }
    }

    /// [`ServerThread::stop`] with another bound, and the failure as a value.
    pub fn stop_within(mut self, within: Duration) -> Result<T, StopError> {
        self.raise();
        match self.done.recv_timeout(within) {
            Ok(Ok(value)) => Ok(value),
            Ok(Err(panic)) => Err(StopError::Panicked(panic)),
            Err(_) => Err(StopError::Hung(within)),
        }
    }

    fn raise(&mut self) {
        self.stop.store(true, Ordering::SeqCst);
        if let Some(hook) = self.on_stop.take() {
            hook();
        }
    }
}

impl<T> Drop for ServerThread<T> {
    /// Dropping without `stop()` (a test that failed half-way) still raises the flag, so the
    /// thread ends soon; it is not waited for.
    fn drop(&mut self) {
        self.stop.store(true, Ordering::SeqCst);
        if let Some(hook) = self.on_stop.take() {
            hook();
        }
    }
}

/// Why [`ServerThread::stop_within`] failed.
#[derive(Debug)]
pub enum StopError {
    /// The body panicked (the payload).
    Panicked(Box<dyn std::any::Any + Send>),
    /// The body had not returned when the bound ran out.
    Hung(Duration),
}
