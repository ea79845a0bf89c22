//! The PHP and Python peers, and visible skips: without `php` or the project's Python venv a
//! test writes `SKIP #n …` with the command that fixes it to the real stderr (where a plain
//! `cargo test` shows it) and passes — unless `REQUIRE_PEERS=1` (set by `scripts/test.sh` and CI
//! after setup), where a missing peer is a failure.

use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::thread;

use crate::process::Proc;

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

#[cfg(test)]
mod tests {
    use std::time::Duration;

    use super::*;
    use crate::process::{run, Finished};

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
            "peers::tests::probe_skips_twice",
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
            skips[0].starts_with("SKIP #1 (test_support, peers::tests::probe_skips_twice): php missing (probe) — run scripts/setup.sh"),
            "{skips:?}"
        );
        assert!(
            skips[1].starts_with("SKIP #2 (test_support, peers::tests::probe_skips_twice): Python peer for peers/probe.py missing: the project's Python venv"),
            "{skips:?}"
        );

        let required = run_probe(true);
        assert!(
            required.status.is_some_and(|s| !s.success()),
            "REQUIRE_PEERS=1 makes a skip a failure: {required:?}"
        );
    }
}
