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

use crate::event::{self, id_key, Event};

/// How often the I/O thread looks at its stop flag when nothing happens.
const STOP_CHECK: Duration = Duration::from_millis(100);

/// How a client behaves; `Options::default()` is zerorpc's (30 s timeout, 5 s heartbeat).
#[derive(Debug, Clone)]
pub struct Options {
    /// How long a call waits for its answer (and a stream for each item).
    pub timeout: Duration,
    pub heartbeat: Duration,
    /// Extra header keys sent with every call, e.g. `access_key`.
    pub header: Vec<(String, Value)>,
}

impl Default for Options {
    fn default() -> Options {
        Options {
            timeout: crate::CALL_TIMEOUT,
            heartbeat: crate::HEARTBEAT_INTERVAL,
            header: Vec::new(),
        }
    }
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
    #[error("no answer from {endpoint} within {} calling {method} — is zerorpc-server running?", common::endpoints::human(*.timeout))]
    Timeout {
        endpoint: String,
        method: String,
        timeout: Duration,
    },
    #[error("lost remote {endpoint}: no heartbeat for {} while calling {method} — did the server die?", common::endpoints::human(*.after))]
    LostRemote {
        endpoint: String,
        method: String,
        after: Duration,
    },
    #[error("unexpected answer to {method}: {what}")]
    Protocol { method: String, what: String },
    #[error("the client is closed")]
    Closed,
    #[error(transparent)]
    Zmq(#[from] zmq::Error),
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
    Lost,
}

struct Inner {
    endpoint: String,
    options: Options,
    /// Open calls: the MessagePack bytes of the call's id → its mailbox.
    calls: Mutex<HashMap<Vec<u8>, mpsc::Sender<Incoming>>>,
    /// To the I/O thread: `[command, call key, payload]`; `None` once closed.
    outbox: Mutex<Option<zmq::Socket>>,
    stop: AtomicBool,
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
        dealer.set_linger(200)?;
        dealer.connect(endpoint)?;
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
        let inner = Arc::new(Inner {
            endpoint: endpoint.to_string(),
            options,
            calls: Mutex::new(HashMap::new()),
            outbox: Mutex::new(Some(push)),
            stop: AtomicBool::new(false),
        });
        let shared = Arc::clone(&inner);
        let io = std::thread::Builder::new()
            .name("zerorpc-client-io".into())
            .spawn(move || {
                if let Err(e) = io_loop(&shared, &dealer, &pull) {
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
        let pending = self.open(method, args)?;
        let first = pending.recv()?;
        match first.name.as_str() {
            event::OK => match first.args {
                Value::Array(mut result) if result.len() == 1 => {
                    Ok(Reply::Value(result.pop().expect("one element")))
                }
                other => Err(pending.protocol(format!("OK with args {other}, not [result]"))),
            },
            event::ERR => Err(remote_error(&first.args)),
            event::STREAM => Ok(Reply::Stream(Stream {
                pending,
                first: Some(first.args),
                reserved: 0,
                done: false,
            })),
            event::STREAM_DONE => Ok(Reply::Stream(Stream {
                pending,
                first: None,
                reserved: 0,
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
    fn open(&self, method: &str, args: Vec<Value>) -> Result<Pending, Error> {
        let mut request = Event::new(method, Value::Array(args), None);
        for (key, value) in &self.inner.options.header {
            request
                .header
                .fields
                .push((key.as_str().into(), value.clone()));
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
        };
        self.inner
            .command(b"open", &pending.key, &request.encode())?;
        Ok(pending)
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
}

impl std::fmt::Debug for Pending {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "Pending({})", self.method)
    }
}

impl Pending {
    fn recv(&self) -> Result<Event, Error> {
        let timeout = self.inner.options.timeout;
        match self.rx.recv_timeout(timeout) {
            Ok(Incoming::Event(event)) => Ok(event),
            Ok(Incoming::Lost) => Err(Error::LostRemote {
                endpoint: self.inner.endpoint.clone(),
                method: self.method.clone(),
                after: self.inner.options.heartbeat * 2,
            }),
            Err(mpsc::RecvTimeoutError::Timeout) => Err(Error::Timeout {
                endpoint: self.inner.endpoint.clone(),
                method: self.method.clone(),
                timeout,
            }),
            Err(mpsc::RecvTimeoutError::Disconnected) => Err(Error::Closed),
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
    /// Events the server may still send before it needs more credit (zerorpc-python's
    /// `_input_queue_reserved`).
    reserved: usize,
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
        if self.reserved < crate::STREAM_BUFFER / 2 {
            let more = crate::STREAM_BUFFER - self.reserved;
            let grant = Event::new(
                event::MORE,
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
            self.reserved = crate::STREAM_BUFFER;
        }
        let event = match self.pending.recv() {
            Ok(event) => event,
            Err(e) => {
                self.done = true;
                return Some(Err(e));
            }
        };
        self.reserved = self.reserved.saturating_sub(1);
        match event.name.as_str() {
            event::STREAM => Some(Ok(event.args)),
            event::STREAM_DONE => {
                self.done = true;
                None
            }
            event::ERR => {
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
    last_heard: Instant,
    next_heartbeat: Instant,
}

fn io_loop(inner: &Inner, dealer: &zmq::Socket, pull: &zmq::Socket) -> Result<(), zmq::Error> {
    let interval = inner.options.heartbeat;
    let mut open: HashMap<Vec<u8>, Open> = HashMap::new();
    while !inner.stop.load(Ordering::Relaxed) {
        let now = Instant::now();
        let wait = open
            .values()
            .map(|o| o.next_heartbeat.saturating_duration_since(now))
            .min()
            .unwrap_or(STOP_CHECK)
            .min(STOP_CHECK);
        let (from_server, from_callers) = {
            let mut items = [
                dealer.as_poll_item(zmq::POLLIN),
                pull.as_poll_item(zmq::POLLIN),
            ];
            match zmq::poll(&mut items, i64::try_from(wait.as_millis()).unwrap_or(0) + 1) {
                Ok(_) => {}
                Err(zmq::Error::EINTR) => continue,
                Err(e) => return Err(e),
            }
            (items[0].is_readable(), items[1].is_readable())
        };
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
                            last_heard: now,
                            next_heartbeat: now + interval,
                        },
                    );
                    dealer.send_multipart([&b""[..], &payload], 0)?;
                }
                b"send" => dealer.send_multipart([&b""[..], &payload], 0)?,
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
            if event.name == event::HEARTBEAT {
                if let Some(o) = open.get_mut(&key) {
                    o.last_heard = Instant::now();
                }
                continue;
            }
            if event.name == event::MORE {
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
        for (key, o) in &mut open {
            if now > o.last_heard + interval * 2 {
                lost.push(key.clone());
            } else if now >= o.next_heartbeat {
                o.next_heartbeat = now + interval;
                let hb = Event::new(
                    event::HEARTBEAT,
                    Value::Array(vec![0.into()]),
                    Some(o.id.clone()),
                );
                dealer.send_multipart([&b""[..], &hb.encode()], 0)?;
            }
        }
        for key in lost {
            open.remove(&key);
            if let Some(mailbox) = inner
                .calls
                .lock()
                .unwrap_or_else(|p| p.into_inner())
                .get(&key)
            {
                let _ = mailbox.send(Incoming::Lost);
            }
        }
    }
    Ok(())
}
