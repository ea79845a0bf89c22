//! The tutorial's own client: **one** REQ socket `connect`ed to every server. ZeroMQ keeps one
//! connection per endpoint behind that single socket and sends each request down the next one
//! in turn — round-robin for free, with no code of ours (`demo4-client --one-socket`).
//!
//! Its weakness is the reason for the Lazy Pirate: when a server is down, the request that went
//! its way never comes back, and the socket cannot tell *which* server swallowed it. So this
//! version can only wait a bounded time and then stop with an error naming every endpoint.
//! (ZeroMQ also only rotates over connections that are *up*: requests sent before a slow
//! server's connection is made all go to the others.)

use std::time::Duration;

/// One REQ socket connected to every endpoint (linger 0: closing never waits for a request
/// that cannot be delivered).
pub fn connect(context: &zmq::Context, endpoints: &[String]) -> Result<zmq::Socket, zmq::Error> {
    let socket = context.socket(zmq::REQ)?;
    socket.set_linger(0)?;
    for endpoint in endpoints {
        socket.connect(endpoint)?;
    }
    Ok(socket)
}

/// Sends `request` and waits up to `timeout` for the reply of whichever server ZeroMQ chose;
/// `None` when none came (the socket is then stuck waiting: close it).
pub fn request<F: AsRef<[u8]>>(
    socket: &zmq::Socket,
    request: &[F],
    timeout: Duration,
) -> Result<Option<Vec<Vec<u8>>>, zmq::Error> {
    socket.send_multipart(request.iter().map(AsRef::as_ref), 0)?;
    common::zmq_util::recv_multipart_timeout(socket, timeout)
}
