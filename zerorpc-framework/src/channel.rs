//! One call's stream credit, both ends (zerorpc-python's `BufferedChannel`): the sender may
//! send one event, then as many as the receiver grants with `_zpc_more [n]`, which *adds* n.
//! [`Credit`] is the sender's count (a server streaming, `server/worker.rs`, topped up by its
//! I/O thread); [`Window`] the receiver's (our client reading a stream, `client.rs`). Routing
//! by `response_to` is the other half of a channel: `events::id_key` and each side's I/O loop.

use std::sync::{Condvar, Mutex};
use std::time::Duration;

/// How long a sender waiting for credit sleeps before it looks again.
const CREDIT_CHECK: Duration = Duration::from_millis(100);

/// The sender's side: events it may still send, and whether the conversation is over.
#[derive(Debug)]
pub(crate) struct Credit {
    state: Mutex<State>,
    changed: Condvar,
}

#[derive(Debug)]
struct State {
    credit: i64,
    closed: bool,
    /// Senders waiting in `spend`: only then is there anyone to wake (a wake-up is a system
    /// call, and most calls answer once and never wait).
    waiting: u32,
}

impl Credit {
    /// One event at first, as zerorpc's.
    pub(crate) fn new() -> Credit {
        Credit {
            state: Mutex::new(State {
                credit: 1,
                closed: false,
                waiting: 0,
            }),
            changed: Condvar::new(),
        }
    }

    /// Waits until one event may be sent and takes it; `false` once the conversation closed.
    pub(crate) fn spend(&self) -> bool {
        let mut state = self.state.lock().unwrap_or_else(|p| p.into_inner());
        while state.credit <= 0 && !state.closed {
            state.waiting += 1;
            state = self
                .changed
                .wait_timeout(state, CREDIT_CHECK)
                .unwrap_or_else(|p| p.into_inner())
                .0;
            state.waiting -= 1;
        }
        if state.closed {
            return false;
        }
        state.credit -= 1;
        true
    }

    /// `_zpc_more [n]` arrived.
    pub(crate) fn grant(&self, n: i64) {
        let mut state = self.state.lock().unwrap_or_else(|p| p.into_inner());
        state.credit = state.credit.saturating_add(n);
        self.wake(&state);
    }

    /// The client is lost or the server stops: a waiting sender gives up.
    pub(crate) fn close(&self) {
        let mut state = self.state.lock().unwrap_or_else(|p| p.into_inner());
        state.closed = true;
        self.wake(&state);
    }

    fn wake(&self, state: &State) {
        if state.waiting > 0 {
            self.changed.notify_all();
        }
    }
}

/// The receiver's side: events the sender may still send before it needs more credit
/// (zerorpc-python's `_input_queue_reserved`, over a buffer of [`crate::STREAM_BUFFER`]).
#[derive(Debug, Default)]
pub(crate) struct Window {
    reserved: usize,
}

impl Window {
    /// Before reading the next event: `Some(n)` to send `_zpc_more [n]`, topping the buffer
    /// up to full once it is below half.
    pub(crate) fn grant(&mut self) -> Option<usize> {
        if self.reserved >= crate::STREAM_BUFFER / 2 {
            return None;
        }
        let more = crate::STREAM_BUFFER - self.reserved;
        self.reserved = crate::STREAM_BUFFER;
        Some(more)
    }

    /// An event arrived.
    pub(crate) fn received(&mut self) {
        self.reserved = self.reserved.saturating_sub(1);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn credit_is_one_then_what_is_granted() {
        let credit = Credit::new();
        assert!(credit.spend());
        credit.grant(2);
        assert!(credit.spend() && credit.spend());
        credit.close();
        assert!(!credit.spend());
        // A sender waiting for credit is woken by a grant, at once (not at its next check).
        let credit = std::sync::Arc::new(Credit::new());
        assert!(credit.spend());
        let (woken, wake) = std::sync::mpsc::channel();
        let waiting = std::sync::Arc::clone(&credit);
        std::thread::spawn(move || {
            let spent = waiting.spend();
            let _ = woken.send((spent, std::time::Instant::now()));
        });
        let deadline = std::time::Instant::now() + std::time::Duration::from_secs(5);
        let is_waiting = || credit.state.lock().map(|s| s.waiting > 0).unwrap_or(false);
        while !is_waiting() {
            assert!(
                std::time::Instant::now() < deadline,
                "the sender never waited"
            );
            std::thread::yield_now();
        }
        let granted = std::time::Instant::now();
        credit.grant(1);
        let (spent, at) = wake
            .recv_timeout(std::time::Duration::from_secs(5))
            .expect("the waiting sender returns within 5 s");
        let took = at.duration_since(granted);
        assert!(
            spent && took < CREDIT_CHECK,
            "woken {took:?} after the grant"
        );
        let mut window = Window::default();
        assert_eq!(window.grant(), Some(crate::STREAM_BUFFER));
        assert_eq!(window.grant(), None);
        for _ in 0..crate::STREAM_BUFFER / 2 + 1 {
            window.received();
        }
        assert_eq!(window.grant(), Some(crate::STREAM_BUFFER / 2 + 1));
    }
}
