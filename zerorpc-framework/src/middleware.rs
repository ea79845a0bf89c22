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

use std::time::Instant;

use rmpv::Value;

use crate::event::Header;
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

/// A log line (stderr, `tracing`) per call with its duration: `call method="add" ms=0.02`.
pub fn timing() -> impl Middleware {
    |call: &Call, next: Next| {
        let started = Instant::now();
        let outcome = next(call);
        // Microseconds are all a reader needs: `ms=0.030`, not `ms=0.030354000000000003`.
        let ms = format!("{:.3}", started.elapsed().as_secs_f64() * 1000.0);
        match &outcome {
            Ok(_) => tracing::info!(method = call.method, %ms, "call"),
            Err(e) => tracing::info!(method = call.method, %ms, error = %e, "call failed"),
        }
        outcome
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
