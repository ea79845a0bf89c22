//! The server half of the framework. You register functions and middleware; the framework
//! owns the rest — the ROUTER socket, the loop, message ids, heartbeats, stream credit and
//! the threads. That is Inversion of Control: the framework calls your code, not the other
//! way round (demo6's `serve` loop was ours to write; here there is none in the binary).
//!
//! How it runs (one I/O thread, a worker thread per running call, reused: [`crate::workers`]):
//! - the **I/O thread** owns the ROUTER socket (a ZeroMQ socket must stay on one thread). It
//!   reads events, starts a worker for each new call, counts `_zpc_more` credit, notes
//!   `_zpc_hb` heartbeats, sends our heartbeats every [`crate::HEARTBEAT_INTERVAL`] on every
//!   open conversation, and declares a client lost after two silent intervals;
//! - a **worker** runs the middleware chain and the method, then hands its answer back to the
//!   I/O thread through an `inproc://` PUSH/PULL pair (polled together with the ROUTER), so
//!   a slow call never blocks a fast one. A streaming worker waits for credit before each
//!   item, so it never overruns a Python client's 100-event buffer.
//!
//! A conversation is keyed by the client's ZeroMQ identity and the id of its first event
//! (compared as MessagePack bytes, so a bin id and a str id with the same letters differ).

use std::collections::{BTreeMap, HashMap};
use std::io::Write;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{Arc, Condvar, Mutex};
use std::time::{Duration, Instant};

use rmpv::Value;

use crate::event::{self, id_key, Event};
use crate::method::{Answer, Failure, Method, Signature, StreamMethod};
use crate::middleware::{self, Call, Middleware, Outcome};
use crate::workers::Workers;

/// How often the loop looks at its stop flag when nothing happens.
const STOP_CHECK: Duration = Duration::from_millis(100);
/// At most this many calls run at once; more get `ERR ServerBusy` (each running call has a
/// thread of its own).
pub const MAX_IN_FLIGHT: usize = 1024;
/// After `quit()`, the calls still running get this long to finish before they are handed
/// back with `ERR ServerStopping` (the `quit` call itself is answered first).
const QUIT_GRACE: Duration = Duration::from_secs(1);
/// Sockets are closed with this linger when the server stops: replies already queued get a
/// moment to leave, a dead client cannot hold the process.
const LINGER_MS: i32 = 200;

/// A registered method: its signature for `_zerorpc_inspect`, and the type-erased call.
struct Registered {
    args: Vec<String>,
    doc: String,
    call: Box<dyn Fn(Vec<Value>) -> Outcome + Send + Sync>,
}

/// A zerorpc server being assembled: name, methods, middleware.
pub struct Server {
    name: String,
    methods: BTreeMap<String, Registered>,
    middleware: Vec<Box<dyn Middleware>>,
    heartbeat: Duration,
    console: Option<Mutex<Box<dyn Write + Send>>>,
    /// Raised by the `quit()` method ([`Server::allow_quit`]).
    quitting: Arc<AtomicBool>,
}

impl std::fmt::Debug for Server {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Server")
            .field("name", &self.name)
            .field("methods", &self.methods.keys().collect::<Vec<_>>())
            .finish()
    }
}

impl Server {
    /// A server called `name` (what `_zerorpc_name` and `_zerorpc_ping` answer).
    pub fn new(name: impl Into<String>) -> Server {
        Server {
            name: name.into(),
            methods: BTreeMap::new(),
            middleware: Vec::new(),
            heartbeat: crate::HEARTBEAT_INTERVAL,
            console: None,
            quitting: Arc::new(AtomicBool::new(false)),
        }
    }

    fn register(
        mut self,
        signature: &str,
        doc: &str,
        arity: usize,
        call: Box<dyn Fn(Vec<Value>) -> Outcome + Send + Sync>,
    ) -> Server {
        let Signature { name, params: args } = Signature::parse(signature);
        assert_eq!(
            args.len(),
            arity,
            "the signature {signature:?} names {} argument(s), the function takes {arity}",
            args.len()
        );
        let doc = doc.to_string();
        self.methods.insert(name, Registered { args, doc, call });
        self
    }

    /// Registers a plain function under `signature` (`"add(a, b)"`: its name and the names
    /// `_zerorpc_inspect` shows for its arguments), with a one-line `doc`.
    pub fn method<P, M: Method<P>>(self, signature: &str, doc: &str, function: M) -> Server {
        let parsed = Signature::parse(signature);
        let call = move |args| function.invoke(&parsed, args).map(Answer::Value);
        self.register(signature, doc, M::ARITY, Box::new(call))
    }

    /// Registers a function returning an iterator: each item goes out as a `STREAM` event.
    pub fn stream<P, M: StreamMethod<P>>(self, signature: &str, doc: &str, function: M) -> Server {
        let parsed = Signature::parse(signature);
        let call = move |args| function.invoke(&parsed, args).map(Answer::Stream);
        self.register(signature, doc, M::ARITY, Box::new(call))
    }

    /// Adds a middleware around every call (the first added is the outermost).
    pub fn around(mut self, middleware: impl Middleware) -> Server {
        self.middleware.push(Box::new(middleware));
        self
    }

    /// Adds `quit()`: it answers `null`, then the server stops as on Ctrl-C (the calls in hand
    /// get a second to finish). zerorpc's cross-implementation tests end with it.
    pub fn allow_quit(self) -> Server {
        let quitting = Arc::clone(&self.quitting);
        let quit = move || {
            quitting.store(true, Ordering::SeqCst);
            Ok(Value::Nil)
        };
        self.method("quit()", "answers null, then stops the server", quit)
    }

    /// Another heartbeat interval than zerorpc's 5 s (both sides must agree: a peer is lost
    /// after two intervals without a heartbeat).
    pub fn heartbeat(mut self, interval: Duration) -> Server {
        self.heartbeat = interval;
        self
    }

    /// Where the console lines go (`add(2, 3) = 5`, one per call); none by default.
    pub fn console(mut self, out: impl Write + Send + 'static) -> Server {
        self.console = Some(Mutex::new(Box::new(out)));
        self
    }

    /// The registered method names, sorted (what `_zerorpc_list` answers).
    pub fn names(&self) -> Vec<&str> {
        self.methods.keys().map(String::as_str).collect()
    }

    /// Binds a ROUTER socket to `endpoint` (`tcp://127.0.0.1:*` picks a free port).
    pub fn bind(self, context: &zmq::Context, endpoint: &str) -> Result<Bound, zmq::Error> {
        let router = context.socket(zmq::ROUTER)?;
        router.bind(endpoint)?;
        let endpoint = common::zmq_util::last_endpoint(&router)?;
        self.serve_on(context, router, endpoint)
    }

    /// Connects the ROUTER to `endpoint` instead, where a client bound (`zerorpc-client
    /// --bind`): the layout where workers come and go and the client stays put.
    pub fn connect(self, context: &zmq::Context, endpoint: &str) -> Result<Bound, zmq::Error> {
        let router = context.socket(zmq::ROUTER)?;
        router.connect(endpoint)?;
        self.serve_on(context, router, endpoint.to_string())
    }

    fn serve_on(
        self,
        context: &zmq::Context,
        router: zmq::Socket,
        endpoint: String,
    ) -> Result<Bound, zmq::Error> {
        router.set_linger(LINGER_MS)?;
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
            server: Arc::new(self),
            router,
            pull,
            outbox: Arc::new(Mutex::new(Some(push))),
            endpoint,
        })
    }

    /// Answers one call: built-ins first, then the registered methods.
    fn dispatch(&self, call: &Call) -> Outcome {
        let value = |v: Value| Ok(Answer::Value(v));
        match call.method {
            "_zerorpc_ping" => value(Value::Array(vec!["pong".into(), self.name.as_str().into()])),
            "_zerorpc_name" => value(self.name.as_str().into()),
            "_zerorpc_list" => value(Value::Array(
                self.names().into_iter().map(Value::from).collect(),
            )),
            "_zerorpc_inspect" => value(self.inspect()),
            "_zerorpc_help" => {
                let name = call.args.first().and_then(Value::as_str).unwrap_or("");
                match self.methods.get(name) {
                    Some(m) => value(m.doc.as_str().into()),
                    None => Err(Failure::new("NameError", name)),
                }
            }
            // Python's `inspect.getargspec(f)`: `[args, varargs, keywords, defaults]`.
            "_zerorpc_args" => {
                let name = call.args.first().and_then(Value::as_str).unwrap_or("");
                match self.methods.get(name) {
                    Some(m) => {
                        let args = m.args.iter().map(|a| Value::from(a.as_str())).collect();
                        value(Value::Array(vec![
                            Value::Array(args),
                            Value::Nil,
                            Value::Nil,
                            Value::Nil,
                        ]))
                    }
                    None => Err(Failure::new("NameError", name)),
                }
            }
            name => match self.methods.get(name) {
                Some(method) => (method.call)(call.args.to_vec()),
                // zerorpc-python raises NameError(name): the message is the bare name.
                None => Err(Failure::new("NameError", name)),
            },
        }
    }

    /// `{"name": …, "methods": {m: {"args": [{"name": a}], "doc": …}}}`, as zerorpc-python.
    fn inspect(&self) -> Value {
        let methods = self
            .methods
            .iter()
            .map(|(name, m)| {
                let args = m
                    .args
                    .iter()
                    .map(|a| Value::Map(vec![("name".into(), a.as_str().into())]))
                    .collect();
                let detail = vec![
                    ("args".into(), Value::Array(args)),
                    ("doc".into(), m.doc.as_str().into()),
                ];
                (Value::from(name.as_str()), Value::Map(detail))
            })
            .collect();
        Value::Map(vec![
            ("name".into(), self.name.as_str().into()),
            ("methods".into(), Value::Map(methods)),
        ])
    }

    /// The line where the framework calls your code: the middleware chain around the method.
    /// A method that panics is a bug in it, not a reason to leave the client waiting.
    fn call(&self, call: &Call) -> Outcome {
        std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
            middleware::run(&self.middleware, call, &|call| self.dispatch(call))
        }))
        .unwrap_or_else(|_| {
            Err(Failure::new(
                "Panic",
                format!("the method {:?} panicked", call.method),
            ))
        })
    }

    /// One event of a pattern without replies ([`crate::patterns::Puller`]): middleware and
    /// method run as for a call and the console line says what came of it, but the answer
    /// goes nowhere (a stream is read to its end for its side effects; a failure is logged).
    pub(crate) fn consume(&self, event: Event) {
        let method = event.name.as_str();
        let Value::Array(args) = &event.args else {
            tracing::warn!(method, args = %event.args, "dropped an event whose args are not an array");
            return;
        };
        let call = Call {
            method,
            args,
            header: &event.header,
        };
        let shown = display_call(method, args);
        match self.call(&call) {
            Ok(Answer::Value(value)) => self.print(&format!("{shown} = {}", display(&value))),
            Ok(Answer::Stream(items)) => {
                let count = items.filter(Result::is_ok).count();
                self.print(&format!("{shown} = stream of {count} items"));
            }
            Err(failure) => {
                tracing::warn!(%failure, "{shown} failed; no reply in this pattern");
                self.print(&format!("{shown} = ERR {failure}"));
            }
        }
    }

    fn print(&self, line: &str) {
        if let Some(console) = &self.console {
            let mut out = console.lock().unwrap_or_else(|p| p.into_inner());
            let _ = writeln!(out, "{line}");
            let _ = out.flush();
        }
    }
}

/// `add(2, 3)`: a call as the console line shows it.
pub fn display_call(method: &str, args: &[Value]) -> String {
    let args: Vec<String> = args.iter().map(display).collect();
    format!("{method}({})", args.join(", "))
}

/// A value as the console line shows it: rmpv's text, except that bin reads as Python's
/// bytes (`b'random bytes'`, not a list of numbers) and a float as Rust's shortest form
/// (`1e308`, not 309 digits).
pub fn display(value: &Value) -> String {
    match value {
        Value::Binary(bytes) => {
            let text: String = bytes
                .iter()
                .map(|&b| match b {
                    b'\\' | b'\'' => format!("\\{}", b as char),
                    b' '..=b'~' => (b as char).to_string(),
                    b'\n' => "\\n".into(),
                    _ => format!("\\x{b:02x}"),
                })
                .collect();
            format!("b'{text}'")
        }
        Value::F64(f) => format!("{f:?}"),
        Value::F32(f) => format!("{f:?}"),
        Value::Array(items) => {
            let items: Vec<String> = items.iter().map(display).collect();
            format!("[{}]", items.join(", "))
        }
        Value::Map(entries) => {
            let entries: Vec<String> = entries
                .iter()
                .map(|(k, v)| format!("{}: {}", display(k), display(v)))
                .collect();
            format!("{{{}}}", entries.join(", "))
        }
        other => other.to_string(),
    }
}

/// A server with its socket bound, ready to [`Bound::run`].
pub struct Bound {
    server: Arc<Server>,
    router: zmq::Socket,
    pull: zmq::Socket,
    /// Workers send their events here; `None` once the server stopped.
    outbox: Arc<Mutex<Option<zmq::Socket>>>,
    endpoint: String,
}

impl std::fmt::Debug for Bound {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Bound")
            .field("endpoint", &self.endpoint)
            .finish()
    }
}

/// The part of a conversation a worker shares with the I/O thread: the credit it may spend.
struct Channel {
    id: u64,
    request_id: Value,
    credit: Mutex<Credit>,
    changed: Condvar,
    outbox: Arc<Mutex<Option<zmq::Socket>>>,
}

struct Credit {
    /// Events we may still send: 1 at first, `_zpc_more [n]` adds n (zerorpc's BufferedChannel).
    slots: i64,
    /// Set when the client is lost or the server stops: the worker gives up.
    closed: bool,
}

impl Channel {
    /// Sends one event of this conversation once there is credit; `false` if it is closed.
    fn send(&self, name: &str, args: Value, last: bool) -> bool {
        {
            let mut credit = self.credit.lock().unwrap_or_else(|p| p.into_inner());
            while credit.slots <= 0 && !credit.closed {
                credit = self
                    .changed
                    .wait_timeout(credit, STOP_CHECK)
                    .unwrap_or_else(|p| p.into_inner())
                    .0;
            }
            if credit.closed {
                return false;
            }
            credit.slots -= 1;
        }
        let payload = Event::new(name, args, Some(self.request_id.clone())).encode();
        let outbox = self.outbox.lock().unwrap_or_else(|p| p.into_inner());
        let Some(socket) = outbox.as_ref() else {
            return false;
        };
        let frames = [&self.id.to_be_bytes()[..], &[u8::from(last)], &payload];
        socket.send_multipart(frames, 0).is_ok()
    }

    fn close(&self) {
        self.credit.lock().unwrap_or_else(|p| p.into_inner()).closed = true;
        self.changed.notify_all();
    }
}

/// What the I/O thread keeps per open conversation.
struct Conversation {
    identity: Vec<Vec<u8>>,
    key: Vec<u8>,
    method: String,
    channel: Arc<Channel>,
    last_heard: Instant,
    next_heartbeat: Instant,
}

impl Bound {
    /// The endpoint actually bound (the port filled in).
    pub fn endpoint(&self) -> &str {
        &self.endpoint
    }

    /// Serves until `stop` is raised. Never returns early on a bad message: it is logged and
    /// dropped, or answered with `ERR`.
    pub fn run(self, stop: &AtomicBool) -> Result<(), zmq::Error> {
        let mut state = State {
            server: Arc::clone(&self.server),
            router: &self.router,
            outbox: Arc::clone(&self.outbox),
            conversations: HashMap::new(),
            by_key: HashMap::new(),
            next_id: 0,
            workers: Workers::new(),
        };
        let result = state.serve(&self.pull, stop);
        // Hand back the calls in hand: each open one gets an ERR now (sent within the
        // socket's linger) instead of a LostRemote 10 s later.
        let stopping = stopping();
        for conversation in state.conversations.values() {
            conversation.channel.close();
            let request_id = conversation.channel.request_id.clone();
            let err = Event::new(
                event::ERR,
                stopping.to_args(&conversation.method),
                Some(request_id),
            );
            let _ = send(&self.router, &conversation.identity, &err.encode());
        }
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
    server: Arc<Server>,
    router: &'a zmq::Socket,
    outbox: Arc<Mutex<Option<zmq::Socket>>>,
    conversations: HashMap<u64, Conversation>,
    by_key: HashMap<(Vec<Vec<u8>>, Vec<u8>), u64>,
    next_id: u64,
    workers: Workers,
}

impl State<'_> {
    fn serve(&mut self, pull: &zmq::Socket, stop: &AtomicBool) -> Result<(), zmq::Error> {
        let mut quit_deadline = None;
        while !stop.load(Ordering::Relaxed) {
            // After quit(): serve on until the calls in hand (quit's own answer first) are
            // answered, or the grace period is over.
            if self.server.quitting.load(Ordering::Relaxed) {
                let deadline = *quit_deadline.get_or_insert_with(|| Instant::now() + QUIT_GRACE);
                if self.conversations.is_empty() || Instant::now() >= deadline {
                    break;
                }
            }
            let timeout = self.until_next_tick();
            let (from_clients, from_workers) = {
                let mut items = [
                    self.router.as_poll_item(zmq::POLLIN),
                    pull.as_poll_item(zmq::POLLIN),
                ];
                match zmq::poll(&mut items, timeout) {
                    Ok(_) => {}
                    Err(zmq::Error::EINTR) => continue, // Ctrl-C: look at the flag
                    Err(e) => return Err(e),
                }
                (items[0].is_readable(), items[1].is_readable())
            };
            // Read what is there, a bounded batch each, so neither side starves the other.
            for _ in 0..if from_clients { 256 } else { 0 } {
                match self.router.recv_multipart(zmq::DONTWAIT) {
                    Ok(frames) => self.on_client(frames),
                    Err(zmq::Error::EAGAIN) => break,
                    Err(e) => return Err(e),
                }
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

    /// Milliseconds until the next heartbeat is due (at most [`STOP_CHECK`]).
    fn until_next_tick(&self) -> i64 {
        let now = Instant::now();
        let next = self
            .conversations
            .values()
            .map(|c| c.next_heartbeat.saturating_duration_since(now))
            .min()
            .unwrap_or(STOP_CHECK)
            .min(STOP_CHECK);
        i64::try_from(next.as_millis()).unwrap_or(0) + 1
    }

    /// One message from a client: `[identity…, "", payload]` (or without the empty frame).
    fn on_client(&mut self, mut frames: Vec<Vec<u8>>) {
        let Some(payload) = frames.pop() else { return };
        if frames.last().is_some_and(Vec::is_empty) {
            frames.pop();
        }
        if frames.is_empty() {
            tracing::warn!("dropped a message without a ZeroMQ identity");
            return;
        }
        let identity = frames;
        let event = match Event::decode(&payload) {
            Ok(event) => event,
            Err(e) => {
                tracing::warn!(error = %e, bytes = payload.len(), "dropped a message that is not a zerorpc event");
                return;
            }
        };
        match &event.header.response_to {
            Some(to) => self.on_channel_event(identity, id_key(to), &event),
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
            event::HEARTBEAT => conversation.last_heard = Instant::now(),
            event::MORE => {
                let more = event.args.as_array().and_then(|a| a.first()?.as_u64());
                match more.and_then(|n| i64::try_from(n).ok()) {
                    Some(n) => {
                        let channel = &conversation.channel;
                        let mut credit = channel.credit.lock().unwrap_or_else(|p| p.into_inner());
                        credit.slots = credit.slots.saturating_add(n);
                        channel.changed.notify_all();
                    }
                    None => {
                        tracing::warn!(args = %event.args, "_zpc_more without a count; ignored")
                    }
                }
            }
            other => tracing::debug!(name = other, "unexpected event in a conversation; ignored"),
        }
    }

    /// A new call: a conversation opens and a worker thread answers it.
    fn on_call(&mut self, identity: Vec<Vec<u8>>, event: Event) {
        let key = id_key(&event.header.message_id);
        if self.by_key.contains_key(&(identity.clone(), key.clone())) {
            tracing::warn!(method = %event.name, "a second call with the id of an open one; ignored");
            return;
        }
        self.next_id += 1;
        let id = self.next_id;
        let channel = Arc::new(Channel {
            id,
            request_id: event.header.message_id.clone(),
            credit: Mutex::new(Credit {
                slots: 1,
                closed: false,
            }),
            changed: Condvar::new(),
            outbox: Arc::clone(&self.outbox),
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
                last_heard: now,
                next_heartbeat: now + self.server.heartbeat,
            },
        );
        if self.workers.busy() >= MAX_IN_FLIGHT {
            let busy = Failure::new(
                "ServerBusy",
                format!("{MAX_IN_FLIGHT} calls already running; try again"),
            );
            channel.send(event::ERR, busy.to_args(&event.name), true);
            return;
        }
        if self.server.quitting.load(Ordering::Relaxed) {
            channel.send(event::ERR, stopping().to_args(&event.name), true);
            return;
        }
        let server = Arc::clone(&self.server);
        if let Err(e) = self.workers.run(move || answer(&server, &channel, event)) {
            tracing::error!(error = %e, "cannot start a thread for a call; it gets no answer");
        }
    }

    /// An event a worker wants sent: `[conversation id, last?, payload]`.
    fn on_worker(&mut self, frames: Vec<Vec<u8>>) -> Result<(), zmq::Error> {
        let [id, last, payload] = <[Vec<u8>; 3]>::try_from(frames).expect("workers send 3 frames");
        let id = u64::from_be_bytes(id.try_into().expect("an 8-byte conversation id"));
        let Some(conversation) = self.conversations.get(&id) else {
            return Ok(()); // lost meanwhile
        };
        send(self.router, &conversation.identity, &payload)?;
        if last == [1] {
            self.close(id);
        }
        Ok(())
    }

    /// Sends our heartbeats that are due, and drops the conversations whose client went quiet.
    fn heartbeats(&mut self) -> Result<(), zmq::Error> {
        let now = Instant::now();
        let interval = self.server.heartbeat;
        let mut lost = Vec::new();
        for (id, conversation) in &mut self.conversations {
            if now > conversation.last_heard + interval * 2 {
                lost.push(*id);
                continue;
            }
            if now >= conversation.next_heartbeat {
                conversation.next_heartbeat = now + interval;
                let request_id = conversation.channel.request_id.clone();
                let hb = Event::new(
                    event::HEARTBEAT,
                    Value::Array(vec![0.into()]),
                    Some(request_id),
                );
                send(self.router, &conversation.identity, &hb.encode())?;
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
            conversation.channel.close();
            self.by_key
                .remove(&(conversation.identity, conversation.key));
        }
    }
}

/// `[identity…, "", payload]` on the ROUTER. A client that is gone is no error: ROUTER drops
/// messages for unknown identities.
fn send(router: &zmq::Socket, identity: &[Vec<u8>], payload: &[u8]) -> Result<(), zmq::Error> {
    let mut frames: Vec<&[u8]> = identity.iter().map(Vec::as_slice).collect();
    frames.push(b"");
    frames.push(payload);
    router.send_multipart(frames, 0)
}

/// A worker: middleware, method, then the answer event(s) and the console line.
fn answer(server: &Server, channel: &Channel, event: Event) {
    let method = event.name.as_str();
    // zerorpc-python reads a header without `v` as protocol 1, whose ERR is one string.
    let v1 = match event.header.get("v") {
        None => true,
        Some(v) => v.as_i64().is_some_and(|v| v < 2),
    };
    let err = |failure: &Failure| {
        if v1 {
            failure.to_args_v1()
        } else {
            failure.to_args(method)
        }
    };
    let args = match event.args {
        Value::Array(args) => args,
        other => {
            let why = format!(
                "a call's args must be an array, got {}",
                demo5_msgpack::kind(&other)
            );
            let failure = Failure::new("TypeError", why);
            server.print(&format!("{method}(?) = ERR {failure}"));
            channel.send(event::ERR, err(&failure), true);
            return;
        }
    };
    let call = Call {
        method,
        args: &args,
        header: &event.header,
    };
    let shown = display_call(method, &args);
    match server.call(&call) {
        Ok(Answer::Value(value)) => {
            server.print(&format!("{shown} = {}", display(&value)));
            channel.send(event::OK, Value::Array(vec![value]), true);
        }
        Ok(Answer::Stream(items)) => {
            let mut count = 0usize;
            for item in items {
                match item {
                    Ok(value) => {
                        if !channel.send(event::STREAM, value, false) {
                            server
                                .print(&format!("{shown} = stream abandoned after {count} items"));
                            return;
                        }
                        count += 1;
                    }
                    Err(failure) => {
                        server.print(&format!("{shown} = ERR {failure} after {count} items"));
                        channel.send(event::ERR, err(&failure), true);
                        return;
                    }
                }
            }
            server.print(&format!("{shown} = stream of {count} items"));
            channel.send(event::STREAM_DONE, Value::Nil, true);
        }
        Err(failure) => {
            server.print(&format!("{shown} = ERR {failure}"));
            channel.send(event::ERR, err(&failure), true);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_console_shows_bytes_as_python_does() {
        let call = display_call("echo", &[Value::Binary(b"random bytes\x00'".to_vec())]);
        assert_eq!(call, r"echo(b'random bytes\x00\'')");
        assert_eq!(display(&Value::from(1e308)), "1e308");
        assert_eq!(
            display(&Value::Array(vec![0.5.into(), "a".into()])),
            r#"[0.5, "a"]"#
        );
    }

    #[test]
    fn signatures_give_the_name_and_the_argument_names() {
        let parsed = Signature::parse("add(a, b)");
        assert_eq!(
            (parsed.name.as_str(), parsed.params),
            ("add", vec!["a".into(), "b".into()])
        );
        assert_eq!(Signature::parse("now()").params, Vec::<String>::new());
        assert_eq!(Signature::parse("now").name, "now");
    }
}
