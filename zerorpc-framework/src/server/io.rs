//! The I/O thread: the one thread that owns the ROUTER socket ([`crate::zmtp::Router`]). It reads events, opens a conversation per new call and starts a worker for
//! it, counts `_zpc_more` credit, notes `_zpc_hb` heartbeats, sends our heartbeats on every
//! open conversation, drops a client silent for two intervals, and forwards what the workers
//! answer (they hand it over through an `inproc://` PUSH/PULL pair, polled with the ROUTER).
//!
//! A conversation is keyed by the client's ZeroMQ identity and the id of its first event
//! (compared as MessagePack bytes, so a bin id and a str id with the same letters differ).

use std::collections::HashMap;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use common::stay_awake;

use super::registry::Registry;
use super::worker::{answer, Channel, Outbox};
use crate::channel::Credit;
use crate::console;
use crate::events::{self, id_key, Event};
use crate::heartbeat::{self, Heartbeat};
use crate::method::Failure;
use crate::workers::Workers;
use crate::zmtp::Router;

/// How often the loop looks at its stop flag when nothing happens.
const STOP_CHECK: Duration = Duration::from_millis(100);
/// At most this many calls run at once; more get `ERR ServerBusy` (each running call has a
/// thread of its own).
pub const MAX_IN_FLIGHT: usize = 1024;
/// After `quit()`, the calls still running get this long to finish before they are handed
/// back with `ERR ServerStopping` (the `quit` call itself is answered first).
const QUIT_GRACE: Duration = Duration::from_secs(1);

/// A server with its socket bound, ready to [`Bound::run`].
pub struct Bound {
    registry: Arc<Registry>,
    heartbeat: Duration,
    router: Router,
    pull: zmq::Socket,
    /// Workers send their events here; `None` once the server stopped.
    outbox: Arc<Mutex<Option<zmq::Socket>>>,
}

impl std::fmt::Debug for Bound {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Bound")
            .field("endpoint", &self.router.endpoint())
            .finish()
    }
}

/// What the I/O thread keeps per open conversation.
struct Conversation {
    identity: Vec<Vec<u8>>,
    key: Vec<u8>,
    method: String,
    channel: Arc<Channel>,
    heartbeat: Heartbeat,
}

/// When the server stops, replies already queued get this long to leave; a dead client
/// cannot hold the process.
const LINGER: Duration = Duration::from_millis(200);

impl Bound {
    /// The server on `router`, and the `inproc://` pair through which workers hand their
    /// events to the I/O thread.
    pub(super) fn new(
        registry: Registry,
        heartbeat: Duration,
        context: &zmq::Context,
        router: Router,
    ) -> Result<Bound, zmq::Error> {
        static OUTBOXES: AtomicU64 = AtomicU64::new(0);
        let inproc = format!(
            "inproc://zerorpc-outbox-{}",
            OUTBOXES.fetch_add(1, Ordering::Relaxed)
        );
        let pull = context.socket(zmq::PULL)?;
        pull.bind(&inproc)?;
        let push = context.socket(zmq::PUSH)?;
        push.set_linger(0)?;
        push.connect(&inproc)?;
        Ok(Bound {
            registry: Arc::new(registry),
            heartbeat,
            pull,
            outbox: Arc::new(Mutex::new(Some(push))),
            router,
        })
    }

    /// The endpoint actually bound (the port filled in).
    pub fn endpoint(&self) -> &str {
        self.router.endpoint()
    }

    /// Serves until `stop` is raised. Never returns early on a bad message: it is logged and
    /// dropped, or answered with `ERR`.
    pub fn run(mut self, stop: &AtomicBool) -> Result<(), zmq::Error> {
        let mut state = State {
            registry: Arc::clone(&self.registry),
            heartbeat: self.heartbeat,
            router: &mut self.router,
            outbox: Arc::clone(&self.outbox),
            conversations: HashMap::new(),
            by_key: HashMap::new(),
            next_id: 0,
            workers: Workers::new(),
            awake_until: Instant::now(),
        };
        let result = state.serve(&self.pull, stop);
        // Answers the workers handed over already go out as they are.
        while let Ok(frames) = self.pull.recv_multipart(zmq::DONTWAIT) {
            let _ = state.on_worker(frames);
        }
        // Hand back the calls in hand: each open one gets an ERR now (sent within the
        // socket's linger) instead of a LostRemote 10 s later.
        let stopping = stopping();
        for conversation in state.conversations.values() {
            conversation.channel.credit.close();
            let request_id = conversation.channel.request_id.clone();
            let err = Event::new(
                events::ERR,
                stopping.to_args(&conversation.method),
                Some(request_id),
            );
            state.router.send(&conversation.identity, &err.encode());
        }
        state.router.linger(LINGER);
        // Workers still running find no outbox and give up; dropping the socket here lets
        // the ZeroMQ context end.
        self.outbox.lock().unwrap_or_else(|p| p.into_inner()).take();
        result
    }
}

fn stopping() -> Failure {
    Failure::new(
        "ServerStopping",
        "the server is shutting down; call again later",
    )
}

struct State<'a> {
    registry: Arc<Registry>,
    heartbeat: Duration,
    router: &'a mut Router,
    outbox: Arc<Mutex<Option<zmq::Socket>>>,
    conversations: HashMap<u64, Conversation>,
    by_key: HashMap<(Vec<Vec<u8>>, Vec<u8>), u64>,
    next_id: u64,
    workers: Workers,
    /// Until when the loop stays awake: [`stay_awake::WINDOW`] after a client's message.
    awake_until: Instant,
}

impl State<'_> {
    fn serve(&mut self, pull: &zmq::Socket, stop: &AtomicBool) -> Result<(), zmq::Error> {
        let _lines = console::Hold::start(); // flushed before each wait (console::Hold)
        let mut quit_deadline = None;
        while !stop.load(Ordering::Relaxed) {
            // After quit(): serve on until the calls in hand (quit's own answer first) are
            // answered, or the grace period is over.
            if self.registry.quitting() {
                let deadline = *quit_deadline.get_or_insert_with(|| Instant::now() + QUIT_GRACE);
                if self.conversations.is_empty() || Instant::now() >= deadline {
                    break;
                }
            }
            let from_workers = self.wait(pull)?;
            // Handle what is there, a bounded batch each, so neither side starves the other.
            for _ in 0..256 {
                let Some(frames) = self.router.recv() else {
                    break;
                };
                self.on_client(frames)?;
            }
            for _ in 0..if from_workers { 256 } else { 0 } {
                match pull.recv_multipart(zmq::DONTWAIT) {
                    Ok(frames) => self.on_worker(frames)?,
                    Err(zmq::Error::EAGAIN) => break,
                    Err(e) => return Err(e),
                }
            }
            self.heartbeats()?;
        }
        Ok(())
    }

    /// Waits until a client's message is in or a worker has an event (`true`), or the next
    /// heartbeat is due.
    ///
    /// With no call open and no worker running, nothing can come from the workers but the
    /// last words of conversations lost meanwhile: then the wait is on the clients' sockets
    /// alone (one `poll`), and those last words are read and dropped when it times out.
    ///
    /// Right after a client's message, the next one is probably on its way: until
    /// [`Self::awake_until`] the wait does not sleep (a client in a loop then needs no
    /// wake-up of this thread: [`common::stay_awake`]), giving the CPU away between looks.
    fn wait(&mut self, pull: &zmq::Socket) -> Result<bool, zmq::Error> {
        let idle = self.conversations.is_empty() && self.workers.busy() == 0;
        let also = (!idle).then_some(pull);
        if self.router.has_messages() {
            console::flush_held();
            return self.router.poll(also, 0);
        }
        console::flush_held();
        while Instant::now() < self.awake_until {
            let from_workers = self.router.poll(also, 0)?;
            if from_workers || self.router.has_messages() {
                return Ok(from_workers);
            }
            std::thread::yield_now();
        }
        let from_workers = self.router.poll(also, self.until_next_tick())?;
        if idle && !self.router.has_messages() {
            while let Ok(frames) = pull.recv_multipart(zmq::DONTWAIT) {
                self.on_worker(frames)?;
            }
        }
        Ok(from_workers)
    }

    /// Milliseconds until the next heartbeat is due (at most [`STOP_CHECK`]).
    fn until_next_tick(&self) -> i64 {
        let now = Instant::now();
        let next = self
            .conversations
            .values()
            .map(|c| c.heartbeat.next_beat().saturating_duration_since(now))
            .min()
            .unwrap_or(STOP_CHECK)
            .min(STOP_CHECK);
        i64::try_from(next.as_millis()).unwrap_or(0) + 1
    }

    /// One message from a client: `[identity…, "", payload]` (or without the empty frame).
    fn on_client(&mut self, mut frames: Vec<Vec<u8>>) -> Result<(), zmq::Error> {
        self.awake_until = Instant::now() + stay_awake::WINDOW;
        let Some(payload) = frames.pop() else {
            return Ok(());
        };
        if frames.last().is_some_and(Vec::is_empty) {
            frames.pop();
        }
        if frames.is_empty() {
            tracing::warn!("dropped a message without a ZeroMQ identity");
            return Ok(());
        }
        let identity = frames;
        let event = match Event::decode(&payload) {
            Ok(event) => event,
            Err(e) => {
                tracing::warn!(error = %e, bytes = payload.len(), "dropped a message that is not a zerorpc event");
                return Ok(());
            }
        };
        match &event.header.response_to {
            Some(to) => {
                self.on_channel_event(identity, id_key(to), &event);
                Ok(())
            }
            None => self.on_call(identity, event),
        }
    }

    /// An event of an open conversation: a heartbeat, credit, or something we ignore.
    fn on_channel_event(&mut self, identity: Vec<Vec<u8>>, key: Vec<u8>, event: &Event) {
        let Some(id) = self.by_key.get(&(identity, key)) else {
            tracing::debug!(name = %event.name, "event for a closed or unknown conversation; ignored");
            return;
        };
        let Some(conversation) = self.conversations.get_mut(id) else {
            return;
        };
        match event.name.as_str() {
            events::HEARTBEAT => {
                conversation.heartbeat.heard(Instant::now());
            }
            events::MORE => {
                let more = event.args.as_array().and_then(|a| a.first()?.as_u64());
                match more.and_then(|n| i64::try_from(n).ok()) {
                    Some(n) => {
                        conversation.channel.credit.grant(n);
                    }
                    None => {
                        tracing::warn!(args = %event.args, "_zpc_more without a count; ignored")
                    }
                }
            }
            other => tracing::debug!(name = other, "unexpected event in a conversation; ignored"),
        }
    }

    /// A new call: a conversation opens and a worker thread answers it — or this thread, at
    /// once, for a method that has always been quick (`Registry::runs_inline`).
    fn on_call(&mut self, identity: Vec<Vec<u8>>, event: Event) -> Result<(), zmq::Error> {
        let key = id_key(&event.header.message_id);
        if self.by_key.contains_key(&(identity.clone(), key.clone())) {
            tracing::warn!(method = %event.name, "a second call with the id of an open one; ignored");
            return Ok(());
        }
        self.next_id += 1;
        let id = self.next_id;
        let inline = self.registry.runs_inline(&event.name) && !self.registry.quitting();
        let channel = Arc::new(Channel {
            id,
            request_id: event.header.message_id.clone(),
            credit: Credit::new(),
            outbox: match inline {
                true => Outbox::Here(Mutex::new(Vec::new())),
                false => Outbox::Thread(Arc::clone(&self.outbox)),
            },
        });
        let now = Instant::now();
        self.by_key.insert((identity.clone(), key.clone()), id);
        self.conversations.insert(
            id,
            Conversation {
                identity,
                key,
                method: event.name.clone(),
                channel: Arc::clone(&channel),
                // The call itself is the client's first word.
                heartbeat: {
                    let mut heartbeat = Heartbeat::new(self.heartbeat, now);
                    heartbeat.heard(now);
                    heartbeat
                },
            },
        );
        if let Outbox::Here(answered) = &channel.outbox {
            answer(&self.registry, &channel, event);
            let answered = std::mem::take(&mut *answered.lock().unwrap_or_else(|p| p.into_inner()));
            for (payload, last) in answered {
                self.forward(id, &payload, last)?;
            }
            return Ok(());
        }
        if self.workers.busy() >= MAX_IN_FLIGHT {
            let busy = Failure::new(
                "ServerBusy",
                format!("{MAX_IN_FLIGHT} calls already running; try again"),
            );
            channel.send(events::ERR, busy.to_args(&event.name), true);
            return Ok(());
        }
        if self.registry.quitting() {
            channel.send(events::ERR, stopping().to_args(&event.name), true);
            return Ok(());
        }
        let registry = Arc::clone(&self.registry);
        if let Err(e) = self.workers.run(move || answer(&registry, &channel, event)) {
            tracing::error!(error = %e, "cannot start a thread for a call; it gets no answer");
        }
        Ok(())
    }

    /// An event a worker wants sent: `[conversation id, last?, payload]`.
    fn on_worker(&mut self, frames: Vec<Vec<u8>>) -> Result<(), zmq::Error> {
        let [id, last, payload] = <[Vec<u8>; 3]>::try_from(frames).expect("workers send 3 frames");
        let id = u64::from_be_bytes(id.try_into().expect("an 8-byte conversation id"));
        self.forward(id, &payload, last == [1])
    }

    /// Sends an event of conversation `id` to its client; closes the conversation after the last.
    fn forward(&mut self, id: u64, payload: &[u8], last: bool) -> Result<(), zmq::Error> {
        let Some(conversation) = self.conversations.get(&id) else {
            return Ok(()); // lost meanwhile
        };
        self.router.send(&conversation.identity, payload);
        if last {
            self.close(id);
        }
        Ok(())
    }

    /// Sends our heartbeats that are due, and drops the conversations whose client went quiet.
    fn heartbeats(&mut self) -> Result<(), zmq::Error> {
        let now = Instant::now();
        let interval = self.heartbeat;
        let mut lost = Vec::new();
        for (id, conversation) in &mut self.conversations {
            if conversation.heartbeat.lost(now, interval * 2).is_some() {
                lost.push(*id);
                continue;
            }
            if conversation.heartbeat.due(now) {
                let hb = heartbeat::event(conversation.channel.request_id.clone());
                self.router.send(&conversation.identity, &hb.encode());
            }
        }
        for id in lost {
            if let Some(conversation) = self.conversations.get(&id) {
                tracing::warn!(
                    method = %conversation.method,
                    "lost the client: no heartbeat for {}; dropping its call",
                    common::endpoints::human(interval * 2)
                );
            }
            self.close(id);
        }
        Ok(())
    }

    fn close(&mut self, id: u64) {
        if let Some(conversation) = self.conversations.remove(&id) {
            conversation.channel.credit.close();
            self.by_key
                .remove(&(conversation.identity, conversation.key));
        }
    }
}
