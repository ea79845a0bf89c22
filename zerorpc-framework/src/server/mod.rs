//! The server half of the framework. You register functions and middleware; the framework
//! owns the rest — the ROUTER socket, the loop, message ids, heartbeats, stream credit and
//! the threads. That is Inversion of Control: the framework calls your code, not the other
//! way round (demo6's `serve` loop was ours to write; here there is none in the binary).
//!
//! Read `registry` first: the methods and the one line that calls them
//! (`Registry::call`). Then `builtins` (what zerorpc answers for every server), `worker` (one
//! call on its thread) and `io` (the thread that owns the socket). The pool the workers come from, [`crate::workers`], is an optimisation
//! to skip on a first read.

mod builtins;
mod io;
mod registry;
mod worker;

use std::io::Write;
use std::sync::atomic::Ordering;
use std::sync::Arc;
use std::time::Duration;

use rmpv::Value;

pub use io::{Bound, MAX_IN_FLIGHT};
pub(crate) use registry::Registry;

use crate::events::Event;
use crate::method::{Answer, Method, Signature, StreamMethod};
use crate::middleware::{self, Middleware};

/// A zerorpc server being assembled: name, methods, middleware, heartbeat.
pub struct Server {
    registry: Registry,
    heartbeat: Duration,
}

impl std::fmt::Debug for Server {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Server")
            .field("name", &self.registry.name())
            .field("methods", &self.names())
            .finish()
    }
}

impl Server {
    /// A server called `name` (what `_zerorpc_name` and `_zerorpc_ping` answer).
    pub fn new(name: impl Into<String>) -> Server {
        Server {
            registry: Registry::new(name.into(), builtins::answer),
            heartbeat: crate::HEARTBEAT_INTERVAL,
        }
    }

    /// Registers a plain function under `signature` (`"add(a, b)"`: its name and the names
    /// `_zerorpc_inspect` shows for its arguments), with a one-line `doc`.
    pub fn method<P, M: Method<P>>(mut self, signature: &str, doc: &str, function: M) -> Server {
        let parsed = Signature::parse(signature);
        let call = move |args| function.invoke(&parsed, args).map(Answer::Value);
        self.registry
            .register(signature, doc, M::ARITY, false, Box::new(call));
        self
    }

    /// Registers a function returning an iterator: each item goes out as a `STREAM` event.
    pub fn stream<P, M: StreamMethod<P>>(
        mut self,
        signature: &str,
        doc: &str,
        function: M,
    ) -> Server {
        let parsed = Signature::parse(signature);
        let call = move |args| function.invoke(&parsed, args).map(Answer::Stream);
        self.registry
            .register(signature, doc, M::ARITY, true, Box::new(call));
        self
    }

    /// Adds a middleware around every call (the first added is the outermost).
    pub fn around(mut self, middleware: impl Middleware) -> Server {
        self.registry.middleware.push(Box::new(middleware));
        self
    }

    /// Where the console lines go (`add(2, 3) = 5`, one per call); none by default. The
    /// console is a middleware too ([`middleware::console`]), put outermost so that it also
    /// prints the calls another middleware refuses.
    pub fn console(mut self, out: impl Write + Send + 'static) -> Server {
        let console = Box::new(middleware::console(out));
        self.registry.middleware.insert(0, console);
        self
    }

    /// Adds `quit()`: it answers `null`, then the server stops as on Ctrl-C (the calls in hand
    /// get a second to finish). zerorpc's cross-implementation tests end with it.
    pub fn allow_quit(self) -> Server {
        let quitting = Arc::clone(&self.registry.quitting);
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

    /// The registered method names, sorted (what `_zerorpc_list` answers).
    pub fn names(&self) -> Vec<&str> {
        self.registry.names()
    }

    /// One event of a pattern without replies (a [`crate::patterns::Puller`]).
    pub(crate) fn consume(&self, event: Event) {
        self.registry.consume(event);
    }

    /// Binds the ROUTER to `endpoint` (`tcp://127.0.0.1:*` picks a free port). The ROUTER
    /// speaks ZMTP itself ([`crate::zmtp`]); `context` is for the workers' `inproc://` outbox.
    pub fn bind(self, context: &zmq::Context, endpoint: &str) -> Result<Bound, zmq::Error> {
        let router = crate::zmtp::Router::bind(endpoint)?;
        Bound::new(self.registry, self.heartbeat, context, router)
    }

    /// Connects the ROUTER to `endpoint` instead, where a client bound (`zerorpc-client
    /// --bind`): the layout where workers come and go and the client stays put.
    pub fn connect(self, context: &zmq::Context, endpoint: &str) -> Result<Bound, zmq::Error> {
        let router = crate::zmtp::Router::connect(endpoint)?;
        Bound::new(self.registry, self.heartbeat, context, router)
    }
}
