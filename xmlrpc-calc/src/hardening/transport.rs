//! The client's HTTP leg, hardened: our `xmlrpc::Transport` is one POST with `ureq`, so that a
//! call has a timeout, trusts a custom CA ([`super::tls`]), reads the text of a reply that is
//! not `200 OK`, and fails with a [`CallError`] in plain words ([`super::client_errors`]).

use std::cell::RefCell;
use std::io::Read;

use xmlrpc::{Request, Transport, Value};

use std::time::Duration;

use super::client_errors::CallError;

/// Where and how a call goes: the client's agent (its timeout, its CA), the server URL.
#[derive(Clone, Copy)]
pub struct Route<'a> {
    pub agent: &'a ureq::Agent,
    pub url: &'a str,
    pub timeout: Duration,
}

/// One call through `Post`: the value, the fault, or the transport's own typed error.
pub fn call(route: Route<'_>, request: &Request<'_>) -> Result<Value, CallError> {
    // `xmlrpc::Error` hides the transport's error type, so the transport also leaves its
    // own typed error here for us to return.
    let failure = RefCell::new(None);
    let post = Post {
        route,
        failure: &failure,
    };
    match request.call(post) {
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

/// Reads one entry of a `system.multicall` reply.
pub fn multicall_entry(entry: Value) -> Result<Value, CallError> {
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
    route: Route<'a>,
    failure: &'a RefCell<Option<CallError>>,
}

impl Transport for Post<'_> {
    type Stream = std::io::Cursor<Vec<u8>>;

    fn transmit(
        self,
        request: &Request<'_>,
    ) -> Result<Self::Stream, Box<dyn std::error::Error + Send + Sync>> {
        match post(self.route, request) {
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
fn post(route: Route<'_>, request: &Request<'_>) -> Result<Vec<u8>, CallError> {
    let url = route.url.to_string();
    let mut xml = Vec::new();
    request
        .write_as_xml(&mut xml)
        .map_err(|e| CallError::BadReply(e.to_string()))?;
    let transport_error = |why| super::client_errors::explain(&url, route.timeout, why);
    let mut response = route
        .agent
        .post(route.url)
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
