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
use std::sync::{Arc, Mutex};
use std::time::Instant;

use rmpv::Value;

use crate::events::Header;
use crate::method::{Answer, Failure, Items};

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

/// One console line per call, written to `out`: `add(2, 3) = 5`, `fail("boom") = ERR
/// ValueError: boom`, `count(3) = stream of 3 items` (printed when the stream ends, or
/// `stream abandoned after N items` when its client went away). The server's console
/// ([`crate::Server::console`]) is this middleware, outermost.
pub fn console(out: impl Write + Send + 'static) -> impl Middleware {
    let out: Console = Arc::new(Mutex::new(Box::new(out)));
    move |call: &Call, next: Next| {
        let shown = display_call(call.method, call.args);
        let outcome = next(call);
        match outcome {
            Ok(Answer::Value(value)) => {
                print(&out, &format!("{shown} = {}", display(&value)));
                Ok(Answer::Value(value))
            }
            Ok(Answer::Stream(items)) => Ok(Answer::Stream(Box::new(Counted {
                items,
                shown,
                count: 0,
                ended: false,
                out: Arc::clone(&out),
            }))),
            Err(failure) => {
                print(&out, &format!("{shown} = ERR {failure}"));
                Err(failure)
            }
        }
    }
}

type Console = Arc<Mutex<Box<dyn Write + Send>>>;

fn print(out: &Console, line: &str) {
    let mut out = out.lock().unwrap_or_else(|p| p.into_inner());
    let _ = writeln!(out, "{line}");
    let _ = out.flush();
}

/// A stream's items, counted on their way out, and its console line once it ends.
struct Counted {
    items: Items,
    shown: String,
    count: usize,
    ended: bool,
    out: Console,
}

impl Iterator for Counted {
    type Item = Result<Value, Failure>;

    fn next(&mut self) -> Option<Self::Item> {
        let item = self.items.next();
        let (shown, count) = (&self.shown, self.count);
        match &item {
            Some(Ok(_)) => self.count += 1,
            Some(Err(failure)) => {
                print(
                    &self.out,
                    &format!("{shown} = ERR {failure} after {count} items"),
                );
                self.ended = true;
            }
            None if !self.ended => {
                print(&self.out, &format!("{shown} = stream of {count} items"));
                self.ended = true;
            }
            None => {}
        }
        item
    }
}

impl Drop for Counted {
    fn drop(&mut self) {
        if !self.ended {
            let (shown, count) = (&self.shown, self.count);
            print(
                &self.out,
                &format!("{shown} = stream abandoned after {count} items"),
            );
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
}
