//! *How does the client use the live list?* — `demo4-client --discover` / `--subscribe`.
//!
//! The servers come from a [`Change`] channel (an etcd watch, or demo4-watch's PUB events) and
//! are applied **between requests**: a server that joined gets the next request, one that left
//! is dropped before it, each with a line on stderr (`joined alice tcp://…`, `left alice`).
//! The Lazy Pirate stays the safety net for a server that is listed but hung — and while it
//! waits for a reply it asks whether that server is still listed, so a server `kill -9`ed
//! costs the wait until its lease runs out, not the Lazy Pirate's timeouts and retries.

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::mpsc::{self, RecvTimeoutError};
use std::time::{Duration, Instant};

use super::watch::Servers;
use super::Change;
use crate::{frames_repr, ClientError, LazyPirate};

/// How many requests, how often, and the Lazy Pirate's settings.
#[derive(Debug, Clone)]
pub struct Pace {
    /// 0: until stopped.
    pub requests: usize,
    pub interval: Duration,
    pub timeout: Duration,
    pub retries: u32,
}

/// The client with a live list of servers: `servers` now, `changes` as they happen. Changes are
/// applied between requests: a server that joined gets the next request, one that left is
/// dropped before it (the Lazy Pirate stays the net for a server that is listed but hung).
pub fn follow(
    context: &zmq::Context,
    request: &[&[u8]],
    pace: &Pace,
    servers: Servers,
    changes: &mpsc::Receiver<Change>,
    stop: &AtomicBool,
) -> Result<(), ClientError> {
    let mut list = Live {
        pirate: LazyPirate::connect(context, &[], pace.timeout, pace.retries)?,
        names: Servers::new(),
    };
    for (name, endpoint) in servers {
        list.apply(Change::Up { name, endpoint })?;
    }
    let mut sent = 0;
    let mut said_empty = false;
    while !stop.load(Ordering::Relaxed) && (pace.requests == 0 || sent < pace.requests) {
        while let Ok(change) = changes.try_recv() {
            list.apply(change)?;
        }
        if list.names.is_empty() {
            if !said_empty {
                eprintln!(
                    "waiting for a server to register (none under {})",
                    super::PREFIX
                );
                said_empty = true;
            }
            list.wait(changes, pace.interval, stop)?;
            continue;
        }
        said_empty = false;
        // While it waits for a reply, the Lazy Pirate asks whether that server is still
        // listed: one whose lease ran out (a kill -9) is left at once for the next server.
        tracing::debug!(request = sent + 1, "sending request");
        let mut pending = Vec::new();
        let Live { pirate, names } = &mut list;
        let outcome = pirate.request_while(request, &mut std::io::stderr(), |endpoint| {
            pending.extend(changes.try_iter());
            listed_after(names, &pending, endpoint)
        });
        for change in pending {
            list.apply(change)?;
        }
        match outcome {
            Ok(reply) => {
                tracing::debug!(endpoint = %reply.endpoint, "reply");
                println!("{}", frames_repr(&reply.frames));
            }
            Err(ClientError::AllUnreachable { .. }) => {
                eprintln!("E: every listed server is unreachable; waiting for the list to change");
            }
            // Ctrl-C interrupted the wait for a reply: the loop condition ends it.
            Err(ClientError::Zmq(zmq::Error::EINTR)) if stop.load(Ordering::Relaxed) => break,
            Err(e) => return Err(e),
        }
        sent += 1;
        list.wait(changes, pace.interval, stop)?;
    }
    Ok(())
}

/// Whether `endpoint` is still a server once the `pending` changes are applied to `names`.
fn listed_after(names: &Servers, pending: &[Change], endpoint: &str) -> bool {
    let mut now = names.clone();
    for change in pending {
        match change {
            Change::Up { name, endpoint } => now.insert(name.clone(), endpoint.clone()),
            Change::Down { name } => now.remove(name),
        };
    }
    now.values().any(|e| e == endpoint)
}

/// The servers in use: the Lazy Pirate's sockets, and which name has which endpoint.
struct Live {
    pirate: LazyPirate,
    names: Servers,
}

impl Live {
    /// Applies one change and says so on stderr: `joined alice tcp://…` / `left alice`.
    fn apply(&mut self, change: Change) -> Result<(), zmq::Error> {
        match change {
            Change::Up { name, endpoint } => {
                if let Some(old) = self.names.insert(name.clone(), endpoint.clone()) {
                    self.pirate.remove(&old); // moved: the old endpoint is not this server any more
                }
                self.pirate.add(&endpoint)?;
                eprintln!("joined {name} {endpoint}");
            }
            Change::Down { name } => {
                if let Some(endpoint) = self.names.remove(&name) {
                    self.pirate.remove(&endpoint);
                    eprintln!("left {name}");
                }
            }
        }
        Ok(())
    }

    /// Waits `pause` (or until Ctrl-C), applying changes as they come so they show at once.
    fn wait(
        &mut self,
        changes: &mpsc::Receiver<Change>,
        pause: Duration,
        stop: &AtomicBool,
    ) -> Result<(), zmq::Error> {
        let deadline = Instant::now() + pause;
        while !stop.load(Ordering::Relaxed) {
            let left = deadline.saturating_duration_since(Instant::now());
            if left.is_zero() {
                break;
            }
            match changes.recv_timeout(left.min(Duration::from_millis(100))) {
                Ok(change) => self.apply(change)?,
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
