//! How a server stops: Ctrl-C (SIGINT) or SIGTERM raises a flag that the serve loop checks
//! between requests, so the request in hand is finished and the sockets are closed with a
//! bounded linger before `main` returns 0. A second Ctrl-C while the server is still stopping
//! ends the process at once (exit status 130), in case the server hangs.
//!
//! ```text
//! let stop = common::shutdown::on_ctrl_c()?;   // before the loop
//! while !stop.load(Ordering::Relaxed) { … }     // the loop
//! ```
//!
//! A blocking ZeroMQ receive is interrupted by the signal (`EINTR`), and our receives time out
//! every 100 ms anyway, so the flag is seen within a fraction of a second.

use std::sync::atomic::AtomicBool;
use std::sync::Arc;
use std::time::Duration;

use signal_hook::consts::{SIGINT, SIGTERM};

/// How long a stopping program lets libzmq deliver what is still queued when it closes a socket
/// (`ZMQ_LINGER`). The default, forever, can hold `main` past its end when a peer has gone.
pub const LINGER: Duration = Duration::from_millis(500);

/// [`LINGER`] in the unit `zmq::Socket::set_linger` takes (milliseconds).
pub const LINGER_MS: i32 = LINGER.as_millis() as i32;

/// A flag raised by the first SIGINT or SIGTERM; the second one exits with status 130.
pub fn on_ctrl_c() -> std::io::Result<Arc<AtomicBool>> {
    let stop = Arc::new(AtomicBool::new(false));
    for signal in [SIGINT, SIGTERM] {
        // Registered first, so it runs before the flag is raised: it exits only when the flag
        // was already up, i.e. on the second signal.
        signal_hook::flag::register_conditional_shutdown(signal, 130, Arc::clone(&stop))?;
        signal_hook::flag::register(signal, Arc::clone(&stop))?;
    }
    Ok(stop)
}
