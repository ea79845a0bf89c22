//! The client side: the `xmlrpc` crate writes and reads the XML, `ureq` carries it over HTTP(S).
//!
//! The `xmlrpc` crate lets you bring your own transport (its `Transport` trait: "send these
//! bytes, give me the reply"). We use that to add what its default transport lacks: a call
//! timeout, a custom CA for a self-signed server certificate, and plain-words errors.

use std::cell::RefCell;
use std::io::Read;
use std::path::Path;
use std::sync::Arc;
use std::time::Duration;

use ureq::tls::{Certificate, RootCerts, TlsConfig};
use xmlrpc::{Request, Transport, Value};

/// The tutorial's URL.
pub const DEFAULT_URL: &str = "http://localhost:8000/";
/// How long a call may take before the client gives up (`sleep(30)` needs a longer one).
pub const CALL_TIMEOUT: Duration = Duration::from_secs(10);

/// Why a call failed, in words meant for the person at the terminal.
#[derive(Debug, thiserror::Error)]
pub enum CallError {
    #[error("server fault {code}: {string}")]
    Fault { code: i32, string: String },
    #[error("no reply from {url} within {} — is xmlrpc-server running, or is the call slower than --timeout?", common::endpoints::human(*.timeout))]
    Timeout { url: String, timeout: Duration },
    #[error("cannot reach {url}: {why} — is xmlrpc-server running?")]
    Unreachable { url: String, why: ureq::Error },
    #[error("call to {url} failed: {why}")]
    Failed { url: String, why: ureq::Error },
    #[error("{url} answered HTTP {status}: {body}")]
    Http {
        url: String,
        status: u16,
        body: String,
    },
    #[error("the reply is not XML-RPC: {0}")]
    BadReply(String),
    #[error("cannot use CA certificate {path}: {why}")]
    Ca { path: String, why: String },
}

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
            let ca_error = |why: String| CallError::Ca {
                path: path.display().to_string(),
                why,
            };
            let pem = std::fs::read(path).map_err(|e| ca_error(e.to_string()))?;
            let certs = ureq::tls::parse_pem(&pem)
                .filter_map(|item| match item {
                    Ok(ureq::tls::PemItem::Certificate(cert)) => Some(Ok(cert)),
                    Ok(_) => None,
                    Err(e) => Some(Err(e)),
                })
                .collect::<Result<Vec<Certificate<'static>>, _>>()
                .map_err(|e| ca_error(e.to_string()))?;
            if certs.is_empty() {
                return Err(ca_error("no certificate in the file".into()));
            }
            let tls = TlsConfig::builder()
                .root_certs(RootCerts::Specific(Arc::new(certs)))
                .build();
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
        // `xmlrpc::Error` hides the transport's error type, so the transport also leaves its
        // own typed error here for us to return.
        let failure = RefCell::new(None);
        match request.call(Post {
            client: self,
            failure: &failure,
        }) {
            Ok(value) => Ok(value),
            Err(error) => Err(match (error.fault(), failure.into_inner()) {
                (Some(fault), _) => CallError::Fault {
                    code: fault.fault_code,
                    string: fault.fault_string.clone(),
                },
                (None, Some(transport)) => transport,
                (None, None) => CallError::BadReply(error.to_string()),
            }),
        }
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
        Ok(entries.into_iter().map(multicall_entry).collect())
    }
}

/// Reads one entry of a `system.multicall` reply.
fn multicall_entry(entry: Value) -> Result<Value, CallError> {
    match entry {
        Value::Array(mut one) if one.len() == 1 => Ok(one.remove(0)),
        other => match xmlrpc::Fault::from_value(&other) {
            Some(fault) => Err(CallError::Fault {
                code: fault.fault_code,
                string: fault.fault_string,
            }),
            None => Err(CallError::BadReply(format!("multicall entry {other:?}"))),
        },
    }
}

/// Our `xmlrpc::Transport`: one HTTP POST with ureq.
struct Post<'a> {
    client: &'a Client,
    failure: &'a RefCell<Option<CallError>>,
}

impl Transport for Post<'_> {
    type Stream = std::io::Cursor<Vec<u8>>;

    fn transmit(
        self,
        request: &Request<'_>,
    ) -> Result<Self::Stream, Box<dyn std::error::Error + Send + Sync>> {
        match post(self.client, request) {
            Ok(body) => Ok(std::io::Cursor::new(body)),
            Err(error) => {
                let text = error.to_string();
                *self.failure.borrow_mut() = Some(error);
                Err(text.into())
            }
        }
    }
}

/// Sends the XML of `request` and returns the body of a `200 OK` reply.
fn post(client: &Client, request: &Request<'_>) -> Result<Vec<u8>, CallError> {
    let url = client.url.clone();
    let mut xml = Vec::new();
    request
        .write_as_xml(&mut xml)
        .map_err(|e| CallError::BadReply(e.to_string()))?;
    let transport_error = |why: ureq::Error| match why {
        ureq::Error::Timeout(_) => CallError::Timeout {
            url: url.clone(),
            timeout: client.timeout,
        },
        ureq::Error::HostNotFound | ureq::Error::ConnectionFailed => CallError::Unreachable {
            url: url.clone(),
            why,
        },
        ureq::Error::Io(ref e) if e.kind() == std::io::ErrorKind::ConnectionRefused => {
            CallError::Unreachable {
                url: url.clone(),
                why,
            }
        }
        // TLS refused, not HTTP, connection reset…: no guessing, just the reason.
        why => CallError::Failed {
            url: url.clone(),
            why,
        },
    };
    let mut response = client
        .agent
        .post(&client.url)
        .header("Content-Type", "text/xml")
        .send(&xml[..])
        .map_err(transport_error)?;
    let mut body = Vec::new();
    response
        .body_mut()
        .as_reader()
        .read_to_end(&mut body)
        .map_err(|e| transport_error(ureq::Error::Io(e)))?;
    let status = response.status().as_u16();
    if status != 200 {
        return Err(CallError::Http {
            url,
            status,
            body: String::from_utf8_lossy(&body).trim().to_string(),
        });
    }
    Ok(body)
}

/// Shows a value the way Python's `print()` would (`10`, `'hi'`, `[1, 2]`, `{'a': 1}`).
pub fn python_repr(value: &Value) -> String {
    match value {
        Value::Int(n) => n.to_string(),
        Value::Int64(n) => n.to_string(),
        Value::Bool(b) => if *b { "True" } else { "False" }.to_string(),
        Value::String(s) => format!("'{}'", s.replace('\\', "\\\\").replace('\'', "\\'")),
        Value::Double(d) => format!("{d:?}"),
        Value::DateTime(dt) => format!("<DateTime {dt:?}>"),
        Value::Base64(bytes) => format!("b{:?}", String::from_utf8_lossy(bytes)),
        Value::Struct(map) => {
            let items: Vec<String> = map
                .iter()
                .map(|(k, v)| format!("'{k}': {}", python_repr(v)))
                .collect();
            format!("{{{}}}", items.join(", "))
        }
        Value::Array(items) => {
            let items: Vec<String> = items.iter().map(python_repr).collect();
            format!("[{}]", items.join(", "))
        }
        Value::Nil => "None".to_string(),
    }
}

/// Turns a command-line word into an XML-RPC value: an `<int>` if it is one, else a
/// `<double>`, else a `<string>` (so `add 2 5` sends two ints, `hello Ada` a string).
pub fn parse_arg(word: &str) -> Value {
    if let Ok(n) = word.parse::<i32>() {
        Value::Int(n)
    } else if let Ok(d) = word.parse::<f64>() {
        Value::Double(d)
    } else {
        Value::String(word.to_string())
    }
}

/// The tutorial's client: one multicall of add/subtract/multiply/divide on (x, y), printed as
/// `7 + 3 = 10, 7-3 = 4, 7*3 = 21, 7/3 = 2` (spacing exactly as the tutorial prints it).
pub fn tutorial_multicall(client: &Client, x: i32, y: i32) -> Result<String, CallError> {
    let calls = ["add", "subtract", "multiply", "divide"].map(|m| Request::new(m).arg(x).arg(y));
    let results = client.multicall(&calls)?;
    let mut shown = Vec::new();
    for result in results {
        shown.push(python_repr(&result?));
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
