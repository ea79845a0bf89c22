//! The registry: what a framework user hands the server — the methods (with their
//! signatures and docs) and the middleware chain around them (zerorpc's built-ins are in
//! [`super::builtins`]).
//! [`Registry::call`] is the line where the framework calls your code.

use std::collections::BTreeMap;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::time::Duration;

use rmpv::Value;

use crate::events::Event;
use crate::method::{Answer, Failure, Signature};
use crate::middleware::{self, Call, Middleware, Outcome};
use crate::workers::Quick;

/// A registered method: its signature for `_zerorpc_inspect`, and the type-erased call.
pub(super) struct Registered {
    pub(super) args: Vec<String>,
    pub(super) doc: String,
    call: Box<dyn Fn(Vec<Value>) -> Outcome + Send + Sync>,
    /// Whether it streams (a stream waits for credit: never on the I/O thread).
    streams: bool,
    /// How quick its calls have been (whether they may run on the I/O thread).
    quick: Quick,
}

/// The methods, the built-ins and the middleware of one server.
pub(crate) struct Registry {
    name: String,
    pub(super) methods: BTreeMap<String, Registered>,
    /// The first is the outermost.
    pub(crate) middleware: Vec<Box<dyn Middleware>>,
    /// Raised by the `quit()` method (`Server::allow_quit`).
    pub(crate) quitting: Arc<AtomicBool>,
    /// The methods every server answers besides its own (zerorpc's, `super::builtins`).
    builtins: Builtins,
}

/// The answer to a call if it names a built-in method, `None` for any other.
pub(super) type Builtins = fn(&Registry, &Call) -> Option<Outcome>;

impl Registry {
    pub(crate) fn new(name: String, builtins: Builtins) -> Registry {
        Registry {
            name,
            methods: BTreeMap::new(),
            middleware: Vec::new(),
            quitting: Arc::new(AtomicBool::new(false)),
            builtins,
        }
    }

    pub(crate) fn name(&self) -> &str {
        &self.name
    }

    pub(crate) fn register(
        &mut self,
        signature: &str,
        doc: &str,
        arity: usize,
        streams: bool,
        call: Box<dyn Fn(Vec<Value>) -> Outcome + Send + Sync>,
    ) {
        let Signature { name, params: args } = Signature::parse(signature);
        assert_eq!(
            args.len(),
            arity,
            "the signature {signature:?} names {} argument(s), the function takes {arity}",
            args.len()
        );
        let doc = doc.to_string();
        let quick = Quick::default();
        let registered = Registered {
            args,
            doc,
            call,
            streams,
            quick,
        };
        self.methods.insert(name, registered);
    }

    /// The registered method names, sorted (what `_zerorpc_list` answers).
    pub(crate) fn names(&self) -> Vec<&str> {
        self.methods.keys().map(String::as_str).collect()
    }

    pub(crate) fn quitting(&self) -> bool {
        self.quitting.load(Ordering::Relaxed)
    }

    /// The line where the framework calls your code: the middleware chain around the method.
    /// A method that panics is a bug in it, not a reason to leave the client waiting.
    pub(crate) fn call(&self, call: &Call) -> Outcome {
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

    /// Whether a call of `method` may run on the I/O thread itself (an optimisation,
    /// [`Quick`]): never a stream, which waits for credit.
    pub(crate) fn runs_inline(&self, method: &str) -> bool {
        let method = self.methods.get(method);
        method.is_some_and(|m| !m.streams && m.quick.inline())
    }

    /// Notes how long a call of `method` took (for [`Registry::runs_inline`]).
    pub(crate) fn timed(&self, method: &str, took: Duration) {
        if let Some(m) = self.methods.get(method) {
            m.quick.timed(took);
        }
    }

    /// One event of a pattern without replies ([`crate::patterns::Puller`]): middleware and
    /// method run as for a call (the console middleware prints its line), but the answer
    /// goes nowhere: a stream is read to its end for its side effects, a failure is logged.
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
        match self.call(&call) {
            Ok(Answer::Value(_)) => {}
            Ok(Answer::Stream(items)) => items.for_each(drop),
            Err(failure) => tracing::warn!(method, %failure, "failed; no reply in this pattern"),
        }
    }

    /// Answers one call: the built-ins first, then the registered methods.
    fn dispatch(&self, call: &Call) -> Outcome {
        if let Some(outcome) = (self.builtins)(self, call) {
            return outcome;
        }
        match self.methods.get(call.method) {
            Some(method) => (method.call)(call.args.to_vec()),
            // zerorpc-python raises NameError(name): the message is the bare name.
            None => Err(Failure::new("NameError", call.method)),
        }
    }
}
