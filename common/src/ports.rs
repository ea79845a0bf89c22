//! Ports for programs started on the fly: one that was free a moment ago, never handed out
//! twice in a process, and a wait until something listens.

use std::collections::BTreeSet;
use std::sync::Mutex;
use std::thread;
use std::time::{Duration, Instant};

/// A loopback TCP port that was free a moment ago (bind to port 0, read the port, release it).
/// For programs that must be told their endpoint in advance, such as the PHP peers.
///
/// The kernel may hand out the same port again as soon as it is released (about 2 % of runs
/// of 16 draws did, on a 28 000-port range), and two servers told the same port means one of
/// them dies on start while the other answers in its place. So a port is given out at most
/// once per process: tests running in parallel threads, and the benchmark's many servers,
/// never share one.
pub fn free_port() -> u16 {
    static GIVEN: Mutex<BTreeSet<u16>> = Mutex::new(BTreeSet::new());
    let mut given = GIVEN
        .lock()
        .unwrap_or_else(|poisoned| poisoned.into_inner());
    loop {
        let port = std::net::TcpListener::bind("127.0.0.1:0")
            .and_then(|l| l.local_addr())
            .map(|a| a.port())
            .expect("the kernel hands out an ephemeral port");
        if given.insert(port) {
            return port;
        }
    }
}

/// `tcp://127.0.0.1:<free port>`.
pub fn free_endpoint() -> String {
    format!("tcp://127.0.0.1:{}", free_port())
}

/// Waits up to `timeout` until something accepts TCP connections on `addr`.
pub fn wait_for_port(addr: std::net::SocketAddr, timeout: Duration) -> Result<(), String> {
    let deadline = Instant::now() + timeout;
    loop {
        if std::net::TcpStream::connect_timeout(&addr, Duration::from_millis(200)).is_ok() {
            return Ok(());
        }
        if Instant::now() >= deadline {
            return Err(format!(
                "nothing accepts connections on {addr} within {timeout:?}"
            ));
        }
        thread::sleep(Duration::from_millis(20));
    }
}

#[cfg(test)]
mod tests {
    use std::collections::BTreeSet;
    use std::thread;

    use super::*;

    /// 300 draws from the kernel alone repeat a port in most runs (birthday odds on ~14 000
    /// ports); `free_port` must never hand one out twice, even from parallel threads.
    #[test]
    fn free_port_never_repeats_a_port() {
        let handles: Vec<_> = (0..3)
            .map(|_| thread::spawn(|| (0..100).map(|_| free_port()).collect::<Vec<_>>()))
            .collect();
        let mut all = Vec::new();
        for handle in handles {
            all.extend(handle.join().expect("a drawing thread"));
        }
        let unique: BTreeSet<u16> = all.iter().copied().collect();
        assert_eq!(unique.len(), all.len(), "a port was handed out twice");
    }
}
