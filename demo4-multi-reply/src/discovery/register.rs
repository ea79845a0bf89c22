//! *How does a server make itself known, and unknown?* — `demo4-server --register`.
//!
//! The server writes one key, `/rpc/demo4/<name>` = the endpoint to connect to, attached to a
//! **lease**: a timer in etcd that the server keeps resetting (every third of the TTL). Three
//! ways to leave, and what the others see:
//!
//! - Ctrl-C / SIGTERM: the server **revokes** its lease, the key disappears at once;
//! - `kill -9`, a crash, a laptop closed: nobody resets the timer, etcd deletes the key when
//!   the TTL runs out (3 s by default) — no health check to configure, the lease *is* one;
//! - etcd itself goes away: the server keeps serving, retries, and registers again when etcd is
//!   back (the same lease if etcd kept it, else a new one).
//!
//! A name is claimed with a transaction — "put, only if the key does not exist" — so two live
//! servers can never hold the same name. The one exception: a key that holds *our own*
//! endpoint is a stale registration of a server that died on this very port (we could bind it,
//! so it is gone), and we take it over instead of waiting for its TTL.

use std::time::Duration;

use etcd_client::{Client, Compare, CompareOp, PutOptions, Txn, TxnOp, TxnOpResponse};
use tokio::sync::oneshot;

use super::registry::{backoff, connect, retry_once, within, Registry, RegistryError};

/// How long a stopping server waits for its lease to be revoked (after that the TTL cleans up).
pub const REVOKE_WITHIN: Duration = Duration::from_millis(500);

/// A live registration; [`Registration::revoke`] ends it.
pub struct Registration {
    pub name: String,
    pub endpoint: String,
    stop: Option<oneshot::Sender<()>>,
    task: Option<tokio::task::JoinHandle<()>>,
    runtime: tokio::runtime::Handle,
}

impl Registry {
    /// Registers `name` at `endpoint` under a lease of `ttl` (whole seconds, at least 1) and
    /// keeps it alive in the background until [`Registration::revoke`].
    pub fn register(
        &self,
        name: &str,
        endpoint: &str,
        ttl: Duration,
    ) -> Result<Registration, RegistryError> {
        let owner = Owner {
            endpoints: self.endpoints.clone(),
            name: name.to_string(),
            endpoint: endpoint.to_string(),
            ttl: Duration::from_secs(ttl.as_secs_f64().ceil().max(1.0) as u64),
        };
        let (client, lease) = self.runtime.block_on(retry_once(|| async {
            let mut client = connect(&owner.endpoints).await?;
            let lease = owner.claim(&mut client).await?;
            Ok::<_, RegistryError>((client, lease))
        }))?;
        let (stop, stopped) = oneshot::channel();
        let task = self.runtime.spawn(owner.keep(client, lease, stopped));
        Ok(Registration {
            name: name.to_string(),
            endpoint: endpoint.to_string(),
            stop: Some(stop),
            task: Some(task),
            runtime: self.handle(),
        })
    }
}

impl Registration {
    /// Stops keeping the lease alive *without* revoking it: what a crash or a `kill -9` looks
    /// like to etcd — the key stays until the TTL runs out. For demonstrations (the tour).
    pub fn abandon(mut self) {
        self.stop = None;
        if let Some(task) = self.task.take() {
            task.abort();
        }
    }

    /// Revokes the lease, so the key disappears now rather than after the TTL. Waits at most
    /// [`REVOKE_WITHIN`]: a server that is stopping must not hang on an unreachable etcd.
    pub fn revoke(mut self) {
        if let Some(stop) = self.stop.take() {
            let _ = stop.send(());
        }
        if let Some(task) = self.task.take() {
            let done = self
                .runtime
                .block_on(async { tokio::time::timeout(REVOKE_WITHIN, task).await });
            if done.is_err() {
                tracing::warn!(name = %self.name, "lease not revoked in time; the TTL removes the key");
            }
        }
    }
}

/// Who is registered, and where.
struct Owner {
    endpoints: Vec<String>,
    name: String,
    endpoint: String,
    ttl: Duration,
}

impl Owner {
    /// A new lease with our key on it. Refuses a name another live server holds.
    async fn claim(&self, client: &mut Client) -> Result<i64, RegistryError> {
        let e = &self.endpoints;
        let ttl = i64::try_from(self.ttl.as_secs()).unwrap_or(i64::MAX);
        let lease = within(e, "lease grant", client.lease_grant(ttl, None))
            .await?
            .id();
        let key = super::key(&self.name);
        let put = || {
            TxnOp::put(
                key.clone(),
                self.endpoint.clone(),
                Some(PutOptions::new().with_lease(lease)),
            )
        };
        // "Put, only if nobody holds the key" — one atomic step in etcd.
        let claim = Txn::new()
            .when([Compare::create_revision(key.clone(), CompareOp::Equal, 0)])
            .and_then([put()])
            .or_else([TxnOp::get(key.clone(), None)]);
        let reply = within(e, "put", client.txn(claim)).await?;
        if reply.succeeded() {
            return Ok(lease);
        }
        let holder = reply
            .op_responses()
            .into_iter()
            .find_map(|op| match op {
                TxnOpResponse::Get(get) => get
                    .kvs()
                    .first()
                    .map(|kv| String::from_utf8_lossy(kv.value()).into_owned()),
                _ => None,
            })
            .unwrap_or_default();
        if holder == self.endpoint {
            // A stale key of a server that died on the endpoint we just bound: take it over.
            let take_over = Txn::new()
                .when([Compare::value(
                    key.clone(),
                    CompareOp::Equal,
                    holder.clone(),
                )])
                .and_then([put()]);
            if within(e, "put", client.txn(take_over)).await?.succeeded() {
                tracing::info!(%key, "took over a stale registration of this endpoint");
                return Ok(lease);
            }
        }
        let _ = within(e, "lease revoke", client.lease_revoke(lease)).await;
        Err(RegistryError::NameTaken {
            name: self.name.clone(),
            endpoint: holder,
            key,
        })
    }

    /// The background task: keep the lease alive; when etcd goes away, register again once it
    /// is back; on `stop`, revoke.
    async fn keep(self, mut client: Client, mut lease: i64, mut stop: oneshot::Receiver<()>) {
        loop {
            let why = tokio::select! {
                _ = &mut stop => {
                    let _ = within(&self.endpoints, "lease revoke", client.lease_revoke(lease)).await;
                    tracing::info!(name = %self.name, "registration revoked");
                    return;
                }
                why = self.keep_alive(&mut client, lease) => why,
            };
            tracing::warn!(name = %self.name, %why, registry = %self.endpoints.join(","),
                "lost the registry; registering again when it is back");
            let mut pause = Duration::ZERO;
            loop {
                pause = backoff(pause);
                tokio::select! {
                    _ = &mut stop => return, // etcd is away: nothing to revoke, the TTL will do
                    _ = tokio::time::sleep(pause) => {}
                }
                match self.reconnect(lease).await {
                    Ok((fresh, again)) => {
                        if again == lease {
                            tracing::info!(name = %self.name, lease, "registry back; lease kept");
                        } else {
                            tracing::info!(name = %self.name, lease = again, "registered again with a new lease");
                        }
                        (client, lease) = (fresh, again);
                        break;
                    }
                    Err(e) => tracing::debug!(error = %e, "registry still away"),
                }
            }
        }
    }

    /// Resets the lease every third of the TTL until that fails; returns why it failed.
    async fn keep_alive(&self, client: &mut Client, lease: i64) -> String {
        let e = &self.endpoints;
        let (mut keeper, mut replies) =
            match within(e, "keep-alive", client.lease_keep_alive(lease)).await {
                Ok(pair) => pair,
                Err(why) => return why.to_string(),
            };
        loop {
            tokio::time::sleep(self.ttl / 3).await;
            if let Err(why) = within(e, "keep-alive", keeper.keep_alive()).await {
                return why.to_string();
            }
            match within(e, "keep-alive", replies.message()).await {
                Ok(Some(reply)) if reply.ttl() > 0 => {}
                Ok(Some(_)) => return "the lease expired".to_string(),
                Ok(None) => return "the keep-alive stream ended".to_string(),
                Err(why) => return why.to_string(),
            }
        }
    }

    /// A new connection, and the old lease if etcd still has it, else a new claim.
    async fn reconnect(&self, lease: i64) -> Result<(Client, i64), RegistryError> {
        let mut client = connect(&self.endpoints).await?;
        let kept = within(
            &self.endpoints,
            "keep-alive",
            client.lease_keep_alive(lease),
        )
        .await;
        if kept.is_ok() {
            let got = within(
                &self.endpoints,
                "get",
                client.get(super::key(&self.name), None),
            )
            .await?;
            if got.kvs().first().is_some_and(|kv| kv.lease() == lease) {
                return Ok((client, lease));
            }
        }
        let lease = self.claim(&mut client).await?;
        Ok((client, lease))
    }
}
