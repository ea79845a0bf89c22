//! Section 1 — request / reply with ZeroMQ.
//!
//! A REP socket answers every request it receives, strictly in turn: receive, then send, then
//! receive again. A REQ socket is its mirror: send, then receive. The echo server below is the
//! whole lesson; the binaries only parse flags around it.
//!
//! Wire format: one ZeroMQ frame of UTF-8 text (`hello there!`), echoed back unchanged.

use std::io::Write;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Duration;

/// What the tutorial's client sends.
pub const GREETING: &str = "hello there!";

/// How often the server loop looks at its shutdown flag while no request arrives.
const SHUTDOWN_CHECK: Duration = Duration::from_millis(100);

/// What the echo server sends back for one request.
///
/// A REP socket *must* answer every request, or its REQ peer waits forever; so even a request
/// we did not expect gets a reply:
/// - one frame (the tutorial's case): echoed back byte for byte, even if it is not UTF-8;
/// - several frames: one frame explaining the error (an echo server takes a single frame).
pub fn reply_to(frames: &[Vec<u8>]) -> Vec<u8> {
    match frames {
        [single] => single.clone(),
        _ => format!(
            "error: expected a single frame, got {} frames",
            frames.len()
        )
        .into_bytes(),
    }
}

/// The server's console line for one request: `Get message: <text>` for the tutorial's single
/// frame; for several frames, the frames one by one and the rejection,
/// `Rejected ["a", "b", "c"]: expected a single frame, got 3 frames`.
pub fn console_line(frames: &[Vec<u8>]) -> String {
    let text = |frame: &[u8]| String::from_utf8_lossy(frame).into_owned();
    match frames {
        [single] => format!("Get message: {}", text(single)),
        _ => {
            let shown: Vec<String> = frames.iter().map(|f| text(f)).collect();
            format!(
                "Rejected {shown:?}: expected a single frame, got {} frames",
                frames.len()
            )
        }
    }
}

/// Serves `socket` (a bound REP socket) until `shutdown` is set: prints
/// `Get message: <text>` for every request and echoes it back.
///
/// How it stops: `shutdown` is looked at between requests, so the request in hand is always
/// answered first; the binary raises it on Ctrl-C (`common::shutdown`).
///
/// `console` is where the tutorial's lines go (stdout in the binary, a buffer in tests).
pub fn serve(
    socket: &zmq::Socket,
    console: &mut impl Write,
    shutdown: &AtomicBool,
) -> Result<(), zmq::Error> {
    while !shutdown.load(Ordering::Relaxed) {
        // Wait at most SHUTDOWN_CHECK (ZMQ_RCVTIMEO), so the loop looks at `shutdown` often.
        let Some(frames) = common::zmq_util::recv_multipart_timeout(socket, SHUTDOWN_CHECK)? else {
            continue;
        };
        if frames.len() != 1 {
            tracing::warn!(
                frames = frames.len(),
                "multipart request; replying with an error"
            );
        }
        let _ = writeln!(console, "{}", console_line(&frames));
        let _ = console.flush();
        socket.send(reply_to(&frames), 0)?;
    }
    Ok(())
}
