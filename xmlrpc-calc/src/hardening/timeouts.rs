//! The tutorial asks about **timeouts** on the server side: a client that connects and sends
//! nothing, or sends its body at a trickle, or sends a gigabyte, must not hold the server.
//!
//! - request headers: hyper's *header read timeout* (set in [`crate::server`]) disconnects a
//!   client that sends no headers within the read timeout, also between keep-alive requests;
//! - the body must arrive within the read timeout (else `408 Request Timeout`) and be at most
//!   `max_body` bytes (else `413 Payload Too Large`), in plain words: [`read_body`].

use std::time::Duration;

use dxr_server::axum::body::{to_bytes, Body};
use dxr_server::axum::extract::{Request, State};
use dxr_server::axum::http::{header, StatusCode};
use dxr_server::axum::middleware::Next;
use dxr_server::axum::response::{IntoResponse, Response};

/// How long a client may take to send its request headers, or its body, or a TLS handshake.
pub const READ_TIMEOUT: Duration = Duration::from_secs(10);
/// The largest request body accepted (a multicall of thousands of calls still fits).
pub const MAX_BODY: usize = 1024 * 1024;

/// The limits every request goes through before it reaches the XML-RPC dispatcher.
#[derive(Debug, Clone, Copy)]
pub struct BodyLimits {
    pub read_timeout: Duration,
    pub max_body: usize,
}

/// Middleware: read the whole body within the read timeout and the size limit, answering
/// `408` or `413` in plain words otherwise.
pub async fn read_body(State(limits): State<BodyLimits>, request: Request, next: Next) -> Response {
    let too_large = || {
        let text = format!(
            "413 Payload Too Large: the limit is {} bytes\n",
            limits.max_body
        );
        (StatusCode::PAYLOAD_TOO_LARGE, text).into_response()
    };
    let (parts, body) = request.into_parts();
    // An announced size over the limit is refused before reading a byte of it.
    let announced = parts
        .headers
        .get(header::CONTENT_LENGTH)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.parse::<usize>().ok());
    if announced.is_some_and(|len| len > limits.max_body) {
        tracing::warn!(?announced, "request body too large");
        return too_large();
    }
    let reading = tokio::time::timeout(limits.read_timeout, to_bytes(body, limits.max_body));
    let bytes = match reading.await {
        Ok(Ok(bytes)) => bytes,
        // Without Content-Length (chunked), the limit trips while reading.
        Ok(Err(error)) if announced.is_none() => {
            tracing::warn!(%error, "request body refused");
            return too_large();
        }
        Ok(Err(error)) => {
            tracing::info!(%error, "request body broke off");
            let text = format!("400 Bad Request: {error}\n");
            return (StatusCode::BAD_REQUEST, text).into_response();
        }
        Err(_) => {
            let text = format!(
                "408 Request Timeout: the body did not arrive within {}\n",
                common::endpoints::human(limits.read_timeout)
            );
            return (StatusCode::REQUEST_TIMEOUT, text).into_response();
        }
    };
    tracing::debug!(path = %parts.uri.path(), bytes = bytes.len(), "XML-RPC request");
    // The body is read once, here; the dispatcher takes these bytes as they are.
    next.run(Request::from_parts(parts, Body::from(bytes)))
        .await
}
