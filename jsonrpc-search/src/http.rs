//! JSON-RPC over HTTP: the same [`IoHandler`] behind
//! `jsonrpc-http-server`. A client POSTs the request (or a batch, a JSON array) with
//! `Content-Type: application/json`; the reply is the response body. HTTP does the framing
//! (`Content-Length`), so nothing here needs to parse for the end of a request.
//!
//! The client's HTTP leg is here too: [`http_exchange`] POSTs one request.
//!
//! One addition: a request middleware passes each body through [`crate::spec::mend`] on its way
//! to the library, so that broken batches get the replies the specification asks for.

use std::io;
use std::net::SocketAddr;
use std::time::Duration;

use common::StayAwake;
use jsonrpc_core::futures::stream;
use jsonrpc_core::{IoHandler, Value};
use jsonrpc_http_server::hyper::{self, body::HttpBody as _, Body};
use jsonrpc_http_server::{RequestMiddlewareAction, Server, ServerBuilder};

use crate::hardening::client_errors::ClientError;
use crate::target::Target;
use crate::Limits;

/// The server's HTTP flags (flattened into `jsonrpc-server`'s command line).
#[derive(Debug, clap::Args)]
pub struct HttpArgs {
    /// Address for JSON-RPC over HTTP (POST to any path).
    #[arg(long, default_value = crate::HTTP_ADDR, value_name = "ADDR")]
    pub http: SocketAddr,
    /// Serve raw TCP only.
    #[arg(long)]
    pub no_http: bool,
}

impl HttpArgs {
    /// Starts the HTTP server unless `--no-http`, and says where it listens.
    pub fn start(&self, io: &IoHandler, limits: &Limits) -> anyhow::Result<Option<Server>> {
        if self.no_http {
            return Ok(None);
        }
        let server = start(&self.http, io.clone(), limits)
            .map_err(|e| anyhow::anyhow!("cannot listen on {} (--http): {e}", self.http))?;
        println!("JSON-RPC over HTTP on http://{}/", server.address());
        Ok(Some(server))
    }
}

/// Starts the HTTP server on `addr` (port 0 picks a free one: read it back with
/// [`Server::address`]). It runs on its own threads until the returned handle is closed or dropped.
/// Bodies over `limits.max_request_bytes` are refused (HTTP 413) before they are read. Its thread
/// stays awake a moment after each request, for the next ([`common::stay_awake`]).
pub fn start(addr: &SocketAddr, io: IoHandler, limits: &Limits) -> io::Result<Server> {
    let max = limits.max_request_bytes;
    let awake = StayAwake::new(limits.stay_awake);
    ServerBuilder::new(io)
        .max_request_body_size(max)
        .request_middleware(move |request| {
            awake.touch(); // the request middleware is the library's one per-request hook
            mend_body(request, max)
        })
        .start_http(addr)
}

/// The same request, with a body that reads the client's body (at most `max` + 1 bytes: the
/// library then refuses it as too large) and hands it on mended.
fn mend_body(request: hyper::Request<Body>, max: usize) -> RequestMiddlewareAction {
    let (parts, body) = request.into_parts();
    let mended = stream::once(async move {
        let bytes = read_up_to(body, max).await?;
        Ok::<_, hyper::Error>(match std::str::from_utf8(&bytes) {
            Ok(text) => crate::spec::mend(text).into_owned().into_bytes(),
            // Not UTF-8: the library answers that itself.
            Err(_) => bytes,
        })
    });
    RequestMiddlewareAction::Proceed {
        should_continue_on_invalid_cors: false,
        request: hyper::Request::from_parts(parts, Body::wrap_stream(mended)),
    }
}

/// Reads `body` until its end, or until more than `max` bytes have come.
async fn read_up_to(mut body: Body, max: usize) -> Result<Vec<u8>, hyper::Error> {
    let mut bytes = Vec::new();
    while let Some(chunk) = body.data().await {
        bytes.extend_from_slice(&chunk?);
        if bytes.len() > max {
            break;
        }
    }
    Ok(bytes)
}

/// The client side of JSON-RPC over HTTP: POST the request as `application/json`, the body of the
/// answer is the reply.
pub fn http_exchange(
    target: &Target,
    url: &str,
    request: &str,
    timeout: Duration,
) -> Result<String, ClientError> {
    let agent: ureq::Agent = ureq::Agent::config_builder()
        .timeout_global(Some(timeout))
        .http_status_as_error(false)
        .build()
        .into();
    let failed = |e: ureq::Error| match e {
        ureq::Error::Timeout(_) => ClientError::Timeout {
            target: target.clone(),
            timeout,
        },
        ureq::Error::Io(reason) => ClientError::Connect {
            target: target.clone(),
            reason,
        },
        // A raw-TCP JSON-RPC server answers an HTTP request with a JSON error and no status line.
        other if other.to_string().contains("invalid HTTP version") => ClientError::NotHttp {
            target: target.clone(),
            detail: other.to_string(),
        },
        other => ClientError::Http {
            target: target.clone(),
            detail: other.to_string(),
        },
    };
    let mut response = agent
        .post(url)
        .header("Content-Type", "application/json")
        .send(request)
        .map_err(failed)?;
    let status = response.status();
    let body = response.body_mut().read_to_string().map_err(failed)?;
    // JSON-RPC errors come back as "200 OK" with an error object; a non-2xx status without a JSON
    // body means we did not reach a JSON-RPC server at all (wrong path, wrong port, a proxy).
    if !status.is_success() && serde_json::from_str::<Value>(&body).is_err() {
        return Err(ClientError::Http {
            target: target.clone(),
            detail: format!("{status} {}", body.trim()),
        });
    }
    Ok(body)
}
