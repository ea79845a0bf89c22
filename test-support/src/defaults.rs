//! The tutorial's defaults, checked the same way in every section: its ports held one test at a
//! time, its scripts and our programs meeting with no flags at all, `--help` naming the
//! partner, and the one-line error of a bad endpoint.

use std::process::Command;
use std::time::Duration;

use crate::peers::{implementation, skip, Lang};
use crate::process::{run, Proc};

/// Holds the tutorial's own port for one test at a time, across every test process of the
/// workspace (a file lock in the temp dir), for the tests that run the programs at their
/// defaults. Returns `None` (after [`skip`]) when something else already listens on the port.
pub fn lock_default_port(port: u16) -> Option<std::fs::File> {
    let path = std::env::temp_dir().join(format!("rpc-tutorial-port-{port}.lock"));
    let file = std::fs::File::create(&path).expect("the temp dir is writable");
    file.lock().expect("flock on the port lock file");
    // Under the lock, the port must be free. A server the previous holder started may still
    // be on its way out (a PHP peer takes a moment to close its socket), so wait a little;
    // one that stays is outside the tests. Binding is not enough to tell: a peer bound to
    // `tcp://*:PORT` and our `127.0.0.1:PORT` can both listen (SO_REUSEADDR), so connect too.
    let addr = std::net::SocketAddr::from(([127, 0, 0, 1], port));
    let deadline = std::time::Instant::now() + Duration::from_secs(5);
    let busy = || {
        std::net::TcpStream::connect_timeout(&addr, Duration::from_millis(100)).is_ok()
            || std::net::TcpListener::bind(addr).is_err()
    };
    while busy() && std::time::Instant::now() < deadline {
        std::thread::sleep(Duration::from_millis(50));
    }
    if busy() {
        skip(&format!(
            "port {port} is busy (a tutorial server already running?){}",
            who_listens(port)
        ));
        return None;
    }
    Some(file)
}

/// `: <the listeners on port, with their processes>` as `ss` shows them, or nothing: which
/// program holds a port the tests needed, for whoever reads the failure.
fn who_listens(port: u16) -> String {
    let shown = Command::new("ss")
        .args(["-Htanp", &format!("sport = :{port}")])
        .output();
    match shown {
        Ok(out) if out.status.success() && !out.stdout.is_empty() => {
            format!(": {}", String::from_utf8_lossy(&out.stdout).trim())
        }
        _ => String::new(),
    }
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

/// The programs of one section meeting the tutorial's scripts at their defaults, as a student
/// runs them: no endpoint given anywhere.
#[derive(Debug, Clone, Copy)]
pub struct Defaults<'a> {
    /// `env!("CARGO_MANIFEST_DIR")` of the section.
    pub crate_dir: &'a str,
    /// The tutorial's port, held for the whole check ([`lock_default_port`]).
    pub port: u16,
    /// Our server and client (`env!("CARGO_BIN_EXE_…")`), run with no flags (the client with
    /// `--timeout 10s` only).
    pub server: (&'a str, &'a str),
    pub client: (&'a str, &'a str),
    /// The tutorial's client and server scripts (`peers/client.php`, …) in their languages.
    pub peer_client: (Lang, &'a str),
    pub peer_server: (Lang, &'a str),
    /// Every line a client prints, and the line a server prints for the request.
    pub client_prints: &'a [&'a str],
    pub server_prints: &'a str,
}

/// Runs the peer client against our server, then our client against the peer server, all at
/// their defaults, and asserts what each prints. Skips (visibly) when a peer is missing or the
/// port is taken.
pub fn meet_at_defaults(d: &Defaults<'_>) {
    let Some(_port) = lock_default_port(d.port) else {
        return;
    };
    let Some(mut peer_client) = implementation(d.peer_client.0, "", d.crate_dir, d.peer_client.1)
    else {
        return;
    };
    let Some(mut peer_server) = implementation(d.peer_server.0, "", d.crate_dir, d.peer_server.1)
    else {
        return;
    };
    let server = Proc::spawn(d.server.0, &mut Command::new(d.server.1));
    one_way(d, server, (d.peer_client.1, &mut peer_client));
    let server = Proc::spawn(d.peer_server.1, &mut peer_server);
    let mut client = Command::new(d.client.1);
    one_way(d, server, (d.client.0, client.args(["--timeout", "10s"])));
}

/// One client against one running server: what each prints must be what the section says.
fn one_way(d: &Defaults<'_>, mut server: Proc, (name, client): (&str, &mut Command)) {
    const WAIT: Duration = Duration::from_secs(20);
    let lines = run(name, client, WAIT)
        .success()
        .unwrap_or_else(|why| panic!("{name} against {}: {why}", server.name));
    assert_eq!(lines, d.client_prints, "{name} against {}", server.name);
    if let Err(why) = server.expect_line(WAIT, |l| l == d.server_prints) {
        panic!("{} with {name}: {why}", server.name);
    }
}

/// Each binary's `--help` says what it does and names its partner (`Partner: demo1-client`).
pub fn assert_help_names_partners(pairs: &[(&str, &str)]) {
    for (bin, partner) in pairs {
        let help = run(
            *bin,
            Command::new(bin).arg("--help"),
            Duration::from_secs(20),
        )
        .success()
        .unwrap_or_else(|why| panic!("{bin} --help: {why}"))
        .join("\n");
        assert!(
            help.contains(&format!("Partner: {partner}")),
            "{bin}: {help}"
        );
    }
}
