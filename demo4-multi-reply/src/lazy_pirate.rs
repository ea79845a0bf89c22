//! The Lazy Pirate pattern (zguide, chapter 4): a REQ client that survives a dead server.
//!
//! A plain REQ socket is strict: after `send` it must `recv` before it may send again. If the
//! server that got the request is down, the reply never comes and the client waits forever —
//! exactly what happens to the tutorial's client when one of the three laptops is off.
//!
//! The Lazy Pirate fixes that on the client side only, with three moves:
//!
//! 1. **wait with a timeout** for the reply instead of forever ([`REQUEST_TIMEOUT`]);
//! 2. on timeout, **close the socket with linger 0** (drop the queued request, do not wait to
//!    deliver it) and **open a fresh one** — the only way out of REQ's "waiting for a reply"
//!    state — then **send again**, up to [`REQUEST_RETRIES`] tries;
//! 3. after the last try, **give up on that server** and say so.
//!
//! Why one REQ socket per server? The tutorial connects one REQ socket to all three endpoints
//! and lets ZeroMQ round-robin. But when a request then times out we cannot tell which server
//! swallowed it, and reopening that socket reconnects to the dead server too, so the next
//! request may be lost in the same hole. With one socket per server and the round-robin done
//! here (in the same order ZeroMQ would use), a timeout names its culprit and we can skip it.
//!
//! Servers can also come and go while the client runs: [`LazyPirate::add`] and
//! [`LazyPirate::remove`] are how service discovery (`--discover`, `--subscribe`, see
//! [`crate::discovery`]) hands the client a server that registered or drops one that left.
//! Without discovery, a skipped server stays skipped until the client exits. Simplified on
//! purpose: a request may be *processed* twice if a slow server answers just after we gave up on
//! it, which is harmless for an idempotent request like this one.

use std::io::Write;
use std::time::{Duration, Instant};

use common::endpoints::human;

/// How long to wait for one reply before the client assumes the try was lost.
pub const REQUEST_TIMEOUT: Duration = Duration::from_millis(2500);
/// How many tries one server gets (the first one included) before it is skipped.
pub const REQUEST_RETRIES: u32 = 3;

/// Why the client could not get a reply at all.
#[derive(Debug, thiserror::Error)]
pub enum ClientError {
    #[error("no server answered: {} unreachable — is demo4-server running there?", .endpoints.join(", "))]
    AllUnreachable { endpoints: Vec<String> },
    #[error(transparent)]
    Zmq(#[from] zmq::Error),
}

/// One answered request: who answered and what.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Reply {
    pub endpoint: String,
    pub frames: Vec<Vec<u8>>,
}

/// One server as the client sees it.
struct Server {
    endpoint: String,
    /// `None` between closing a stuck socket and opening the next one.
    socket: Option<zmq::Socket>,
    /// False once the server failed every try: the round-robin skips it from then on.
    alive: bool,
}

/// A round-robin REQ client over several servers, with the Lazy Pirate's retries.
pub struct LazyPirate {
    context: zmq::Context,
    servers: Vec<Server>,
    /// Index of the server that gets the next request.
    next: usize,
    timeout: Duration,
    retries: u32,
}

impl LazyPirate {
    /// Connects one REQ socket to each endpoint (connecting is instant: ZeroMQ dials in the
    /// background, so a server that is down is only noticed when it fails to answer).
    pub fn connect(
        context: &zmq::Context,
        endpoints: &[String],
        timeout: Duration,
        retries: u32,
    ) -> Result<LazyPirate, zmq::Error> {
        let mut servers = Vec::with_capacity(endpoints.len());
        for endpoint in endpoints {
            servers.push(Server {
                endpoint: endpoint.clone(),
                socket: Some(open(context, endpoint)?),
                alive: true,
            });
        }
        Ok(LazyPirate {
            context: context.clone(),
            servers,
            next: 0,
            timeout,
            retries: retries.max(1),
        })
    }

    /// A server to use from the next request on (one that registered). An endpoint already
    /// known gets a fresh socket and another chance, even if it was given up on.
    pub fn add(&mut self, endpoint: &str) -> Result<(), zmq::Error> {
        let socket = Some(open(&self.context, endpoint)?);
        match self.servers.iter_mut().find(|s| s.endpoint == endpoint) {
            Some(server) => {
                server.socket = socket;
                server.alive = true;
            }
            None => self.servers.push(Server {
                endpoint: endpoint.to_string(),
                socket,
                alive: true,
            }),
        }
        Ok(())
    }

    /// Drops a server (one whose registration disappeared); false if it was not known.
    pub fn remove(&mut self, endpoint: &str) -> bool {
        let Some(index) = self.servers.iter().position(|s| s.endpoint == endpoint) else {
            return false;
        };
        self.servers.remove(index);
        if index < self.next {
            self.next -= 1;
        }
        if self.next >= self.servers.len() {
            self.next = 0;
        }
        true
    }

    /// The endpoints in round-robin order.
    pub fn endpoints(&self) -> Vec<&str> {
        self.servers.iter().map(|s| s.endpoint.as_str()).collect()
    }

    /// The endpoints given up on so far.
    pub fn unreachable(&self) -> Vec<&str> {
        self.servers
            .iter()
            .filter(|s| !s.alive)
            .map(|s| s.endpoint.as_str())
            .collect()
    }

    /// Sends `request` to the next live server in round-robin order and returns its reply.
    /// A server that fails every try is skipped and the same request goes to the next one.
    ///
    /// `notices` gets one line per lost try (`W: …`) and per server given up on (`E: …`).
    pub fn request<F: AsRef<[u8]>>(
        &mut self,
        request: &[F],
        notices: &mut impl Write,
    ) -> Result<Reply, ClientError> {
        self.request_while(request, notices, |_| true)
    }

    /// [`LazyPirate::request`] for a client that follows a registry: while it waits for a
    /// reply it asks `listed(endpoint)` every [`LEFT_CHECK`], and a server that is no longer
    /// listed (it left, or its lease ran out after a `kill -9`) is given up on at once — the
    /// request goes to the next server without waiting out the timeout and the retries.
    pub fn request_while<F: AsRef<[u8]>>(
        &mut self,
        request: &[F],
        notices: &mut impl Write,
        mut listed: impl FnMut(&str) -> bool,
    ) -> Result<Reply, ClientError> {
        let count = self.servers.len();
        for offset in 0..count {
            let index = (self.next + offset) % count;
            if !self.servers[index].alive {
                continue;
            }
            if let Some(frames) = self.try_server(index, request, notices, &mut listed)? {
                self.next = (index + 1) % count;
                return Ok(Reply {
                    endpoint: self.servers[index].endpoint.clone(),
                    frames,
                });
            }
        }
        Err(ClientError::AllUnreachable {
            endpoints: self.servers.iter().map(|s| s.endpoint.clone()).collect(),
        })
    }

    /// The Lazy Pirate itself, for one server: send, wait (bounded), and on silence reopen and
    /// resend. `Ok(None)` when the server is given up on.
    fn try_server<F: AsRef<[u8]>>(
        &mut self,
        index: usize,
        request: &[F],
        notices: &mut impl Write,
        listed: &mut impl FnMut(&str) -> bool,
    ) -> Result<Option<Vec<Vec<u8>>>, zmq::Error> {
        let server = &mut self.servers[index];
        for attempt in 1..=self.retries {
            let socket = match server.socket.take() {
                Some(socket) => socket,
                None => open(&self.context, &server.endpoint)?,
            };
            socket.send_multipart(request.iter().map(AsRef::as_ref), 0)?;
            // The bounded wait: a reply, or silence for `timeout`, or the server left.
            match wait_reply(&socket, self.timeout, || listed(&server.endpoint))? {
                Wait::Reply(frames) => {
                    server.socket = Some(socket);
                    return Ok(Some(frames));
                }
                Wait::Left => {
                    let _ = writeln!(
                        notices,
                        "W: {} left the registry while we waited; asking the next server",
                        server.endpoint
                    );
                    return Ok(None); // the caller removes it with the registry's change
                }
                Wait::Silence => {}
            }
            // No reply in time. This REQ socket now waits for a reply that may never come and
            // refuses to send again; dropping it (linger 0) discards the queued request, and the
            // next try opens a fresh socket with a fresh connection.
            drop(socket);
            if attempt < self.retries {
                let _ = writeln!(
                    notices,
                    "W: no reply from {} within {}, retrying (try {} of {})",
                    server.endpoint,
                    human(self.timeout),
                    attempt + 1,
                    self.retries
                );
            }
        }
        let _ = writeln!(
            notices,
            "E: {} is unreachable (no reply after {} × {}), skipping it",
            server.endpoint,
            self.retries,
            human(self.timeout)
        );
        server.alive = false;
        Ok(None)
    }
}

/// How often a waiting client asks whether the server it waits for is still listed.
pub const LEFT_CHECK: Duration = Duration::from_millis(100);

/// How one wait for a reply ended.
enum Wait {
    Reply(Vec<Vec<u8>>),
    Silence,
    Left,
}

/// Waits up to `timeout` for a reply on `socket` (ZMQ_RCVTIMEO, in slices of [`LEFT_CHECK`]),
/// ending early when `listed()` turns false.
fn wait_reply(
    socket: &zmq::Socket,
    timeout: Duration,
    mut listed: impl FnMut() -> bool,
) -> Result<Wait, zmq::Error> {
    let deadline = Instant::now() + timeout;
    loop {
        let left = deadline.saturating_duration_since(Instant::now());
        if left.is_zero() {
            return Ok(Wait::Silence);
        }
        if let Some(frames) =
            common::zmq_util::recv_multipart_timeout(socket, left.min(LEFT_CHECK))?
        {
            return Ok(Wait::Reply(frames));
        }
        if !listed() {
            return Ok(Wait::Left);
        }
    }
}

/// A fresh REQ socket connected to `endpoint`, with linger 0 so closing it never blocks on an
/// undelivered request.
fn open(context: &zmq::Context, endpoint: &str) -> Result<zmq::Socket, zmq::Error> {
    let socket = context.socket(zmq::REQ)?;
    socket.set_linger(0)?;
    socket.connect(endpoint)?;
    Ok(socket)
}
