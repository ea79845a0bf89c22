//! Child processes with bounded waits: a [`Proc`] is killed when dropped, its stdout lines can
//! be awaited with a deadline, and [`run`] runs one to completion within a timeout.

use std::io::{BufRead, BufReader, Read};
use std::process::{Command, ExitStatus, Stdio};
use std::sync::mpsc;
use std::thread;
use std::time::{Duration, Instant};

/// How long [`Proc::finish`] waits for the end of stderr once the process has exited.
const STDERR_GRACE: Duration = Duration::from_secs(2);

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

    /// The CPU time the process has used so far, all threads, user and system (Linux: fields
    /// 14 and 15 of `/proc/PID/stat`, in clock ticks of 10 ms).
    pub fn cpu_time(&self) -> Duration {
        let stat = std::fs::read_to_string(format!("/proc/{}/stat", self.id()))
            .unwrap_or_else(|e| panic!("{}: no /proc stat: {e}", self.name));
        // After "(name) ", the state is field 3: utime (14) and stime (15) are at 11 and 12.
        let after_name = &stat[stat.rfind(')').expect("stat has (comm)") + 2..];
        let fields: Vec<&str> = after_name.split(' ').collect();
        let ticks = |i: usize| fields[i].parse::<u64>().expect("a number of ticks");
        Duration::from_millis((ticks(11) + ticks(12)) * 10)
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

#[cfg(test)]
mod tests {
    use super::*;

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
}
