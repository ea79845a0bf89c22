//! Middleware: code that runs *around* every call, added in one place without touching a
//! single method. That is AOP (aspect-oriented programming) in its everyday form: timing,
//! logging, authentication are "cross-cutting concerns" that would otherwise be copied into
//! every method. zerorpc-python calls them hooks (`server_before_exec`, …); Zask used one to
//! check an access key; web frameworks (Laravel, axum's tower layers) call them middleware.
//!
//! A middleware gets the [`Call`] and `next`, the rest of the chain (the other middleware,
//! then the method). It may look at the call, refuse it (return an error without calling
//! `next`), or time it (call `next` and measure). Any closure
//! `Fn(&Call, &dyn Fn(&Call) -> Outcome) -> Outcome` is one.

use std::io::Write;
use std::time::{Duration, Instant};

use rmpv::Value;

use crate::console::{self, Console};
use crate::events::Header;
use crate::method::{Answer, Failure};

/// What a call produced: an answer, or the error for `ERR`.
pub type Outcome = Result<Answer, Failure>;

/// One call as the middleware sees it.
#[derive(Debug)]
pub struct Call<'a> {
    pub method: &'a str,
    pub args: &'a [Value],
    /// The request's header: extra keys (`access_key`, a trace id) live here.
    pub header: &'a Header,
}

/// The rest of the chain, as a middleware calls it.
pub type Next<'a> = &'a dyn Fn(&Call) -> Outcome;

/// Code around every call.
pub trait Middleware: Send + Sync + 'static {
    fn around(&self, call: &Call, next: Next) -> Outcome;
}

impl<F> Middleware for F
where
    F: Fn(&Call, Next) -> Outcome + Send + Sync + 'static,
{
    fn around(&self, call: &Call, next: Next) -> Outcome {
        self(call, next)
    }
}

/// Runs `call` through `chain` (outermost first), then `method`.
pub(crate) fn run(
    chain: &[Box<dyn Middleware>],
    call: &Call,
    method: &dyn Fn(&Call) -> Outcome,
) -> Outcome {
    match chain.split_first() {
        None => method(call),
        Some((first, rest)) => first.around(call, &|call| run(rest, call, method)),
    }
}

/// Calls slower than this get a log line at `info`; the others only at `debug`.
pub const SLOW_CALL: Duration = Duration::from_millis(100);

/// A log line (stderr, `tracing`) with a call's duration: `slow call method="sleep"
/// ms=1000.113` for a call of [`SLOW_CALL`] or more, `call method="add" ms=0.020` for every
/// call with `RUST_LOG=debug`. (A line per call by default would double the console's, and at
/// thousands of calls a second writing it costs more than the call: docs/benchmarks.md.)
pub fn timing() -> impl Middleware {
    |call: &Call, next: Next| {
        let started = Instant::now();
        let outcome = next(call);
        let took = started.elapsed();
        let slow = took >= SLOW_CALL;
        if slow || tracing::enabled!(tracing::Level::DEBUG) {
            // Microseconds are all a reader needs: `ms=0.030`, not `ms=0.030354000000000003`.
            let ms = format!("{:.3}", took.as_secs_f64() * 1000.0);
            let error = outcome.as_ref().err().map(ToString::to_string);
            match (slow, error) {
                (true, None) => tracing::info!(method = call.method, %ms, "slow call"),
                (true, Some(error)) => {
                    tracing::info!(method = call.method, %ms, %error, "slow call failed")
                }
                (false, None) => tracing::debug!(method = call.method, %ms, "call"),
                (false, Some(error)) => {
                    tracing::debug!(method = call.method, %ms, %error, "call failed")
                }
            }
        }
        outcome
    }
}

/// One console line per call, written to `out`: `add(2, 3) = 5`, `fail("boom") = ERR
/// ValueError: boom`, `count(3) = stream of 3 items` (printed when the stream ends, or
/// `stream abandoned after N items` when its client went away). The server's console
/// ([`crate::Server::console`]) is this middleware, outermost.
pub fn console(out: impl Write + Send + 'static) -> impl Middleware {
    let out = Console::new(out);
    move |call: &Call, next: Next| {
        let shown = console::display_call(call.method, call.args);
        let outcome = next(call);
        match outcome {
            Ok(Answer::Value(value)) => {
                out.print(&format!("{shown} = {}", console::display(&value)));
                Ok(Answer::Value(value))
            }
            Ok(Answer::Stream(items)) => Ok(Answer::Stream(out.counted(items, shown))),
            Err(failure) => {
                out.print(&format!("{shown} = ERR {failure}"));
                Err(failure)
            }
        }
    }
}

/// The header key [`access_key`] checks.
pub const ACCESS_KEY_HEADER: &str = "access_key";

/// Refuses every call whose header lacks `access_key: <key>` with `ERR PermissionDenied`,
/// as Zask's access-key middleware did. (Simplified: a shared secret sent in clear text.
/// Real deployments add CURVE encryption or TLS; see xmlrpc-calc for TLS.)
pub fn access_key(key: impl Into<String>) -> impl Middleware {
    let key = key.into();
    move |call: &Call, next: Next| match call.header.get(ACCESS_KEY_HEADER) {
        Some(given) if given.as_str() == Some(key.as_str()) => next(call),
        Some(_) => Err(Failure::new(
            "PermissionDenied",
            "wrong access key (header access_key)",
        )),
        None => Err(Failure::new(
            "PermissionDenied",
            "this server needs an access key (header access_key; zerorpc-client --access-key)",
        )),
    }
}
