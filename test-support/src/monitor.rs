//! A ZeroMQ socket's events, to wait for a connection instead of sleeping.

use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{Duration, Instant};

/// A ZeroMQ socket's events (its socket monitor), so a test can wait until connections are up
/// instead of sleeping: `Monitor::new(&context, &pusher).wait_for(HANDSHAKE_SUCCEEDED, 2, WAIT)`.
/// Attach it before the connections are made: events before it exists are not seen.
pub struct Monitor {
    events: zmq::Socket,
    seen: Vec<zmq::SocketEvent>,
}

impl std::fmt::Debug for Monitor {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Monitor").field("seen", &self.seen).finish()
    }
}

impl Monitor {
    /// Starts monitoring `socket` (created in `context`) for every event.
    pub fn new(context: &zmq::Context, socket: &zmq::Socket) -> Monitor {
        static NEXT: AtomicUsize = AtomicUsize::new(0);
        let endpoint = format!(
            "inproc://test-monitor-{}",
            NEXT.fetch_add(1, Ordering::SeqCst)
        );
        socket
            .monitor(&endpoint, zmq::SocketEvent::ALL as i32)
            .expect("zmq_socket_monitor on a fresh inproc endpoint");
        let events = context.socket(zmq::PAIR).expect("a PAIR socket");
        events
            .connect(&endpoint)
            .expect("connect to the monitor's inproc endpoint");
        Monitor {
            events,
            seen: Vec::new(),
        }
    }

    /// Waits up to `timeout` until `event` has happened `count` times in all.
    pub fn wait_for(
        &mut self,
        event: zmq::SocketEvent,
        count: usize,
        timeout: Duration,
    ) -> Result<(), String> {
        let deadline = Instant::now() + timeout;
        while self.seen.iter().filter(|e| **e == event).count() < count {
            let left = deadline.saturating_duration_since(Instant::now());
            let frames = common::zmq_util::recv_multipart_timeout(&self.events, left)
                .map_err(|e| format!("socket monitor: {e}"))?
                .filter(|_| !left.is_zero())
                .ok_or_else(|| {
                    format!(
                        "{event:?} not seen {count} times within {timeout:?}; events: {:?}",
                        self.seen
                    )
                })?;
            // First frame: the event number (u16, little-endian) and a u32 value.
            if let Some(id) = frames.first().and_then(|f| f.get(..2)) {
                self.seen
                    .push(zmq::SocketEvent::from_raw(u16::from_le_bytes([
                        id[0], id[1],
                    ])));
            }
        }
        Ok(())
    }
}
