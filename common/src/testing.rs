//! Helpers for the integration tests and the tour: find the PHP and Python peers, run processes
//! with bounded waits, pick ephemeral ports, and collect the interop matrix.
//!
//! Peers and skipping: without `php` or the project's Python venv a test writes `SKIP #n …` with
//! the command that fixes it to the real stderr (where a plain `cargo test` shows it) and passes —
//! unless `REQUIRE_PEERS=1` (set by `scripts/test.sh` and CI after setup), where a missing peer
//! is a failure.

use std::collections::BTreeSet;
use std::io::{BufRead, BufReader, Read, Write};
use std::path::{Path, PathBuf};
use std::process::{Command, ExitStatus, Stdio};
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::{mpsc, Arc, Mutex};
use std::thread;
use std::time::{Duration, Instant};

/// The command that installs every peer (PHP, Python venv, RabbitMQ).
pub const SETUP_HINT: &str = "scripts/setup.sh";

/// The workspace root (the folder with the top `Cargo.toml`).
pub fn workspace_root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .expect("common/ lives inside the workspace")
        .to_path_buf()
}

/// True when missing peers must fail the tests instead of skipping them.
pub fn peers_required() -> bool {
    std::env::var("REQUIRE_PEERS").is_ok_and(|v| v == "1")
}

/// Skips the calling test with a message, or fails it when peers are required.
/// Use as `let Some(php) = php() else { return skip("php missing") };`.
///
/// The `SKIP` line goes straight to the process's stderr, not through `println!`/`eprintln!`,
/// which libtest captures (and throws away) for a passing test: a plain `cargo test` on a
/// machine without the peers shows every skip, numbered per test binary, e.g.
/// `SKIP #2 (demo1_reqrep, reqrep::interop_matrix…): PHP peer … missing — run scripts/setup.sh`.
pub fn skip(why: &str) {
    assert!(
        !peers_required(),
        "{why} (REQUIRE_PEERS=1; run {SETUP_HINT})"
    );
    static SKIPPED: AtomicUsize = AtomicUsize::new(0);
    let count = SKIPPED.fetch_add(1, Ordering::SeqCst) + 1;
    let binary = std::env::current_exe()
        .ok()
        .and_then(|exe| Some(exe.file_stem()?.to_string_lossy().into_owned()))
        .map(|stem| match stem.rsplit_once('-') {
            Some((name, hash)) if hash.chars().all(|c| c.is_ascii_hexdigit()) => name.to_string(),
            _ => stem,
        })
        .unwrap_or_default();
    let test = thread::current().name().unwrap_or("?").to_string();
    let line = format!(
        "SKIP #{count} ({binary}, {test}): {why} — run {SETUP_HINT} to install the peers \
         (REQUIRE_PEERS=1 turns skips into failures)\n"
    );
    // One write call, so lines of parallel tests do not interleave.
    let _ = std::io::stderr().write_all(line.as_bytes());
}

/// A language a program of the interop matrix is written in.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Lang {
    Rust,
    Php,
    Python,
}

impl Lang {
    /// What to install when this language's interpreter is missing.
    pub fn install_hint(self) -> &'static str {
        match self {
            Lang::Rust => "nothing (cargo builds it)",
            Lang::Php => {
                "php with the zmq and msgpack extensions (Debian: php-cli php-zmq php-msgpack)"
            }
            Lang::Python => "the project's Python venv .venv with pyzmq, msgpack, pika",
        }
    }
}

impl std::fmt::Display for Lang {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(match self {
            Lang::Rust => "Rust",
            Lang::Php => "PHP",
            Lang::Python => "Python",
        })
    }
}

/// The PHP interpreter, if it has the `zmq` and `msgpack` extensions.
pub fn php() -> Option<PathBuf> {
    let ok = Command::new("php")
        .args([
            "-r",
            "exit(extension_loaded('zmq') && extension_loaded('msgpack') ? 0 : 1);",
        ])
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .status()
        .is_ok_and(|s| s.success());
    ok.then(|| PathBuf::from("php"))
}

/// The project's Python (`.venv/bin/python`, or `$PEER_PYTHON`) if it imports pyzmq, msgpack, pika.
pub fn python() -> Option<PathBuf> {
    let candidate = std::env::var_os("PEER_PYTHON")
        .map(PathBuf::from)
        .unwrap_or_else(|| workspace_root().join(".venv/bin/python"));
    let ok = Command::new(&candidate)
        .args(["-c", "import zmq, msgpack, pika"])
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .status()
        .is_ok_and(|s| s.success());
    ok.then_some(candidate)
}

/// The interpreter for a peer language (`None` for Rust or when it is missing).
pub fn interpreter(lang: Lang) -> Option<PathBuf> {
    match lang {
        Lang::Rust => None,
        Lang::Php => php(),
        Lang::Python => python(),
    }
}

/// A command that runs the peer script `script` (a path relative to the calling crate, e.g.
/// `peers/server.php`) with the right interpreter; `None` (after `skip`) if it is missing.
pub fn peer_command(crate_dir: &str, lang: Lang, script: &str) -> Option<Command> {
    let Some(interp) = interpreter(lang) else {
        skip(&format!(
            "{lang} peer for {script} missing: {}",
            lang.install_hint()
        ));
        return None;
    };
    let mut cmd = Command::new(interp);
    if lang == Lang::Python {
        cmd.arg("-u"); // unbuffered: tests read its lines as they come
    }
    cmd.arg(Path::new(crate_dir).join(script));
    Some(cmd)
}

/// The command for one implementation of a role in the interop matrix: the Rust binary at
/// `rust_bin` (pass `env!("CARGO_BIN_EXE_<name>")`) or the `lang` peer script `script` of the
/// crate at `crate_dir`. `None` (after [`skip`]) when the interpreter is missing.
pub fn implementation(
    lang: Lang,
    rust_bin: &str,
    crate_dir: &str,
    script: &str,
) -> Option<Command> {
    match lang {
        Lang::Rust => Some(Command::new(rust_bin)),
        _ => peer_command(crate_dir, lang, script),
    }
}

/// Starts the ZeroMQ server of `lang` on `endpoint`, the way every section's tests do: the
/// Rust binary at `rust_bin` takes `--bind <endpoint>`, a peer script (`script` in the crate at
/// `crate_dir`) reads `ZMQ_ENDPOINT`. `None` (after [`skip`]) when the interpreter is missing.
pub fn zmq_server(
    lang: Lang,
    rust_bin: &str,
    crate_dir: &str,
    script: &str,
    endpoint: &str,
) -> Option<Proc> {
    let mut cmd = implementation(lang, rust_bin, crate_dir, script)?;
    match lang {
        Lang::Rust => cmd.args(["--bind", endpoint]),
        _ => cmd.env("ZMQ_ENDPOINT", endpoint),
    };
    Some(Proc::spawn(format!("{lang} server"), &mut cmd))
}

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

/// `tcp://127.0.0.1:<free port>`.
pub fn free_endpoint() -> String {
    format!("tcp://127.0.0.1:{}", free_port())
}

/// How long [`ServerThread::stop`] waits for a server thread once its stop flag is raised.
pub const STOP_WITHIN: Duration = Duration::from_secs(5);

/// A server running on a thread of its own, for the tests, the tour and the bench: the one
/// helper every crate uses instead of its own wrapper. The body gets the stop flag (the same
/// `Arc<AtomicBool>` a binary gets from `common::shutdown::on_ctrl_c`); [`ServerThread::stop`]
/// raises it, runs the optional `on_stop` hook (an async server's oneshot, say) and waits
/// **at most** [`STOP_WITHIN`] for the body to return. A server that does not stop is a
/// failure with a message, never a hung test.
pub struct ServerThread<T> {
    name: String,
    stop: Arc<AtomicBool>,
    on_stop: Option<Box<dyn FnOnce() + Send>>,
    done: mpsc::Receiver<thread::Result<T>>,
}

impl<T> std::fmt::Debug for ServerThread<T> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ServerThread")
            .field("name", &self.name)
            .finish()
    }
}

impl<T: Send + 'static> ServerThread<T> {
    /// Runs `body(stop_flag)` on a new thread named `name`.
    pub fn spawn(
        name: impl Into<String>,
        body: impl FnOnce(Arc<AtomicBool>) -> T + Send + 'static,
    ) -> ServerThread<T> {
        let name = name.into();
        let stop = Arc::new(AtomicBool::new(false));
        let flag = Arc::clone(&stop);
        let (tx, done) = mpsc::channel();
        thread::Builder::new()
            .name(name.clone())
            .spawn(move || {
                let result = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| body(flag)));
                let _ = tx.send(result);
            })
            .unwrap_or_else(|e| panic!("cannot start the thread {name}: {e}"));
        ServerThread {
            name,
            stop,
            on_stop: None,
            done,
        }
    }

    /// Also runs `hook` when stopping (after raising the flag): for servers that wait on
    /// something else than the flag, e.g. `move || { let _ = tx.send(()); }`.
    pub fn on_stop(mut self, hook: impl FnOnce() + Send + 'static) -> ServerThread<T> {
        self.on_stop = Some(Box::new(hook));
        self
    }

    /// The stop flag the body was given (to share with another part of a test).
    pub fn flag(&self) -> Arc<AtomicBool> {
        Arc::clone(&self.stop)
    }

    /// Stops the server and returns what its body returned; panics (with the server's name)
    /// when it does not finish within [`STOP_WITHIN`], and re-raises a panic of the body.
    pub fn stop(self) -> T {
        let name = self.name.clone();
        match self.stop_within(STOP_WITHIN) {
            Ok(value) => value,
            Err(StopError::Panicked(panic)) => std::panic::resume_unwind(panic),
            Err(StopError::Hung(within)) => {
                panic!("server thread {name} did not stop within {within:?} of its stop flag")
            }
        }
    }

    /// [`ServerThread::stop`] with another bound, and the failure as a value.
    pub fn stop_within(mut self, within: Duration) -> Result<T, StopError> {
        self.raise();
        match self.done.recv_timeout(within) {
            Ok(Ok(value)) => Ok(value),
            Ok(Err(panic)) => Err(StopError::Panicked(panic)),
            Err(_) => Err(StopError::Hung(within)),
        }
    }

    fn raise(&mut self) {
        self.stop.store(true, Ordering::SeqCst);
        if let Some(hook) = self.on_stop.take() {
            hook();
        }
    }
}

impl<T> Drop for ServerThread<T> {
    /// Dropping without `stop()` (a test that failed half-way) still raises the flag, so the
    /// thread ends soon; it is not waited for.
    fn drop(&mut self) {
        self.stop.store(true, Ordering::SeqCst);
        if let Some(hook) = self.on_stop.take() {
            hook();
        }
    }
}

/// Why [`ServerThread::stop_within`] failed.
#[derive(Debug)]
pub enum StopError {
    /// The body panicked (the payload).
    Panicked(Box<dyn std::any::Any + Send>),
    /// The body had not returned when the bound ran out.
    Hung(Duration),
}

/// A ZeroMQ socket's events (its socket monitor), so a test can wait until connections are up
/// instead of sleeping: `Monitor::new(&context, &pusher).wait_for(HANDSHAKE_SUCCEEDED, 2, WAIT)`.
/// Attach it before the connections are made: events before it exists are not seen.
pub struct Monitor {
    events: zmq::Socket,
    seen: Vec<zmq::SocketEvent>,
}

impl std::fmt::Debug for Monitor {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Monitor").field("seen", &self.seen).finish()
    }
}

impl Monitor {
    /// Starts monitoring `socket` (created in `context`) for every event.
    pub fn new(context: &zmq::Context, socket: &zmq::Socket) -> Monitor {
        static NEXT: AtomicUsize = AtomicUsize::new(0);
        let endpoint = format!(
            "inproc://test-monitor-{}",
            NEXT.fetch_add(1, Ordering::SeqCst)
        );
        socket
            .monitor(&endpoint, zmq::SocketEvent::ALL as i32)
            .expect("zmq_socket_monitor on a fresh inproc endpoint");
        let events = context.socket(zmq::PAIR).expect("a PAIR socket");
        events
            .connect(&endpoint)
            .expect("connect to the monitor's inproc endpoint");
        Monitor {
            events,
            seen: Vec::new(),
        }
    }

    /// Waits up to `timeout` until `event` has happened `count` times in all.
    pub fn wait_for(
        &mut self,
        event: zmq::SocketEvent,
        count: usize,
        timeout: Duration,
    ) -> Result<(), String> {
        let deadline = Instant::now() + timeout;
        while self.seen.iter().filter(|e| **e == event).count() < count {
            let left = deadline.saturating_duration_since(Instant::now());
            let frames = crate::zmq_util::recv_multipart_timeout(&self.events, left)
                .map_err(|e| format!("socket monitor: {e}"))?
                .filter(|_| !left.is_zero())
                .ok_or_else(|| {
                    format!(
                        "{event:?} not seen {count} times within {timeout:?}; events: {:?}",
                        self.seen
                    )
                })?;
            // First frame: the event number (u16, little-endian) and a u32 value.
            if let Some(id) = frames.first().and_then(|f| f.get(..2)) {
                self.seen
                    .push(zmq::SocketEvent::from_raw(u16::from_le_bytes([
                        id[0], id[1],
                    ])));
            }
        }
        Ok(())
    }
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

/// How long [`Proc::finish`] waits for the end of stderr once the process has exited.
const STDERR_GRACE: Duration = Duration::from_secs(2);

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

/// A child process that is killed when dropped, whose stdout lines can be awaited with a
/// deadline. stderr is collected too, for failure messages.
#[derive(Debug)]
pub struct Proc {
    pub name: String,
    child: std::process::Child,
    lines: mpsc::Receiver<String>,
    seen: Vec<String>,
    stderr: mpsc::Receiver<String>,
}

impl Proc {
    /// Starts `cmd` with piped stdout/stderr. `name` appears in failure messages.
    pub fn spawn(name: impl Into<String>, cmd: &mut Command) -> Proc {
        let name = name.into();
        let mut child = cmd
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .unwrap_or_else(|e| panic!("cannot start {name} ({cmd:?}): {e}"));
        let stdout = child.stdout.take().expect("stdout is piped");
        let mut stderr = child.stderr.take().expect("stderr is piped");
        let (tx, lines) = mpsc::channel();
        thread::spawn(move || {
            for line in BufReader::new(stdout).lines() {
                let Ok(line) = line else { break };
                if tx.send(line).is_err() {
                    break;
                }
            }
        });
        let (stderr_tx, stderr_rx) = mpsc::channel();
        thread::spawn(move || {
            let mut text = String::new();
            let _ = stderr.read_to_string(&mut text);
            let _ = stderr_tx.send(text);
        });
        Proc {
            name,
            child,
            lines,
            seen: Vec::new(),
            stderr: stderr_rx,
        }
    }

    /// Waits up to `timeout` for a stdout line for which `want` is true, and returns it.
    pub fn expect_line(
        &mut self,
        timeout: Duration,
        want: impl Fn(&str) -> bool,
    ) -> Result<String, String> {
        let deadline = Instant::now() + timeout;
        loop {
            let left = deadline.saturating_duration_since(Instant::now());
            match self.lines.recv_timeout(left) {
                Ok(line) => {
                    self.seen.push(line.clone());
                    if want(&line) {
                        return Ok(line);
                    }
                }
                Err(_) => {
                    return Err(format!(
                        "{}: no matching line within {timeout:?}; stdout so far: {:?}",
                        self.name, self.seen
                    ))
                }
            }
        }
    }

    /// Collects stdout lines for `window` (for counting things over time).
    pub fn lines_for(&mut self, window: Duration) -> Vec<String> {
        let deadline = Instant::now() + window;
        let mut got = Vec::new();
        while let Ok(line) = self
            .lines
            .recv_timeout(deadline.saturating_duration_since(Instant::now()))
        {
            self.seen.push(line.clone());
            got.push(line);
        }
        got
    }

    /// Waits up to `timeout` for the process to exit by itself; returns its status, all of its
    /// stdout lines and its stderr. Kills it (and reports so) when the time is up.
    pub fn finish(mut self, timeout: Duration) -> Finished {
        let deadline = Instant::now() + timeout;
        let status = loop {
            match self.child.try_wait() {
                Ok(Some(status)) => break Some(status),
                Ok(None) if Instant::now() < deadline => thread::sleep(Duration::from_millis(20)),
                _ => {
                    let _ = self.child.kill();
                    let _ = self.child.wait();
                    break None;
                }
            }
        };
        let drain_until = Instant::now() + STDERR_GRACE;
        while let Ok(line) = self.lines.recv_timeout(Duration::from_millis(200)) {
            self.seen.push(line);
            if Instant::now() >= drain_until {
                break;
            }
        }
        // Bounded: a grandchild that inherited stderr can keep the pipe open after the child
        // exited; then its stderr is reported as such instead of hanging the test.
        let stderr = self.stderr.recv_timeout(STDERR_GRACE).unwrap_or_else(|_| {
            format!(
                "(stderr still open {STDERR_GRACE:?} after the exit: a child of it holds the pipe)"
            )
        });
        Finished {
            name: self.name.clone(),
            status,
            stdout: std::mem::take(&mut self.seen),
            stderr,
        }
    }

    /// Ctrl-C, as a person would press it: sends SIGINT and waits up to `within` for the exit
    /// (then `Finished::success` says whether it exited 0 in time).
    pub fn ctrl_c(self, within: Duration) -> Finished {
        self.signal("INT");
        self.finish(within)
    }

    /// Kills the process now (SIGKILL) and waits for it.
    pub fn kill(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }

    /// Sends a signal by name (`"INT"`, `"TERM"`, `"HUP"`, `"KILL"`) with the `kill` command,
    /// as a person's Ctrl-C or `kill -HUP` would; then use [`Proc::finish`] to await the exit.
    pub fn signal(&self, name: &str) {
        let sent = Command::new("kill")
            .args([format!("-{name}"), self.child.id().to_string()])
            .status();
        assert!(
            sent.is_ok_and(|s| s.success()),
            "kill -{name} {} ({}) failed",
            self.child.id(),
            self.name
        );
    }

    /// The OS process id.
    pub fn id(&self) -> u32 {
        self.child.id()
    }
}

impl Drop for Proc {
    fn drop(&mut self) {
        self.kill();
    }
}

/// What a finished (or killed) process left behind.
#[derive(Debug)]
pub struct Finished {
    pub name: String,
    /// `None` when it had to be killed at the deadline.
    pub status: Option<ExitStatus>,
    pub stdout: Vec<String>,
    pub stderr: String,
}

impl Finished {
    /// `Ok(stdout lines)` when it exited 0 in time, else a message with everything it printed.
    pub fn success(self) -> Result<Vec<String>, String> {
        match self.status {
            Some(s) if s.success() => Ok(self.stdout),
            other => Err(format!(
                "{} {}; stdout: {:?}; stderr: {}",
                self.name,
                match other {
                    Some(s) => format!("exited with {s}"),
                    None => "did not finish in time (killed)".to_string(),
                },
                self.stdout,
                self.stderr.trim()
            )),
        }
    }
}

/// Runs `cmd` to completion within `timeout` (killing it after) and returns what it left.
pub fn run(name: impl Into<String>, cmd: &mut Command, timeout: Duration) -> Finished {
    Proc::spawn(name, cmd).finish(timeout)
}

/// The interop matrix of one section: every client implementation against every server
/// implementation. Record each pair, then `assert_all_ok` prints the table and fails on any
/// broken pair (listing them all, not only the first).
#[derive(Debug)]
pub struct Matrix {
    title: String,
    rows: Vec<(String, String, Result<(), String>)>,
}

impl Matrix {
    pub fn new(title: impl Into<String>) -> Matrix {
        Matrix {
            title: title.into(),
            rows: Vec::new(),
        }
    }

    /// Records the outcome of `client` talking to `server`.
    pub fn record(
        &mut self,
        client: impl ToString,
        server: impl ToString,
        outcome: Result<(), String>,
    ) {
        self.rows
            .push((client.to_string(), server.to_string(), outcome));
    }

    /// The table as text: one row per client, one column per server, `ok` / `FAIL`.
    pub fn table(&self) -> String {
        let mut clients: Vec<&str> = Vec::new();
        let mut servers: Vec<&str> = Vec::new();
        for (c, s, _) in &self.rows {
            if !clients.contains(&c.as_str()) {
                clients.push(c);
            }
            if !servers.contains(&s.as_str()) {
                servers.push(s);
            }
        }
        let width = clients
            .iter()
            .chain(&servers)
            .map(|s| s.len())
            .max()
            .unwrap_or(0)
            .max(14)
            + 2;
        let mut out = format!("\n{}\n{:width$}", self.title, "client \\ server");
        for s in &servers {
            out.push_str(&format!("{s:width$}"));
        }
        out.push('\n');
        for c in &clients {
            out.push_str(&format!("{c:width$}"));
            for s in &servers {
                let cell = self
                    .rows
                    .iter()
                    .find(|(rc, rs, _)| rc == c && rs == s)
                    .map_or("-", |(_, _, r)| if r.is_ok() { "ok" } else { "FAIL" });
                out.push_str(&format!("{cell:width$}"));
            }
            out.push('\n');
        }
        out
    }

    /// Prints the table and panics listing every broken pair.
    pub fn assert_all_ok(&self) {
        println!("{}", self.table());
        let broken: Vec<String> = self
            .rows
            .iter()
            .filter_map(|(c, s, r)| r.as_ref().err().map(|e| format!("{c} -> {s}: {e}")))
            .collect();
        assert!(broken.is_empty(), "broken pairs:\n{}", broken.join("\n"));
        assert!(!self.rows.is_empty(), "{}: no pair was tried", self.title);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Not a test of its own: [`skip_lines_reach_a_person_with_a_running_count`] runs it in a
    /// child process with the peers hidden, where both look-ups below skip.
    #[test]
    #[ignore = "a probe, run in a child process by skip_lines_reach_a_person_with_a_running_count"]
    fn probe_skips_twice() {
        if php().is_none() {
            skip("php missing (probe)");
        }
        assert!(peer_command(".", Lang::Python, "peers/probe.py").is_none());
    }

    fn run_probe(require_peers: bool) -> Finished {
        let exe = std::env::current_exe().expect("the test binary's path");
        let mut cmd = Command::new(exe);
        cmd.args([
            "--exact",
            "testing::tests::probe_skips_twice",
            "--include-ignored",
        ])
        // No php on PATH, no Python venv: the machine of a student who ran no setup.
        .env("PATH", "/nonexistent")
        .env("PEER_PYTHON", "/nonexistent/python");
        if require_peers {
            cmd.env("REQUIRE_PEERS", "1");
        } else {
            cmd.env_remove("REQUIRE_PEERS");
        }
        run("probe", &mut cmd, Duration::from_secs(30))
    }

    /// libtest captures `println!` and `eprintln!` of a passing test; the SKIP lines must reach
    /// the real stderr anyway, numbered, naming the peer and the command that installs it.
    #[test]
    fn skip_lines_reach_a_person_with_a_running_count() {
        let done = run_probe(false);
        assert!(
            done.stdout
                .iter()
                .any(|l| l.contains("probe_skips_twice ... ok")),
            "the probe passes (a skip is not a failure): {done:?}"
        );
        let skips: Vec<&str> = done
            .stderr
            .lines()
            .filter(|l| l.starts_with("SKIP"))
            .collect();
        assert_eq!(skips.len(), 2, "{done:?}");
        assert!(
            skips[0].starts_with("SKIP #1 (common, testing::tests::probe_skips_twice): php missing (probe) — run scripts/setup.sh"),
            "{skips:?}"
        );
        assert!(
            skips[1].starts_with("SKIP #2 (common, testing::tests::probe_skips_twice): Python peer for peers/probe.py missing: the project's Python venv"),
            "{skips:?}"
        );

        let required = run_probe(true);
        assert!(
            required.status.is_some_and(|s| !s.success()),
            "REQUIRE_PEERS=1 makes a skip a failure: {required:?}"
        );
    }

    /// A grandchild that inherits the pipes (a server started in the background by a script)
    /// keeps stderr open after the child exits: `finish` must report, not wait for it.
    #[test]
    fn finish_does_not_wait_for_a_grandchild_holding_stderr() {
        let started = Instant::now();
        let done = run(
            "sh",
            Command::new("sh").args(["-c", "sleep 6 & echo done"]),
            Duration::from_secs(5),
        );
        assert!(
            started.elapsed() < Duration::from_secs(5),
            "finish waited {:?} for the grandchild",
            started.elapsed()
        );
        assert_eq!(done.stdout, ["done"], "{done:?}");
        assert!(
            done.stderr.contains("a child of it holds the pipe"),
            "{done:?}"
        );
        assert!(done.status.is_some_and(|s| s.success()), "{done:?}");
    }

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
