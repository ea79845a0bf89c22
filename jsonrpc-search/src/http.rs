//! JSON-RPC over HTTP: the same [`IoHandler`] behind
//! `jsonrpc-http-server`. A client POSTs the request (or a batch, a JSON array) with
//! `Content-Type: application/json`; the reply is the response body. HTTP does the framing
//! (`Content-Length`), so nothing here needs to parse for the end of a request.

use std::io;
use std::net::SocketAddr;

use jsonrpc_core::IoHandler;
use jsonrpc_http_server::{Server, ServerBuilder};

use crate::Limits;

/// Starts the HTTP server on `addr` (port 0 picks a free one: read it back with
/// [`Server::address`]). It runs on its own threads until the returned handle is closed or dropped.
/// Bodies over `limits.max_request_bytes` are refused (HTTP 413) before they are read.
pub fn start(addr: &SocketAddr, io: IoHandler, limits: &Limits) -> io::Result<Server> {
    ServerBuilder::new(io)
        .max_request_body_size(limits.max_request_bytes)
        .start_http(addr)
}
