//! What every scenario needs around its measurement: the budget, progress lines, finding the
//! peers (Python, PHP, RabbitMQ) and the Rust server binaries, and a few process helpers.
//!
//! A missing peer is not a failure: the scenario returns a [`Skip`] error, which the report
//! lists as skipped — unless `REQUIRE_PEERS=1` (CI after `scripts/setup.sh`), where it fails.

use std::net::{SocketAddr, TcpStream};
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::sync::Mutex;
use std::time::{Duration, Instant};

use anyhow::{anyhow, Context as _};
use test_support::{workspace_root, Proc};

use crate::measure::{Budget, Rate};

/// The reason a scenario could not run here (a peer, the broker or a binary is missing).
/// Returned as an `anyhow::Error` so that `?` works everywhere; the runner looks for it.
#[derive(Debug)]
pub struct Skip(pub String);

impl std::fmt::Display for Skip {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}

impl std::error::Error for Skip {}

/// `Err(Skip)` as an `anyhow::Error`.
pub fn skip<T>(why: impl Into<String>) -> anyhow::Result<T> {
    Err(Skip(why.into()).into())
}

/// Shared by all scenarios of one run.
#[derive(Debug)]
pub struct Ctx {
    pub budget: Budget,
    python: Option<PathBuf>,
    php: Option<PathBuf>,
    /// The scenario running now, for the progress lines.
    current: Mutex<String>,
    /// Whether [`Ctx::build_binaries`] may run `cargo build` (false with `--no-build`).
    build: bool,
    /// Every TCP ping-pong median a scenario measured in this run (the report quotes them).
    limits: Mutex<Vec<f64>>,
    /// The CPU's counters when the run started (the report gives the steal and idle since).
    pub cpu_at_start: Option<CpuTimes>,
}

/// The machine's CPU time counters, all CPUs together (`/proc/stat`'s `cpu` line), in ticks.
#[derive(Debug, Clone, Copy, Default)]
pub struct CpuTimes {
    pub total: u64,
    pub idle: u64,
    /// Time the hypervisor gave our virtual CPUs to someone else.
    pub steal: u64,
}

impl CpuTimes {
    /// Now, or `None` off Linux.
    pub fn now() -> Option<CpuTimes> {
        let stat = std::fs::read_to_string("/proc/stat").ok()?;
        let line = stat.lines().find(|l| l.starts_with("cpu "))?;
        let ticks: Vec<u64> = line
            .split_whitespace()
            .skip(1)
            .filter_map(|t| t.parse().ok())
            .collect();
        // user nice system idle iowait irq softirq steal (guest time is inside user).
        let field = |i: usize| ticks.get(i).copied().unwrap_or(0);
        Some(CpuTimes {
            total: (0..8).map(field).sum(),
            idle: field(3) + field(4),
            steal: field(7),
        })
    }

    /// `(steal %, busy %)` of the time between `self` and `later`.
    pub fn shares_until(&self, later: &CpuTimes) -> (f64, f64) {
        let total = later.total.saturating_sub(self.total).max(1) as f64;
        let steal = later.steal.saturating_sub(self.steal) as f64;
        let idle = later.idle.saturating_sub(self.idle) as f64;
        (
            100.0 * steal / total,
            100.0 * (total - idle - steal) / total,
        )
    }
}

/// The load averages of `/proc/loadavg` (1, 5 and 15 minutes), as written there.
pub fn load_average() -> Option<String> {
    let text = std::fs::read_to_string("/proc/loadavg").ok()?;
    let words: Vec<&str> = text.split_whitespace().take(3).collect();
    (words.len() == 3).then(|| words.join(" "))
}

impl Ctx {
    pub fn new(budget: Budget, build: bool) -> Ctx {
        Ctx {
            budget,
            build,
            python: test_support::python(),
            php: test_support::php(),
            current: Mutex::new(String::new()),
            limits: Mutex::new(Vec::new()),
            cpu_at_start: CpuTimes::now(),
        }
    }

    /// Records a TCP ping-pong median measured by a scenario (for the report's machine line).
    pub fn note_limit(&self, round_trips_per_second: f64) {
        if let Ok(mut limits) = self.limits.lock() {
            limits.push(round_trips_per_second);
        }
    }

    /// The TCP ping-pong medians of this run, in the order measured.
    pub fn limits(&self) -> Vec<f64> {
        self.limits.lock().map(|l| l.clone()).unwrap_or_default()
    }

    pub fn set_current(&self, scenario: &str) {
        if let Ok(mut current) = self.current.lock() {
            *current = scenario.to_string();
        }
    }

    /// A progress line on stderr (stdout carries only the results table).
    pub fn say(&self, message: impl AsRef<str>) {
        let current = self.current.lock().map(|c| c.clone()).unwrap_or_default();
        eprintln!("[{current}] {}", message.as_ref());
    }

    /// The progress callback for [`crate::measure::round_robin`].
    pub fn sample_reporter<'a>(&'a self, unit: &'a str) -> impl FnMut(&str, usize, f64) + 'a {
        move |who, round, value| self.say(format!("{who} #{round}: {} {unit}", fmt_value(value)))
    }

    /// `python -u <script> <args>` with the project's venv Python, or a [`Skip`].
    pub fn python(&self, script: &Path) -> anyhow::Result<Command> {
        let Some(python) = &self.python else {
            return skip(format!(
                "the Python peer (.venv with pyzmq, msgpack, pika) is missing — run {}",
                test_support::SETUP_HINT
            ));
        };
        let mut cmd = Command::new(python);
        cmd.arg("-u").arg(script);
        Ok(cmd)
    }

    /// `php <script>` with the zmq and msgpack extensions, or a [`Skip`].
    pub fn php(&self, script: &Path) -> anyhow::Result<Command> {
        let Some(php) = &self.php else {
            return skip(format!(
                "php with the zmq and msgpack extensions is missing — run {}",
                test_support::SETUP_HINT
            ));
        };
        let mut cmd = Command::new(php);
        cmd.arg(script);
        Ok(cmd)
    }

    /// The RabbitMQ broker on 127.0.0.1:5672, or a [`Skip`].
    pub fn rabbitmq(&self) -> anyhow::Result<()> {
        let addr = SocketAddr::from(([127, 0, 0, 1], 5672));
        match TcpStream::connect_timeout(&addr, Duration::from_secs(1)) {
            Ok(_) => Ok(()),
            Err(_) => skip(format!(
                "no RabbitMQ broker on {addr} — run {}",
                test_support::SETUP_HINT
            )),
        }
    }

    /// Under `cargo run` (which sets `$CARGO`), builds every binary of the workspace in
    /// **one** `cargo build --workspace --bins`, before the first scenario: nothing compiles
    /// while a scenario measures. One feature resolution for all, so the shared crates are
    /// compiled once, not once per package (`-p` resolves features for that package alone).
    /// The two builds coexist in `target/`: after this one, `cargo run -p bench` compiles
    /// nothing again, and the second run's build is a no-op (docs/building.md). Without
    /// `$CARGO`, or with `--no-build`, nothing is built: [`Ctx::binary`] uses what is there.
    pub fn build_binaries(&self) {
        let Some(cargo) = std::env::var_os("CARGO").filter(|_| self.build) else {
            return;
        };
        let started = Instant::now();
        self.say("cargo build --workspace --bins (before any measurement)");
        let mut cmd = Command::new(cargo);
        cmd.args(["build", "--quiet", "--workspace", "--bins"]);
        if !cfg!(debug_assertions) {
            cmd.arg("--release");
        }
        let ok = cmd
            .current_dir(workspace_root())
            .stdin(Stdio::null())
            .status()
            .is_ok_and(|s| s.success());
        if !ok {
            self.say("building the workspace failed; using what is already built");
        }
        self.say(format!("built in {:.1} s", started.elapsed().as_secs_f64()));
    }

    /// The path of the binary `bin` of workspace package `package`, in the profile we were
    /// built with (`target/release` for the real measurements, `target/debug` for the smoke
    /// run `scripts/test.sh` does with the binaries its tests already built).
    ///
    /// Server binaries are measured as separate processes, exactly as a student runs them;
    /// [`Ctx::build_binaries`] has built them before the run began.
    pub fn binary(&self, package: &str, bin: &str) -> anyhow::Result<PathBuf> {
        let exe = std::env::current_exe().context("cannot find our own executable")?;
        let dir = exe
            .parent()
            .ok_or_else(|| anyhow!("our executable has no folder"))?
            .to_path_buf();
        let release = dir.file_name().is_some_and(|n| n == "release");
        let path = dir.join(bin);
        if path.is_file() {
            Ok(path)
        } else {
            skip(format!(
                "{bin} of {package} is not built — run `cargo build {}--workspace --bins`",
                if release { "--release " } else { "" }
            ))
        }
    }
}

/// A figure with as many digits as it deserves: `31 234`, `2.35`, `0.014`.
pub fn fmt_value(value: f64) -> String {
    let abs = value.abs();
    if abs >= 1000.0 {
        let whole = format!("{value:.0}");
        // Thin groups of three make 1234567 readable as 1 234 567.
        let (sign, digits) = whole.split_at(usize::from(whole.starts_with('-')));
        let mut grouped = String::new();
        for (i, c) in digits.chars().enumerate() {
            if i > 0 && (digits.len() - i) % 3 == 0 {
                grouped.push(' ');
            }
            grouped.push(c);
        }
        format!("{sign}{grouped}")
    } else if abs >= 100.0 {
        format!("{value:.0}")
    } else if abs >= 10.0 {
        format!("{value:.1}")
    } else if abs >= 0.1 {
        format!("{value:.2}")
    } else {
        format!("{value:.3}")
    }
}

/// A script in `bench/peers/`.
pub fn bench_peer(name: &str) -> PathBuf {
    workspace_root().join("bench/peers").join(name)
}

/// A section's own peer script, e.g. `section_peer("xmlrpc-calc", "server.py")`.
pub fn section_peer(package: &str, name: &str) -> PathBuf {
    workspace_root().join(package).join("peers").join(name)
}

/// Runs a peer load generator to the end (killing it after `timeout`) and returns the rate
/// from its `RESULT <ops> <seconds>` line.
pub fn peer_rate(name: &str, cmd: &mut Command, timeout: Duration) -> anyhow::Result<Rate> {
    let lines = test_support::run(name, cmd, timeout)
        .success()
        .map_err(|e| anyhow!(e))?;
    lines
        .iter()
        .rev()
        .find_map(|line| Rate::from_peer_line(line))
        .ok_or_else(|| anyhow!("{name} printed no RESULT line: {lines:?}"))
}

/// Starts a server process and waits until `ready` says it is up (a TCP port that accepts, a
/// line it prints, …). Killed when the returned [`Proc`] is dropped.
pub fn start_server(
    name: &str,
    cmd: &mut Command,
    ready: Ready<'_>,
    timeout: Duration,
) -> anyhow::Result<Proc> {
    let mut proc = Proc::spawn(name, cmd);
    match ready {
        Ready::Port(addr) => wait_for_port(addr, timeout)
            .with_context(|| format!("{name} did not listen on {addr}"))?,
        Ready::Line(text) => {
            proc.expect_line(timeout, |line| line.contains(text))
                .map_err(|e| anyhow!(e))?;
        }
    }
    Ok(proc)
}

/// A server process whose stdout is thrown away and whose stderr goes to a temporary file,
/// killed when dropped. For servers that print a line per call: through a pipe, reading those
/// lines would cost the bench CPU that the 2-core machine cannot spare during a measurement; a
/// file costs no more than `/dev/null`, and when the server dies its last words are in it.
#[derive(Debug)]
pub struct QuietServer {
    name: String,
    pid: u32,
    child: Mutex<std::process::Child>,
    stderr: PathBuf,
}

impl QuietServer {
    pub fn start(name: &str, cmd: &mut Command) -> anyhow::Result<QuietServer> {
        static STARTED: std::sync::atomic::AtomicUsize = std::sync::atomic::AtomicUsize::new(0);
        let n = STARTED.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
        let stderr = std::env::temp_dir().join(format!(
            "bench-{}-{n}-{}.stderr",
            std::process::id(),
            name.replace(['/', ' '], "_")
        ));
        let file = std::fs::File::create(&stderr)
            .with_context(|| format!("cannot create {}", stderr.display()))?;
        let child = cmd
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(file)
            .spawn()
            .with_context(|| format!("cannot start {name}"))?;
        Ok(QuietServer {
            name: name.to_string(),
            pid: child.id(),
            child: Mutex::new(child),
            stderr,
        })
    }

    /// The OS process id.
    pub fn id(&self) -> u32 {
        self.pid
    }

    /// Fails if the process has already exited (it could not bind, crashed, was killed, …),
    /// with the last lines it wrote to stderr.
    pub fn check_running(&self) -> anyhow::Result<()> {
        let mut child = self.child.lock().map_err(|_| anyhow!("poisoned lock"))?;
        match child.try_wait()? {
            None => Ok(()),
            Some(status) => {
                let said = std::fs::read_to_string(&self.stderr).unwrap_or_default();
                let lines: Vec<&str> = said.lines().collect();
                let tail = lines[lines.len().saturating_sub(8)..].join("\n    ");
                let tail = if tail.is_empty() {
                    "(nothing on stderr)".to_string()
                } else {
                    format!("its stderr ended with:\n    {tail}")
                };
                anyhow::bail!(
                    "{} (pid {}) has exited: {status}; {tail}",
                    self.name,
                    self.pid
                )
            }
        }
    }

    /// Waits until `addr` accepts TCP connections — and checks afterwards that it is this
    /// server that answers, not a process that already had the port; gives up at once when
    /// this server exits.
    pub fn wait_for_port(&self, addr: SocketAddr, timeout: Duration) -> anyhow::Result<()> {
        let deadline = Instant::now() + timeout;
        loop {
            self.check_running()?;
            // Short tries, so that a server that dies on start is noticed at once.
            if test_support::wait_for_port(addr, Duration::from_millis(100)).is_ok() {
                std::thread::sleep(Duration::from_millis(50));
                return self.check_running();
            }
            if Instant::now() > deadline {
                anyhow::bail!("{} does not listen on {addr} after {timeout:?}", self.name);
            }
        }
    }

    /// Adds to `error` whether this server is still running: a call that gets no reply is
    /// a slow server or a dead one, and the difference matters to whoever reads the error.
    pub fn explain(&self, error: anyhow::Error) -> anyhow::Error {
        match self.check_running() {
            Ok(()) => error.context(format!("{} (pid {}) is still running", self.name, self.pid)),
            Err(exited) => error.context(exited.to_string()),
        }
    }
}

impl Drop for QuietServer {
    fn drop(&mut self) {
        if let Ok(child) = self.child.get_mut() {
            let _ = child.kill();
            let _ = child.wait();
        }
        let _ = std::fs::remove_file(&self.stderr);
    }
}

/// How [`start_server`] knows a server is up.
#[derive(Debug, Clone, Copy)]
pub enum Ready<'a> {
    /// It accepts TCP connections on this address.
    Port(SocketAddr),
    /// It printed a line containing this text on stdout.
    Line(&'a str),
}

/// Waits until something accepts TCP connections on `addr` (`test_support::wait_for_port`).
pub fn wait_for_port(addr: SocketAddr, timeout: Duration) -> anyhow::Result<()> {
    test_support::wait_for_port(addr, timeout).map_err(|e| anyhow!(e))
}

/// A free loopback address (`127.0.0.1:<free port>`).
pub fn free_addr() -> SocketAddr {
    SocketAddr::from(([127, 0, 0, 1], test_support::free_port()))
}

/// Resident memory of process `pid` in megabytes (`VmRSS` of `/proc/<pid>/status`).
pub fn rss_mb(pid: u32) -> anyhow::Result<f64> {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status"))
        .with_context(|| format!("cannot read /proc/{pid}/status (Linux only)"))?;
    let kb: f64 = status
        .lines()
        .find_map(|line| line.strip_prefix("VmRSS:"))
        .and_then(|rest| rest.split_whitespace().next())
        .and_then(|n| n.parse().ok())
        .ok_or_else(|| anyhow!("no VmRSS line for process {pid}"))?;
    Ok(kb / 1024.0)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn values_are_readable() {
        assert_eq!(fmt_value(1234567.0), "1 234 567");
        assert_eq!(fmt_value(-1234.0), "-1 234");
        assert_eq!(fmt_value(999.4), "999");
        assert_eq!(fmt_value(2.345), "2.35");
        assert_eq!(fmt_value(0.0123), "0.012");
    }

    #[test]
    fn our_own_memory_is_measurable() {
        let mb = rss_mb(std::process::id()).expect("Linux /proc");
        assert!(mb > 0.0);
    }
}
