//! The client: the `xmlrpc` crate writes and reads the XML, `ureq` carries it over HTTP(S).
//!
//! The `xmlrpc` crate lets you bring your own transport (its `Transport` trait: "send these
//! bytes, give me the reply"); ours, [`crate::hardening::transport`], adds what its default one
//! lacks: a call timeout, a custom CA and errors in plain words.

use std::path::Path;
use std::time::Duration;

use xmlrpc::{Request, Value};

use crate::hardening::transport;

pub use crate::hardening::client_errors::CallError;

/// The tutorial's URL.
pub const DEFAULT_URL: &str = "http://localhost:8000/";
/// How long a call may take before the client gives up (`sleep(30)` needs a longer one).
pub const CALL_TIMEOUT: Duration = Duration::from_secs(10);

/// An XML-RPC client for one server URL.
#[derive(Debug, Clone)]
pub struct Client {
    url: String,
    timeout: Duration,
    agent: ureq::Agent,
}

impl Client {
    /// A client for `url` whose calls give up after `timeout`. `ca`: a PEM file with the
    /// certificate(s) to trust for `https://` instead of the usual public roots.
    pub fn new(url: &str, timeout: Duration, ca: Option<&Path>) -> Result<Client, CallError> {
        let mut config = ureq::Agent::config_builder()
            .timeout_global(Some(timeout))
            // A 403 or 413 carries a useful text: read it instead of failing early.
            .http_status_as_error(false);
        if let Some(path) = ca {
            let tls = crate::hardening::tls::client_roots(path).map_err(|why| CallError::Ca {
                path: path.display().to_string(),
                why,
            })?;
            config = config.tls_config(tls);
        }
        Ok(Client {
            url: url.to_string(),
            timeout,
            agent: ureq::Agent::new_with_config(config.build()),
        })
    }

    /// The server URL.
    pub fn url(&self) -> &str {
        &self.url
    }

    /// Performs one call: the method's result, or why there is none.
    pub fn call(&self, request: &Request<'_>) -> Result<Value, CallError> {
        let route = transport::Route {
            agent: &self.agent,
            url: &self.url,
            timeout: self.timeout,
        };
        transport::call(route, request)
    }

    /// `system.multicall`: several calls in one HTTP round trip. Each entry of the result is
    /// the method's value or its fault (CPython's shape: `[value]` or `{faultCode, faultString}`).
    pub fn multicall(
        &self,
        calls: &[Request<'_>],
    ) -> Result<Vec<Result<Value, CallError>>, CallError> {
        let reply = self.call(&Request::new_multicall(calls))?;
        let Value::Array(entries) = reply else {
            return Err(CallError::BadReply(format!("multicall returned {reply:?}")));
        };
        Ok(entries
            .into_iter()
            .map(transport::multicall_entry)
            .collect())
    }
}

/// The tutorial's client: one multicall of add/subtract/multiply/divide on (x, y), printed as
/// `7 + 3 = 10, 7-3 = 4, 7*3 = 21, 7/3 = 2` (spacing exactly as the tutorial prints it).
pub fn tutorial_multicall(client: &Client, x: i32, y: i32) -> Result<String, CallError> {
    let calls = ["add", "subtract", "multiply", "divide"].map(|m| Request::new(m).arg(x).arg(y));
    let results = client.multicall(&calls)?;
    let mut shown = Vec::new();
    for result in results {
        shown.push(crate::python_style::python_repr(&result?));
    }
    let [sum, difference, product, quotient] = shown.as_slice() else {
        return Err(CallError::BadReply(format!(
            "expected 4 results, got {}",
            shown.len()
        )));
    };
    Ok(format!(
        "{x} + {y} = {sum}, {x}-{y} = {difference}, {x}*{y} = {product}, {x}/{y} = {quotient}"
    ))
}
