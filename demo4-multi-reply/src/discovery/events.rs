//! *How do changes reach programs that do not speak etcd?* — section 3's PUB/SUB, again.
//!
//! `demo4-watch` follows the registry and **publishes** every change as one text frame,
//! `up <name> <endpoint>` or `down <name>`; any SUB socket, in any language, can follow them
//! (`demo4-client --subscribe`, `peers/subscriber.php`).
//!
//! Section 3's slow joiner is the catch: a subscriber hears nothing published before its
//! connection was up, so a client started after alice registered would never hear of alice.
//! The zguide's Clone pattern answers with a snapshot; we pick its simplest form: the whole
//! list is **re-published** (one `up` frame per server) right after every change and then
//! every [`REPUBLISH`], so a late subscriber has the full list within a second, with no second
//! socket and no request to make. What is simplified: a subscriber that missed a `down` (it
//! was not connected yet) keeps that server until the Lazy Pirate gives up on it.

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{mpsc, Arc};
use std::time::Duration;

use super::{Applied, Change, Servers};

/// How often `demo4-watch` re-publishes the whole list for late subscribers.
pub const REPUBLISH: Duration = Duration::from_secs(1);
/// How often the subscriber thread checks whether anyone still listens.
const CHECK: Duration = Duration::from_millis(100);

/// The PUB side, in `demo4-watch`.
pub struct Publisher {
    socket: zmq::Socket,
}

impl Publisher {
    /// Binds a PUB socket at `endpoint`.
    pub fn bind(context: &zmq::Context, endpoint: &str) -> Result<Publisher, zmq::Error> {
        let socket = context.socket(zmq::PUB)?;
        socket.set_linger(0)?;
        socket.bind(endpoint)?;
        Ok(Publisher { socket })
    }

    /// The endpoint it is bound to (the real port when bound to `:*`).
    pub fn endpoint(&self) -> Result<String, zmq::Error> {
        common::zmq_util::last_endpoint(&self.socket)
    }

    /// Publishes one change.
    pub fn change(&self, change: &Change) -> Result<(), zmq::Error> {
        self.socket.send(change.line().as_bytes(), 0)
    }

    /// Publishes the whole list, one `up` frame per server.
    pub fn snapshot(&self, servers: &Servers) -> Result<(), zmq::Error> {
        for (name, endpoint) in servers {
            self.change(&Change::Up {
                name: name.clone(),
                endpoint: endpoint.clone(),
            })?;
        }
        Ok(())
    }
}

/// The SUB side, in `demo4-client --subscribe`: a thread that turns frames into [`Change`]s
/// (only real changes: the re-published list repeats what is known). Dropping it stops it.
pub struct Subscription {
    pub changes: mpsc::Receiver<Change>,
    stop: Arc<AtomicBool>,
}

impl Drop for Subscription {
    fn drop(&mut self) {
        self.stop.store(true, Ordering::Relaxed);
    }
}

/// Connects a SUB socket to `endpoint`, subscribed to every frame.
pub fn subscribe(context: &zmq::Context, endpoint: &str) -> Result<Subscription, zmq::Error> {
    let socket = context.socket(zmq::SUB)?;
    socket.set_linger(0)?;
    socket.set_subscribe(b"")?;
    socket.connect(endpoint)?;
    let (tx, changes) = mpsc::channel();
    let stop = Arc::new(AtomicBool::new(false));
    let flag = Arc::clone(&stop);
    std::thread::Builder::new()
        .name("subscriber".into())
        .spawn(move || {
            let mut known = Servers::new();
            while !flag.load(Ordering::Relaxed) {
                let frame = match common::zmq_util::recv_timeout(&socket, CHECK) {
                    Ok(Some(frame)) => frame,
                    Ok(None) => continue,
                    Err(e) => {
                        tracing::warn!(error = %e, "subscriber stopped");
                        return;
                    }
                };
                let text = String::from_utf8_lossy(&frame);
                let Some(change) = Change::parse(&text) else {
                    tracing::warn!(frame = %text, "not an `up`/`down` event; ignored");
                    continue;
                };
                let news = change.apply(&mut known) != Applied::Unchanged;
                if news && tx.send(change).is_err() {
                    return;
                }
            }
        })
        .map_err(|_| zmq::Error::EMFILE)?;
    Ok(Subscription { changes, stop })
}
