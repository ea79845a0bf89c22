//! The client half: synchronous calls and streams from any number of threads, all multiplexed
//! over **one** DEALER socket.
//!
//! As in the server, one I/O thread owns the socket. A call registers a mailbox under its
//! message id (so the answer cannot arrive before anyone listens), hands its event to the I/O
//! thread through an `inproc://` PUSH socket, and waits on the mailbox with a deadline. The
//! I/O thread routes each incoming event by its `response_to` to the right mailbox, sends a
//! `_zpc_hb` every [`crate::HEARTBEAT_INTERVAL`] on every open call, and tells a call its
//! server is lost after two intervals without one — so a server `kill -9`ed during a long
//! call is noticed in 10 s, long before the 30 s timeout.
//!
//! Streams grant credit like zerorpc-python's receiver (a buffer of [`crate::STREAM_BUFFER`]):
//! the server may send one event; once we are below half the buffer we send `_zpc_more [n]`
//! topping it up to 100.

use std::collections::HashMap;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{mpsc, Arc, Mutex};
use std::thread::JoinHandle;
use std::time::{Duration, Instant};

use rmpv::Value;

use crate::channel::Window;
use crate::events::{self, id_key, Event};
use crate::heartbeat::{self, Heartbeat};

/// How often the I/O thread looks at its stop flag when nothing happens.
const STOP_CHECK: Duration = Duration::from_millis(100);

/// How a client behaves; `Options::default()` is zerorpc's (30 s timeout, 5 s heartbeat).
#[derive(Clone)]
pub struct Options {
    /// How long a call waits for its answer (and a stream for each item).
    pub timeout: Duration,
    pub heartbeat: Duration,
    /// Client-side hooks around every call, in order: [`access_key`], a tracer, a logger.
    pub hooks: Vec<Arc<dyn Hook>>,
}

impl std::fmt::Debug for Options {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Options")
            .field("timeout", &self.timeout)
            .field("heartbeat", &self.heartbeat)
            .field("hooks", &self.hooks.len())
            .finish()
    }
}

impl Default for Options {
    fn default() -> Options {
        Options {
            timeout: crate::CALL_TIMEOUT,
            heartbeat: crate::HEARTBEAT_INTERVAL,
            hooks: Vec::new(),
        }
    }
}

/// The client's half of AOP, zerorpc-python's client hooks (`client_before_request`,
/// `client_after_request`): code around every call, written once.
pub trait Hook: Send + Sync {
    /// Before the call goes out: it may add header keys (an access key, a trace id).
    fn before_request(&self, _request: &mut Event) {}
    /// Once its first answer arrived (`OK`, `ERR`, or a stream's first event).
    fn after_reply(&self, _request: &Event, _reply: &Event) {}
}

/// The hook that sends `access_key: key` in every call's header, for a server with the
/// access-key middleware (zerorpc-python does it with its `get_task_context` hook).
pub fn access_key(key: impl Into<String>) -> Arc<dyn Hook> {
    struct AccessKey(String);
    impl Hook for AccessKey {
        fn before_request(&self, request: &mut Event) {
            let key = crate::middleware::ACCESS_KEY_HEADER;
            request
                .header
                .fields
                .push((key.into(), self.0.as_str().into()));
        }
    }
    Arc::new(AccessKey(key.into()))
}

/// Why a call failed. The texts are for a person at a terminal.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// The server answered `ERR [name, message, traceback]`.
    #[error("{name}: {message}")]
    Remote {
        name: String,
        message: String,
        traceback: String,
    },
    /// Not one event (not even a heartbeat) came back for the call.
    #[error("nothing ever answered at {endpoint} ({method}, {} waited): {}{}", common::endpoints::human(*.waited), if *.connected { "a peer is connected there, but it sent no zerorpc event — is it a zerorpc server?" } else { "is zerorpc-server running? (cargo run -p zerorpc-framework)" }, heartbeat_note(*.heartbeat))]
    NoAnswer {
        endpoint: String,
        method: String,
        waited: Duration,
        heartbeat: Duration,
        /// Whether a ZeroMQ peer was connected (the socket monitor's handshake).
        connected: bool,
    },
    /// The server is there, but the answer took longer than the timeout.
    #[error("{method}: the call took longer than --timeout {}; the server at {endpoint} is alive ({})", common::endpoints::human(*.timeout), if *.heard { "heartbeats arrived" } else { "connected; its first heartbeat was not due yet" })]
    Timeout {
        endpoint: String,
        method: String,
        timeout: Duration,
        /// Whether its heartbeats arrived (else only the connection was seen).
        heard: bool,
    },
    /// The server had answered (this call or an earlier one), then went silent.
    #[error("lost remote {endpoint}: it had answered, then sent nothing for {} during {method} — did the server die?{}", common::endpoints::human(*.after), heartbeat_note(*.heartbeat))]
    LostRemote {
        endpoint: String,
        method: String,
        after: Duration,
        heartbeat: Duration,
    },
    #[error("unexpected answer to {method}: {what}")]
    Protocol { method: String, what: String },
    #[error("the client is closed")]
    Closed,
    #[error(transparent)]
    Zmq(#[from] zmq::Error),
}

/// A wait as a person reads it: to a tenth of a second (`10 s`, not `10.001510135 s`).
fn tenths(waited: Duration) -> Duration {
    Duration::from_millis(u64::try_from((waited.as_millis() + 50) / 100 * 100).unwrap_or(u64::MAX))
}

/// When our heartbeat is not zerorpc's default, the likely cause of a silence: a server on
/// the default heartbeats less often than we expect.
fn heartbeat_note(ours: Duration) -> String {
    if ours == crate::HEARTBEAT_INTERVAL {
        return String::new();
    }
    format!(
        " (our --heartbeat is {}, zerorpc's default {}: both sides must use the same interval)",
        common::endpoints::human(ours),
        common::endpoints::human(crate::HEARTBEAT_INTERVAL)
    )
}

/// What a call answered: one value, or a stream of them.
#[derive(Debug)]
pub enum Reply {
    Value(Value),
    Stream(Stream),
}

/// What the I/O thread puts in a call's mailbox.
enum Incoming {
    Event(Event),
    /// The first heartbeat of the call: the server is alive.
    Heard,
    /// No event from the server for this long: it is gone (or was never there).
    Lost(Duration),
}

struct Inner {
    endpoint: String,
    options: Options,
    /// Open calls: the MessagePack bytes of the call's id → its mailbox.
    calls: Mutex<HashMap<Vec<u8>, mpsc::Sender<Incoming>>>,
    /// To the I/O thread: `[command, call key, payload]`; `None` once closed.
    outbox: Mutex<Option<zmq::Socket>>,
    stop: AtomicBool,
    /// Whether a ZeroMQ peer is connected (from the DEALER's socket monitor): tells "no
    /// server" from "a slow server" when no heartbeat came yet.
    connected: AtomicBool,
    /// Whether the server ever sent us an event (any call): "lost" rather than "never there".
    answered: AtomicBool,
}

impl Inner {
    fn command(&self, command: &[u8], key: &[u8], payload: &[u8]) -> Result<(), Error> {
        let outbox = self.outbox.lock().unwrap_or_else(|p| p.into_inner());
        let socket = outbox.as_ref().ok_or(Error::Closed)?;
        socket.send_multipart([command, key, payload], 0)?;
        Ok(())
    }
}

/// A zerorpc client connected to one endpoint. Share it between threads (`&Client` is enough).
pub struct Client {
    inner: Arc<Inner>,
    io: Option<JoinHandle<()>>,
}

impl std::fmt::Debug for Client {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Client")
            .field("endpoint", &self.inner.endpoint)
            .finish()
    }
}

impl Client {
    /// Connects a DEALER to `endpoint` (in the background: a server may come up later).
    pub fn connect(endpoint: &str, options: Options) -> Result<Client, Error> {
        let context = zmq::Context::new();
        let dealer = context.socket(zmq::DEALER)?;
        dealer.connect(endpoint)?;
        Client::start(context, dealer, endpoint.to_string(), options)
    }

    /// Binds the DEALER to `endpoint` instead, for servers that connect to us
    /// (`zerorpc-server --connect`).
    pub fn bind(endpoint: &str, options: Options) -> Result<Client, Error> {
        let context = zmq::Context::new();
        let dealer = context.socket(zmq::DEALER)?;
        dealer.bind(endpoint)?;
        let endpoint = common::zmq_util::last_endpoint(&dealer)?;
        Client::start(context, dealer, endpoint, options)
    }

    /// The endpoint connected or bound (a bound `tcp://…:*` with its port filled in).
    pub fn endpoint(&self) -> &str {
        &self.inner.endpoint
    }

    fn start(
        context: zmq::Context,
        dealer: zmq::Socket,
        endpoint: String,
        options: Options,
    ) -> Result<Client, Error> {
        dealer.set_linger(200)?;
        static INBOXES: AtomicU64 = AtomicU64::new(0);
        let inproc = format!(
            "inproc://zerorpc-client-{}",
            INBOXES.fetch_add(1, Ordering::Relaxed)
        );
        let pull = context.socket(zmq::PULL)?;
        pull.bind(&inproc)?;
        let push = context.socket(zmq::PUSH)?;
        push.set_linger(0)?;
        push.connect(&inproc)?;
        let events =
            zmq::SocketEvent::HANDSHAKE_SUCCEEDED as i32 | zmq::SocketEvent::DISCONNECTED as i32;
        let watched = format!("{inproc}-monitor");
        dealer.monitor(&watched, events)?;
        let monitor = context.socket(zmq::PAIR)?;
        monitor.connect(&watched)?;
        let inner = Arc::new(Inner {
            endpoint,
            options,
            calls: Mutex::new(HashMap::new()),
            outbox: Mutex::new(Some(push)),
            stop: AtomicBool::new(false),
            connected: AtomicBool::new(false),
            answered: AtomicBool::new(false),
        });
        let shared = Arc::clone(&inner);
        let io = std::thread::Builder::new()
            .name("zerorpc-client-io".into())
            .spawn(move || {
                if let Err(e) = io_loop(&shared, &dealer, &pull, &monitor) {
                    tracing::error!(error = %e, "the client's I/O thread stopped");
                }
                drop(context);
            })
            .map_err(|_| Error::Closed)?;
        Ok(Client {
            inner,
            io: Some(io),
        })
    }

    /// Calls `method(args…)` and waits for the answer. A stream's items are collected into an
    /// array; use [`Client::request`] to take them one at a time.
    pub fn call(&self, method: &str, args: Vec<Value>) -> Result<Value, Error> {
        match self.request(method, args)? {
            Reply::Value(value) => Ok(value),
            Reply::Stream(stream) => Ok(Value::Array(stream.collect::<Result<_, _>>()?)),
        }
    }

    /// Calls `method(args…)`; the answer is a value or a stream, whichever the server sent.
    pub fn request(&self, method: &str, args: Vec<Value>) -> Result<Reply, Error> {
        let (pending, request) = self.open(method, args)?;
        let first = pending.recv()?;
        for hook in &self.inner.options.hooks {
            hook.after_reply(&request, &first);
        }
        match first.name.as_str() {
            events::OK => match first.args {
                Value::Array(mut result) if result.len() == 1 => {
                    Ok(Reply::Value(result.pop().expect("one element")))
                }
                other => Err(pending.protocol(format!("OK with args {other}, not [result]"))),
            },
            events::ERR => Err(remote_error(&first.args)),
            events::STREAM => Ok(Reply::Stream(Stream {
                pending,
                first: Some(first.args),
                window: Window::default(),
                done: false,
            })),
            events::STREAM_DONE => Ok(Reply::Stream(Stream {
                pending,
                first: None,
                window: Window::default(),
                done: true,
            })),
            other => Err(pending.protocol(format!("an event named {other:?}"))),
        }
    }

    /// The server's `_zerorpc_inspect`: `{"name": …, "methods": {m: {"args": …, "doc": …}}}`.
    pub fn inspect(&self) -> Result<Value, Error> {
        self.call("_zerorpc_inspect", Vec::new())
    }

    /// Sends the call event and registers its mailbox.
    fn open(&self, method: &str, args: Vec<Value>) -> Result<(Pending, Event), Error> {
        let mut request = Event::new(method, Value::Array(args), None);
        for hook in &self.inner.options.hooks {
            hook.before_request(&mut request);
        }
        let key = id_key(&request.header.message_id);
        let (tx, rx) = mpsc::channel();
        self.inner
            .calls
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .insert(key.clone(), tx);
        let pending = Pending {
            inner: Arc::clone(&self.inner),
            id: request.header.message_id.clone(),
            key,
            rx,
            method: method.to_string(),
            heard: std::cell::Cell::new(false),
        };
        self.inner
            .command(b"open", &pending.key, &request.encode())?;
        Ok((pending, request))
    }
}

impl Drop for Client {
    fn drop(&mut self) {
        self.inner.stop.store(true, Ordering::SeqCst);
        self.inner
            .outbox
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .take();
        if let Some(io) = self.io.take() {
            // The I/O loop looks at `stop` every STOP_CHECK, so this join is short.
            let _ = io.join();
        }
    }
}

/// One open call, from the caller's side. Dropping it closes the conversation.
struct Pending {
    inner: Arc<Inner>,
    id: Value,
    key: Vec<u8>,
    rx: mpsc::Receiver<Incoming>,
    method: String,
    /// Whether anything (an event, a heartbeat) came back for this call yet.
    heard: std::cell::Cell<bool>,
}

impl std::fmt::Debug for Pending {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "Pending({})", self.method)
    }
}

impl Pending {
    /// The next event of the call, within the timeout. The error names the likely cause:
    /// no server at all, a server alive but slow, or a server that went silent.
    fn recv(&self) -> Result<Event, Error> {
        let options = &self.inner.options;
        let started = Instant::now();
        let deadline = started + options.timeout;
        loop {
            let left = deadline.saturating_duration_since(Instant::now());
            let incoming = self.rx.recv_timeout(left);
            let heard = self.heard.get();
            let answered = self.inner.answered.load(Ordering::Relaxed);
            let endpoint = self.inner.endpoint.clone();
            let method = self.method.clone();
            let heartbeat = options.heartbeat;
            return match incoming {
                Ok(Incoming::Event(event)) => {
                    self.heard.set(true);
                    Ok(event)
                }
                Ok(Incoming::Heard) => {
                    self.heard.set(true);
                    continue;
                }
                Ok(Incoming::Lost(silent)) if heard || answered => Err(Error::LostRemote {
                    endpoint,
                    method,
                    after: tenths(silent),
                    heartbeat,
                }),
                Ok(Incoming::Lost(_)) => Err(Error::NoAnswer {
                    endpoint,
                    method,
                    waited: tenths(started.elapsed()),
                    heartbeat,
                    connected: self.inner.connected.load(Ordering::Relaxed),
                }),
                Err(mpsc::RecvTimeoutError::Timeout) => {
                    let connected = self.inner.connected.load(Ordering::Relaxed);
                    if heard || connected {
                        Err(Error::Timeout {
                            endpoint,
                            method,
                            timeout: options.timeout,
                            heard,
                        })
                    } else if answered {
                        Err(Error::LostRemote {
                            endpoint,
                            method,
                            after: tenths(started.elapsed()),
                            heartbeat,
                        })
                    } else {
                        Err(Error::NoAnswer {
                            endpoint,
                            method,
                            waited: tenths(started.elapsed()),
                            heartbeat,
                            connected,
                        })
                    }
                }
                Err(mpsc::RecvTimeoutError::Disconnected) => Err(Error::Closed),
            };
        }
    }

    fn protocol(&self, what: String) -> Error {
        Error::Protocol {
            method: self.method.clone(),
            what,
        }
    }
}

impl Drop for Pending {
    fn drop(&mut self) {
        self.inner
            .calls
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .remove(&self.key);
        let _ = self.inner.command(b"close", &self.key, b"");
    }
}

/// `ERR [name, message, traceback]` as an [`Error::Remote`] (missing parts become "").
fn remote_error(args: &Value) -> Error {
    let part = |i: usize| {
        args.as_array()
            .and_then(|a| a.get(i))
            .map(|v| v.as_str().map_or_else(|| v.to_string(), str::to_string))
            .unwrap_or_default()
    };
    Error::Remote {
        name: part(0),
        message: part(1),
        traceback: part(2),
    }
}

/// The items of a streamed answer, in order. Each `next` may wait (up to the timeout) for the
/// server; an `ERR` mid-stream ends it with an error.
#[derive(Debug)]
pub struct Stream {
    pending: Pending,
    first: Option<Value>,
    /// The credit we grant the server (`_zpc_more`).
    window: Window,
    done: bool,
}

impl Iterator for Stream {
    type Item = Result<Value, Error>;

    fn next(&mut self) -> Option<Result<Value, Error>> {
        if self.done {
            return None;
        }
        if let Some(first) = self.first.take() {
            return Some(Ok(first));
        }
        if let Some(more) = self.window.grant() {
            let grant = Event::new(
                events::MORE,
                Value::Array(vec![Value::from(more)]),
                Some(self.pending.id.clone()),
            );
            if let Err(e) = self
                .pending
                .inner
                .command(b"send", &self.pending.key, &grant.encode())
            {
                self.done = true;
                return Some(Err(e));
            }
        }
        let event = match self.pending.recv() {
            Ok(event) => event,
            Err(e) => {
                self.done = true;
                return Some(Err(e));
            }
        };
        self.window.received();
        match event.name.as_str() {
            events::STREAM => Some(Ok(event.args)),
            events::STREAM_DONE => {
                self.done = true;
                None
            }
            events::ERR => {
                self.done = true;
                Some(Err(remote_error(&event.args)))
            }
            other => {
                self.done = true;
                Some(Err(self
                    .pending
                    .protocol(format!("an event named {other:?} in a stream"))))
            }
        }
    }
}

/// What the I/O thread keeps per open call, for heartbeats.
struct Open {
    id: Value,
    heartbeat: Heartbeat,
}

fn io_loop(
    inner: &Inner,
    dealer: &zmq::Socket,
    pull: &zmq::Socket,
    monitor: &zmq::Socket,
) -> Result<(), zmq::Error> {
    let interval = inner.options.heartbeat;
    let mut open: HashMap<Vec<u8>, Open> = HashMap::new();
    let mut peers = 0i64;
    while !inner.stop.load(Ordering::Relaxed) {
        let now = Instant::now();
        let wait = open
            .values()
            .map(|o| o.heartbeat.next_beat().saturating_duration_since(now))
            .min()
            .unwrap_or(STOP_CHECK)
            .min(STOP_CHECK);
        let (from_server, from_callers, from_monitor) = {
            let mut items = [
                dealer.as_poll_item(zmq::POLLIN),
                pull.as_poll_item(zmq::POLLIN),
                monitor.as_poll_item(zmq::POLLIN),
            ];
            match zmq::poll(&mut items, i64::try_from(wait.as_millis()).unwrap_or(0) + 1) {
                Ok(_) => {}
                Err(zmq::Error::EINTR) => continue,
                Err(e) => return Err(e),
            }
            let readable = |i: usize| items[i].is_readable();
            (readable(0), readable(1), readable(2))
        };
        // The monitor's events: [u16 event + u32 value, endpoint].
        for _ in 0..if from_monitor { 16 } else { 0 } {
            let Ok(frames) = monitor.recv_multipart(zmq::DONTWAIT) else {
                break;
            };
            let id = frames
                .first()
                .and_then(|f| f.get(..2))
                .map(|b| [b[0], b[1]]);
            match id.map(|id| zmq::SocketEvent::from_raw(u16::from_le_bytes(id))) {
                Some(zmq::SocketEvent::HANDSHAKE_SUCCEEDED) => peers += 1,
                Some(zmq::SocketEvent::DISCONNECTED) => peers = (peers - 1).max(0),
                _ => {}
            }
            inner.connected.store(peers > 0, Ordering::Relaxed);
        }
        for _ in 0..if from_callers { 256 } else { 0 } {
            let frames = match pull.recv_multipart(zmq::DONTWAIT) {
                Ok(frames) => frames,
                Err(zmq::Error::EAGAIN) => break,
                Err(e) => return Err(e),
            };
            let [command, key, payload] = <[Vec<u8>; 3]>::try_from(frames).expect("3 frames");
            match command.as_slice() {
                b"open" => {
                    let id = rmpv::decode::read_value(&mut key.as_slice()).expect("our own id");
                    let now = Instant::now();
                    open.insert(
                        key,
                        Open {
                            id,
                            heartbeat: Heartbeat::new(interval, now),
                        },
                    );
                    events::send(dealer, &[], &payload)?;
                }
                b"send" => events::send(dealer, &[], &payload)?,
                _ => {
                    open.remove(&key);
                }
            }
        }
        for _ in 0..if from_server { 256 } else { 0 } {
            let frames = match dealer.recv_multipart(zmq::DONTWAIT) {
                Ok(frames) => frames,
                Err(zmq::Error::EAGAIN) => break,
                Err(e) => return Err(e),
            };
            let Some(payload) = frames.last() else {
                continue;
            };
            let event = match Event::decode(payload) {
                Ok(event) => event,
                Err(e) => {
                    tracing::warn!(error = %e, "dropped a message from the server that is not a zerorpc event");
                    continue;
                }
            };
            let Some(key) = event.header.response_to.as_ref().map(id_key) else {
                tracing::warn!(name = %event.name, "dropped an event without response_to");
                continue;
            };
            inner.answered.store(true, Ordering::Relaxed);
            let first = open
                .get_mut(&key)
                .is_some_and(|o| o.heartbeat.heard(Instant::now()));
            if event.name == events::HEARTBEAT {
                if first {
                    if let Some(mailbox) = inner
                        .calls
                        .lock()
                        .unwrap_or_else(|p| p.into_inner())
                        .get(&key)
                    {
                        let _ = mailbox.send(Incoming::Heard);
                    }
                }
                continue;
            }
            if event.name == events::MORE {
                continue; // credit for our sending: we never stream to a server
            }
            let calls = inner.calls.lock().unwrap_or_else(|p| p.into_inner());
            match calls.get(&key) {
                Some(mailbox) => {
                    let _ = mailbox.send(Incoming::Event(event));
                }
                // zerorpc-python logs "unable to route event" here; so do we.
                None => {
                    tracing::debug!(name = %event.name, "unable to route an event (no open call with that id)")
                }
            }
        }
        let now = Instant::now();
        let mut lost = Vec::new();
        // Before the server's first heartbeat we wait at least zerorpc's default two
        // intervals, so that a shorter --heartbeat than the server's is not mistaken for a
        // dead server before it had a chance to speak.
        let first_contact = interval.max(crate::HEARTBEAT_INTERVAL) * 2;
        for (key, o) in &mut open {
            if let Some(silence) = o.heartbeat.lost(now, first_contact) {
                lost.push((key.clone(), silence));
            } else if o.heartbeat.due(now) {
                let hb = heartbeat::event(o.id.clone());
                events::send(dealer, &[], &hb.encode())?;
            }
        }
        for (key, silent) in lost {
            open.remove(&key);
            if let Some(mailbox) = inner
                .calls
                .lock()
                .unwrap_or_else(|p| p.into_inner())
                .get(&key)
            {
                let _ = mailbox.send(Incoming::Lost(silent));
            }
        }
    }
    Ok(())
}
