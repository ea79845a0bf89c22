//! The server: a REP socket that answers every request with its name.
//!
//! Nothing in a request can be wrong here — one frame or ten, text or binary, the answer is the
//! name — so the only bad input left is what never becomes a request: bytes that are not ZeroMQ
//! at all (libzmq drops that connection) and envelopes REP cannot route (libzmq drops the
//! message). Either way the loop below never sees them and goes on serving.

use std::io::Write;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Duration;

use crate::pyrepr::frames_repr;

/// How often the server loop looks at its shutdown flag while no request arrives.
const SHUTDOWN_CHECK: Duration = Duration::from_millis(100);

/// The default server name: this machine's host name (what tells the laptops apart in class).
pub fn default_name() -> String {
    gethostname::gethostname().to_string_lossy().into_owned()
}

/// Serves `socket` (a bound REP socket) until `shutdown` is set: prints
/// `Get message: [b'hello']` (the request's frames as Python prints them) for every request and
/// replies with `name` as a single frame.
///
/// `console` is where the tutorial's lines go (stdout in the binary, a buffer in tests).
pub fn serve(
    socket: &zmq::Socket,
    name: &str,
    console: &mut impl Write,
    shutdown: &AtomicBool,
) -> Result<(), zmq::Error> {
    while !shutdown.load(Ordering::Relaxed) {
        // Wait at most SHUTDOWN_CHECK for a request (ZMQ_RCVTIMEO), so the loop notices `shutdown`.
        let frames = match common::zmq_util::recv_multipart_timeout(socket, SHUTDOWN_CHECK) {
            Ok(Some(frames)) => frames,
            // No request yet, or a signal (Ctrl-C) interrupted the wait: look at `shutdown`.
            Ok(None) | Err(zmq::Error::EINTR) => continue,
            Err(e) => return Err(e),
        };
        tracing::debug!(frames = frames.len(), "request");
        let _ = writeln!(console, "Get message: {}", frames_repr(&frames));
        let _ = console.flush();
        // A REP socket must answer every request, or it cannot receive the next one.
        socket.send(name.as_bytes(), 0)?;
    }
    Ok(())
}
