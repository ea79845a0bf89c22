//! The tutorial's own ports, held one test at a time, and the check of a bad endpoint's error.

use std::process::Command;
use std::time::Duration;

use crate::peers::skip;
use crate::process::run;

/// Holds the tutorial's own port for one test at a time, across every test process of the
/// workspace (a file lock in the temp dir), for the tests that run the programs at their
/// defaults. Returns `None` (after [`skip`]) when something else already listens on the port.
pub fn lock_default_port(port: u16) -> Option<std::fs::File> {
    let path = std::env::temp_dir().join(format!("rpc-tutorial-port-{port}.lock"));
    let file = std::fs::File::create(&path).expect("the temp dir is writable");
    file.lock().expect("flock on the port lock file");
    // Under the lock, the port must be free: if not, a server outside the tests has it.
    if std::net::TcpListener::bind(("127.0.0.1", port)).is_err() {
        skip(&format!(
            "port {port} is busy (a tutorial server already running?)"
        ));
        return None;
    }
    Some(file)
}

/// Runs `bin` with `flag endpoint` (plus `extra` arguments) where `endpoint` lacks its
/// transport (`localhost:5555`), and asserts that it exits non-zero with the one-line error of
/// `common::zmq_util`: the endpoint, the flag it came from, and the form it needs.
pub fn assert_endpoint_error(bin: &str, flag: &str, endpoint: &str, extra: &[&str]) {
    let done = run(
        bin,
        Command::new(bin).arg(flag).arg(endpoint).args(extra),
        Duration::from_secs(15),
    );
    assert!(done.status.is_some_and(|s| !s.success()), "{done:?}");
    let want = format!(
        "{endpoint} ({flag}): Invalid argument — an endpoint is transport://address, e.g. tcp://"
    );
    assert!(
        done.stderr.contains(&want),
        "{bin} {flag} {endpoint}: want {want:?} on stderr, got: {}",
        done.stderr
    );
}
