//! *How does the client use the live list?* — `demo4-client --discover` / `--subscribe`.
//!
//! The servers come from a [`Change`] channel (an etcd watch, or demo4-watch's PUB events) and
//! are applied **between requests**: a server that joined gets the next request, one that left
//! is dropped before it, each with a line on the notices writer (`demo4-client`: stderr):
//! `joined alice tcp://…`, `left alice`. Replies go to the output writer (stdout), so the
//! tour and the tests can call the same loop with writers of their own.
//! The Lazy Pirate stays the safety net for a server that is listed but hung — and while it
//! waits for a reply it asks whether that server is still listed, so a server `kill -9`ed
//! costs the wait until its lease runs out, not the Lazy Pirate's timeouts and retries.

use std::io::Write;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::mpsc::{self, RecvTimeoutError};
use std::time::{Duration, Instant};

use super::{Applied, Change, Servers};
use crate::{frames_repr, ClientError, LazyPirate, Reply};

/// How many requests, how often, and the Lazy Pirate's settings.
#[derive(Debug, Clone)]
pub struct Pace {
    /// 0: until stopped.
    pub requests: usize,
    pub interval: Duration,
    pub timeout: Duration,
    pub retries: u32,
}

/// The client with a live list of servers: `servers` now, `changes` as they happen, until
/// `pace.requests` replies or `stop`. Each reply goes to `out` as Python prints it
/// (`[b'alice']`); joins, leaves and the Lazy Pirate's notices go to `notices`; while the list
/// is empty, `empty` is said once (what the client waits for, and from whom).
#[allow(clippy::too_many_arguments)] // the lesson's knobs, each named at the call
pub fn follow(
    context: &zmq::Context,
    request: &[&[u8]],
    pace: &Pace,
    servers: Servers,
    changes: &mpsc::Receiver<Change>,
    stop: &AtomicBool,
    empty: &str,
    out: &mut impl Write,
    notices: &mut impl Write,
) -> Result<(), ClientError> {
    let mut list = Follower::new(context, servers, pace.timeout, pace.retries, notices)?;
    let mut sent = 0;
    let mut said_empty = false;
    while !stop.load(Ordering::Relaxed) && (pace.requests == 0 || sent < pace.requests) {
        while let Ok(change) = changes.try_recv() {
            list.apply(change, notices)?;
        }
        if list.names.is_empty() {
            if !said_empty {
                let _ = writeln!(notices, "{empty}");
                said_empty = true;
            }
            list.wait(changes, pace.interval, stop, notices)?;
            continue;
        }
        said_empty = false;
        tracing::debug!(request = sent + 1, "sending request");
        match list.request(request, changes, notices) {
            Ok(reply) => {
                tracing::debug!(endpoint = %reply.endpoint, "reply");
                let _ = writeln!(out, "{}", frames_repr(&reply.frames));
            }
            Err(ClientError::AllUnreachable { .. }) => {
                let _ = writeln!(
                    notices,
                    "E: every listed server is unreachable; waiting for the list to change"
                );
            }
            // Ctrl-C interrupted the wait for a reply: the loop condition ends it.
            Err(ClientError::Zmq(zmq::Error::EINTR)) if stop.load(Ordering::Relaxed) => break,
            Err(e) => return Err(e),
        }
        sent += 1;
        list.wait(changes, pace.interval, stop, notices)?;
    }
    Ok(())
}

/// Whether `endpoint` is still a server once the `pending` changes are applied to `names`.
fn listed_after(names: &Servers, pending: &[Change], endpoint: &str) -> bool {
    let mut now = names.clone();
    for change in pending {
        change.apply(&mut now);
    }
    now.values().any(|e| e == endpoint)
}

/// The servers in use: the Lazy Pirate's sockets, and which name has which endpoint. One
/// request at a time ([`Follower::request`]) for a caller with its own loop (the tour);
/// [`follow`] is the loop of `demo4-client --discover`.
pub struct Follower {
    pirate: LazyPirate,
    names: Servers,
}

impl Follower {
    /// A Lazy Pirate for `servers` (each said as `joined …` on `notices`).
    pub fn new(
        context: &zmq::Context,
        servers: Servers,
        timeout: Duration,
        retries: u32,
        notices: &mut impl Write,
    ) -> Result<Follower, ClientError> {
        let mut list = Follower {
            pirate: LazyPirate::connect(context, &[], timeout, retries)?,
            names: Servers::new(),
        };
        for (name, endpoint) in servers {
            list.apply(Change::Up { name, endpoint }, notices)?;
        }
        Ok(list)
    }

    /// The servers listed now.
    pub fn servers(&self) -> &Servers {
        &self.names
    }

    /// Applies one change and says so: `joined alice tcp://…` / `left alice`.
    pub fn apply(&mut self, change: Change, notices: &mut impl Write) -> Result<(), zmq::Error> {
        let applied = change.apply(&mut self.names);
        match (change, applied) {
            // Already listed at that endpoint: nothing to connect.
            (Change::Up { .. }, Applied::Unchanged) => {}
            (Change::Up { name, endpoint }, applied) => {
                if let Applied::Moved { from } = applied {
                    self.pirate.remove(&from); // the old endpoint is not this server any more
                }
                self.pirate.add(&endpoint)?;
                let _ = writeln!(notices, "joined {name} {endpoint}");
            }
            (Change::Down { name }, Applied::Removed { endpoint }) => {
                self.pirate.remove(&endpoint);
                let _ = writeln!(notices, "left {name}");
            }
            (Change::Down { .. }, _) => {}
        }
        Ok(())
    }

    /// One request: applies the changes that came, sends to the next listed server and waits
    /// for its reply. While it waits it asks whether that server is still listed: one whose
    /// lease ran out (a kill -9) is left at once for the next server, not after the Lazy
    /// Pirate's timeouts and retries. The changes that came meanwhile are applied after.
    pub fn request(
        &mut self,
        request: &[&[u8]],
        changes: &mpsc::Receiver<Change>,
        notices: &mut impl Write,
    ) -> Result<Reply, ClientError> {
        while let Ok(change) = changes.try_recv() {
            self.apply(change, notices)?;
        }
        let mut pending = Vec::new();
        let Follower { pirate, names } = self;
        let outcome = pirate.request_while(request, notices, |endpoint| {
            pending.extend(changes.try_iter());
            listed_after(names, &pending, endpoint)
        });
        for change in pending {
            self.apply(change, notices)?;
        }
        outcome
    }

    /// Waits `pause` (or until Ctrl-C), applying changes as they come so they show at once.
    fn wait(
        &mut self,
        changes: &mpsc::Receiver<Change>,
        pause: Duration,
        stop: &AtomicBool,
        notices: &mut impl Write,
    ) -> Result<(), zmq::Error> {
        let deadline = Instant::now() + pause;
        while !stop.load(Ordering::Relaxed) {
            let left = deadline.saturating_duration_since(Instant::now());
            if left.is_zero() {
                break;
            }
            match changes.recv_timeout(left.min(Duration::from_millis(100))) {
                Ok(change) => self.apply(change, notices)?,
                Err(RecvTimeoutError::Timeout) => {}
                // The follower stopped (it logged why): go on with the list we have.
                Err(RecvTimeoutError::Disconnected) => {
                    std::thread::sleep(left.min(Duration::from_millis(100)))
                }
            }
        }
        Ok(())
    }
}
