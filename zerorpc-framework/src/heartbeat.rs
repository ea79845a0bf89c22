//! zerorpc's heartbeats, one concern for both sides. On every open conversation each side
//! sends `_zpc_hb` every interval and takes the other for lost after two silent intervals
//! (zerorpc-python's `HeartBeatOnChannel`). The server keeps one [`Heartbeat`] per
//! conversation (`server/io.rs`), the client one per open call (`client.rs`).

use std::time::{Duration, Instant};

use rmpv::Value;

use crate::events::{self, Event};

/// One conversation's heartbeat: when we last heard the peer, when ours is due.
#[derive(Debug)]
pub(crate) struct Heartbeat {
    interval: Duration,
    last_heard: Instant,
    next_beat: Instant,
    heard: bool,
}

impl Heartbeat {
    /// A conversation opened `now`; our first heartbeat is due one interval later.
    pub(crate) fn new(interval: Duration, now: Instant) -> Heartbeat {
        Heartbeat {
            interval,
            last_heard: now,
            next_beat: now + interval,
            heard: false,
        }
    }

    /// The peer sent something; `true` the first time.
    pub(crate) fn heard(&mut self, now: Instant) -> bool {
        self.last_heard = now;
        !std::mem::replace(&mut self.heard, true)
    }

    /// When ours is next due.
    pub(crate) fn next_beat(&self) -> Instant {
        self.next_beat
    }

    /// Whether ours is due `now` (the next one is then scheduled).
    pub(crate) fn due(&mut self, now: Instant) -> bool {
        if now < self.next_beat {
            return false;
        }
        self.next_beat = now + self.interval;
        true
    }

    /// The silence that made the peer lost, if it is: two intervals once it was heard,
    /// `first_contact` before (a client waits longer for a server's first word).
    pub(crate) fn lost(&self, now: Instant, first_contact: Duration) -> Option<Duration> {
        let tolerance = if self.heard {
            self.interval * 2
        } else {
            first_contact
        };
        (now > self.last_heard + tolerance).then_some(tolerance)
    }
}

/// Our heartbeat on the conversation `id`: `_zpc_hb [0]` (the 0 keeps protocol v2 peers
/// happy, as zerorpc-python sends it).
pub(crate) fn event(id: Value) -> Event {
    Event::new(events::HEARTBEAT, Value::Array(vec![0.into()]), Some(id))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_peer_is_lost_after_two_silent_intervals_once_heard() {
        let t0 = Instant::now();
        let second = Duration::from_secs(1);
        let mut hb = Heartbeat::new(second, t0);
        assert!(!hb.due(t0));
        assert!(hb.due(t0 + second));
        assert!(!hb.due(t0 + second));
        assert_eq!(hb.lost(t0 + second * 3, second * 10), None, "not heard yet");
        assert!(hb.heard(t0));
        assert!(!hb.heard(t0));
        assert_eq!(hb.lost(t0 + second * 3, second * 10), Some(second * 2));
    }
}
