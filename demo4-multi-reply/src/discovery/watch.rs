//! *How does a client learn who is there, and who left?* — `demo4-client --discover`,
//! `demo4-watch`.
//!
//! Two steps, the standard way to follow an etcd prefix without missing anything:
//!
//! 1. **read** every key under `/rpc/demo4/` — the servers there now, and the store's revision
//!    at that moment;
//! 2. **watch** the prefix *from the next revision*: etcd streams every put and delete after
//!    the read, so nothing can slip in between the two steps.
//!
//! The changes come to the blocking side on a channel ([`Watch::changes`]). If the watch breaks
//! (etcd restarted, a cluster member died), the task connects again, reads the prefix again,
//! reports the difference with what it knew — the servers that came or went meanwhile — and
//! watches from there. A put that does not change a server's endpoint (a server registering
//! again with a new lease) is not reported: nothing changed for a client.

use std::sync::mpsc;
use std::time::Duration;

use etcd_client::{Client, EventType, GetOptions, WatchOptions};
use tokio::sync::oneshot;

use super::registry::{backoff, connect, retry_once, within, Registry, RegistryError};
pub use super::Servers;
use super::{Applied, Change, PREFIX};

/// A running watch. Dropping it stops the background task.
pub struct Watch {
    /// Every change after the snapshot, in order.
    pub changes: mpsc::Receiver<Change>,
    _stop: oneshot::Sender<()>,
}

impl Registry {
    /// Reads the servers registered now (an error if etcd cannot be reached within the
    /// deadline) and starts following the changes.
    pub fn watch(&self) -> Result<(Servers, Watch), RegistryError> {
        let endpoints = self.endpoints.clone();
        let (client, servers, revision) = self.runtime.block_on(retry_once(|| async {
            let mut client = connect(&endpoints).await?;
            let (servers, revision) = read(&endpoints, &mut client).await?;
            Ok::<_, RegistryError>((client, servers, revision))
        }))?;
        let (tx, changes) = mpsc::channel();
        let (stop, stopped) = oneshot::channel();
        let follower = Follower {
            endpoints,
            known: servers.clone(),
            tx,
        };
        self.runtime.spawn(follower.run(client, revision, stopped));
        Ok((
            servers,
            Watch {
                changes,
                _stop: stop,
            },
        ))
    }
}

/// Step 1: every server under the prefix, and the revision of that read.
async fn read(endpoints: &[String], client: &mut Client) -> Result<(Servers, i64), RegistryError> {
    let reply = within(
        endpoints,
        "get",
        client.get(PREFIX, Some(GetOptions::new().with_prefix())),
    )
    .await?;
    let revision = reply.header().map_or(0, |h| h.revision());
    let servers = reply
        .kvs()
        .iter()
        .filter_map(|kv| {
            Some((
                name_of(kv.key())?,
                String::from_utf8_lossy(kv.value()).into_owned(),
            ))
        })
        .collect();
    Ok((servers, revision))
}

/// `/rpc/demo4/alice` → `alice` (`None` for a key outside the prefix or an empty name).
fn name_of(key: &[u8]) -> Option<String> {
    let name = std::str::from_utf8(key).ok()?.strip_prefix(PREFIX)?;
    (!name.is_empty()).then(|| name.to_string())
}

struct Follower {
    endpoints: Vec<String>,
    /// What the blocking side has been told so far.
    known: Servers,
    tx: mpsc::Sender<Change>,
}

impl Follower {
    async fn run(mut self, mut client: Client, mut revision: i64, mut stop: oneshot::Receiver<()>) {
        loop {
            let why = tokio::select! {
                _ = &mut stop => return,
                why = self.follow(&mut client, revision + 1) => why,
            };
            let Some(why) = why else { return }; // nobody listens any more
            tracing::warn!(registry = %self.endpoints.join(","),
                "lost the registry watch ({why}); reading the registry again when it is back");
            let mut pause = Duration::ZERO;
            loop {
                pause = backoff(pause);
                tokio::select! {
                    _ = &mut stop => return,
                    _ = tokio::time::sleep(pause) => {}
                }
                let again = async {
                    let mut fresh = connect(&self.endpoints).await?;
                    let (servers, at) = read(&self.endpoints, &mut fresh).await?;
                    Ok::<_, RegistryError>((fresh, servers, at))
                };
                match again.await {
                    Ok((fresh, servers, at)) => {
                        if !self.catch_up(servers) {
                            return;
                        }
                        (client, revision) = (fresh, at);
                        tracing::info!(revision, "registry watch resumed");
                        break;
                    }
                    Err(e) => tracing::debug!(error = %e, "registry still away"),
                }
            }
        }
    }

    /// Step 2: streams the changes from `start`; returns why the stream ended (`None` when the
    /// blocking side is gone). Updates `known` and the revision as events come.
    async fn follow(&mut self, client: &mut Client, start: i64) -> Option<String> {
        let options = WatchOptions::new().with_prefix().with_start_revision(start);
        let mut stream = match within(
            &self.endpoints,
            "watch",
            client.watch(PREFIX, Some(options)),
        )
        .await
        {
            Ok(stream) => stream,
            Err(e) => return Some(e.to_string()),
        };
        loop {
            let reply = match stream.message().await {
                Ok(Some(reply)) => reply,
                Ok(None) => return Some("the watch stream ended".to_string()),
                // What the transport says (`h2 protocol error: error reading a body…`) is for
                // RUST_LOG=debug; for the student it is one fact.
                Err(e) => {
                    tracing::debug!(error = %e, "the watch stream failed");
                    return Some("etcd closed the connection".to_string());
                }
            };
            if reply.canceled() {
                return Some(format!(
                    "the watch was cancelled ({})",
                    reply.cancel_reason()
                ));
            }
            for event in reply.events() {
                let Some(kv) = event.kv() else { continue };
                let Some(name) = name_of(kv.key()) else {
                    continue;
                };
                let change = match event.event_type() {
                    EventType::Put => Change::Up {
                        name,
                        endpoint: String::from_utf8_lossy(kv.value()).into_owned(),
                    },
                    EventType::Delete => Change::Down { name },
                };
                if !self.tell(change) {
                    return None;
                }
            }
        }
    }

    /// After a reconnect: reports the difference between `known` and `servers`.
    fn catch_up(&mut self, servers: Servers) -> bool {
        let gone: Vec<String> = self
            .known
            .keys()
            .filter(|name| !servers.contains_key(*name))
            .cloned()
            .collect();
        for name in gone {
            if !self.tell(Change::Down { name }) {
                return false;
            }
        }
        for (name, endpoint) in servers {
            if !self.tell(Change::Up { name, endpoint }) {
                return false;
            }
        }
        true
    }

    /// Passes a real change on (and only a real one); false when the receiver is gone.
    fn tell(&mut self, change: Change) -> bool {
        let news = change.apply(&mut self.known) != Applied::Unchanged;
        !news || self.tx.send(change).is_ok()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_come_from_keys_under_the_prefix_only() {
        assert_eq!(name_of(b"/rpc/demo4/alice").as_deref(), Some("alice"));
        assert_eq!(name_of(b"/rpc/demo4/"), None);
        assert_eq!(name_of(b"/rpc/demo5/alice"), None);
    }
}
