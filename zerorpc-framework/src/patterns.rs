//! zerorpc's two patterns without a reply, next to request/reply ([`crate::Server`],
//! [`crate::Client`]): zerorpc-python's `Pusher`/`Puller` (PUSH/PULL: each event goes to one
//! puller, in turn) and `Publisher`/`Subscriber` (PUB/SUB: each event goes to every
//! subscriber). As in zerorpc-python, a `Publisher` is a `Pusher` on a PUB socket and a
//! `Subscriber` a `Puller` on a SUB socket subscribed to everything.
//!
//! The event is the same `[header, name, args]` as a call, sent as one frame (no empty
//! delimiter: PUSH and PUB have no envelope). Nobody answers, so there is no `response_to`, no
//! heartbeat and no `ERR`: a method that fails is only logged, as zerorpc-python's `Puller`
//! does. What it adds over demo3's bare sockets is the framework: the message names a
//! method, the puller dispatches it to a registered function (middleware included), and a
//! Python `zerorpc.Puller` understands ours.

use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Duration;

use rmpv::Value;

use crate::events::Event;
use crate::Server;

/// How often a puller looks at its stop flag when nothing arrives.
const STOP_CHECK: Duration = Duration::from_millis(100);

/// Sends method calls that get no answer: `pusher.call("lolita", args)`.
pub struct Pusher {
    socket: zmq::Socket,
}

/// A [`Pusher`] on a PUB socket ([`Pusher::publisher`]): every subscriber gets every event.
pub type Publisher = Pusher;

impl std::fmt::Debug for Pusher {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Pusher")
    }
}

impl Pusher {
    /// A PUSH socket: each event goes to one connected puller (round-robin); with none
    /// connected yet, the send waits for one (ZeroMQ's PUSH blocks rather than drop).
    pub fn new(context: &zmq::Context) -> Result<Pusher, zmq::Error> {
        Pusher::on(context, zmq::PUSH)
    }

    /// A PUB socket: each event goes to every subscriber connected at that moment; before a
    /// subscriber's subscription arrives, its events are dropped (ZeroMQ's "slow joiner").
    pub fn publisher(context: &zmq::Context) -> Result<Publisher, zmq::Error> {
        Pusher::on(context, zmq::PUB)
    }

    fn on(context: &zmq::Context, kind: zmq::SocketType) -> Result<Pusher, zmq::Error> {
        let socket = context.socket(kind)?;
        socket.set_linger(200)?;
        Ok(Pusher { socket })
    }

    pub fn bind(&self, endpoint: &str) -> Result<String, zmq::Error> {
        self.socket.bind(endpoint)?;
        common::zmq_util::last_endpoint(&self.socket)
    }

    pub fn connect(&self, endpoint: &str) -> Result<(), zmq::Error> {
        self.socket.connect(endpoint)
    }

    /// How long [`Pusher::call`] may wait for a puller before it gives up with `EAGAIN`
    /// (by default it waits for one as long as it takes, as zerorpc-python's does).
    pub fn send_timeout(self, timeout: Duration) -> Result<Pusher, zmq::Error> {
        let ms = i32::try_from(timeout.as_millis()).unwrap_or(i32::MAX);
        self.socket.set_sndtimeo(ms)?;
        Ok(self)
    }

    /// Sends `method(args…)` as one event, one frame.
    pub fn call(&self, method: &str, args: Vec<Value>) -> Result<(), zmq::Error> {
        let event = Event::new(method, Value::Array(args), None);
        self.socket.send(event.encode(), 0)
    }
}

/// Receives the events of a [`Pusher`] and calls the server's methods with them.
pub struct Puller {
    server: Server,
    socket: zmq::Socket,
}

/// A [`Puller`] on a SUB socket subscribed to every event ([`Puller::subscriber`]).
pub type Subscriber = Puller;

impl std::fmt::Debug for Puller {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Puller")
            .field("server", &self.server)
            .finish()
    }
}

impl Puller {
    /// A PULL socket serving `server`'s methods (and middleware, and console).
    pub fn new(context: &zmq::Context, server: Server) -> Result<Puller, zmq::Error> {
        let socket = context.socket(zmq::PULL)?;
        socket.set_linger(0)?;
        Ok(Puller { server, socket })
    }

    /// A SUB socket subscribed to everything (`SUBSCRIBE ""`), serving `server`'s methods.
    pub fn subscriber(context: &zmq::Context, server: Server) -> Result<Subscriber, zmq::Error> {
        let socket = context.socket(zmq::SUB)?;
        socket.set_linger(0)?;
        socket.set_subscribe(b"")?;
        Ok(Puller { server, socket })
    }

    pub fn bind(&self, endpoint: &str) -> Result<String, zmq::Error> {
        self.socket.bind(endpoint)?;
        common::zmq_util::last_endpoint(&self.socket)
    }

    pub fn connect(&self, endpoint: &str) -> Result<(), zmq::Error> {
        self.socket.connect(endpoint)
    }

    /// Receives and dispatches events until `stop` is raised. A payload that is not an event
    /// is logged and dropped; a method that fails is logged (there is nobody to answer).
    pub fn run(&self, stop: &AtomicBool) -> Result<(), zmq::Error> {
        while !stop.load(Ordering::Relaxed) {
            let Some(payload) = common::zmq_util::recv_timeout(&self.socket, STOP_CHECK)? else {
                continue;
            };
            match Event::decode(&payload) {
                Ok(event) => self.server.consume(event),
                Err(e) => {
                    tracing::warn!(error = %e, "dropped a message that is not a zerorpc event")
                }
            }
        }
        Ok(())
    }
}
