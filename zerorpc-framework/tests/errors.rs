//! Every error the client prints names the real cause: one test per message, each checked as
//! the command line prints it.

use std::process::Command;
use std::time::Duration;

use test_support::{free_endpoint, run, Finished, Lang};

use crate::support::{server_process, InProcess};

const WAIT: Duration = Duration::from_secs(20);

fn client(args: &[&str]) -> Command {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_zerorpc-client"));
    cmd.args(args).env("RUST_LOG", "warn");
    cmd
}

/// Runs the client; it must exit 1, and its stderr is returned.
fn fails(args: &[&str]) -> String {
    let done: Finished = run("zerorpc-client", &mut client(args), WAIT);
    assert_eq!(
        done.status.and_then(|s| s.code()),
        Some(1),
        "{args:?}: {}",
        done.stderr
    );
    println!("zerorpc-client {}\n{}", args.join(" "), done.stderr.trim());
    done.stderr
}

#[test]
fn no_server_at_all_is_named_as_such() {
    let endpoint = free_endpoint(); // nobody there
    let stderr = fails(&["--timeout", "300ms", &endpoint, "add", "1", "2"]);
    let want = format!("error: nothing ever answered at {endpoint} (add, 300 ms waited): is zerorpc-server running? (cargo run -p zerorpc-framework)");
    assert!(stderr.contains(&want), "{stderr}");
}

#[test]
fn a_slow_call_past_the_timeout_says_the_server_is_alive() {
    // Heartbeats every 200 ms on both sides: they arrive long before the 1 s timeout.
    let server = InProcess::start(Duration::from_millis(200), None);
    let e = server.endpoint.clone();
    let stderr = fails(&["--heartbeat", "200ms", "--timeout", "1s", &e, "sleep", "3"]);
    let want = format!("error: sleep: the call took longer than --timeout 1 s; the server at {e} is alive (heartbeats arrived)");
    assert!(stderr.contains(&want), "{stderr}");
    // Zerorpc's 5 s heartbeat: no heartbeat yet after 1 s, but the connection is up.
    let server5 = InProcess::start(Duration::from_secs(5), None);
    let e5 = server5.endpoint.clone();
    let stderr = fails(&["--timeout", "1s", &e5, "sleep", "3"]);
    let want = format!("error: sleep: the call took longer than --timeout 1 s; the server at {e5} is alive (connected; its first heartbeat was not due yet)");
    assert!(stderr.contains(&want), "{stderr}");
    server.stop();
    server5.stop();
}

/// `--heartbeat 1s` against a server on zerorpc's 5 s: its first heartbeat arrives at 5 s,
/// the next is due at 10 s, we give up 2 s after the first — and say the intervals differ.
#[test]
fn a_heartbeat_mismatch_is_named_in_the_lost_remote() {
    let server = InProcess::start(Duration::from_secs(5), None);
    let e = server.endpoint.clone();
    let stderr = fails(&["--heartbeat", "1s", &e, "sleep", "8"]);
    let want = format!("error: lost remote {e}: it had answered, then sent nothing for 2 s during sleep — did the server die? (our --heartbeat is 1 s, zerorpc's default 5 s: both sides must use the same interval)");
    assert!(stderr.contains(&want), "{stderr}");
    server.stop();
}

#[test]
fn a_typo_suggests_the_closest_method() {
    let server = InProcess::start(Duration::from_secs(5), None);
    let stderr = fails(&[&server.endpoint, "ad", "2", "3"]);
    assert!(
        stderr.contains(
            "error: NameError: ad\ndid you mean add? (zerorpc-client --inspect lists the methods)"
        ),
        "{stderr}"
    );
    let stderr = fails(&[&server.endpoint, "nosuch"]);
    assert!(!stderr.contains("did you mean"), "{stderr}");
    server.stop();
}

#[test]
fn an_argument_that_looks_like_json_but_is_not_gets_a_note_or_with_json_an_error() {
    let server = InProcess::start(Duration::from_secs(5), None);
    let e = server.endpoint.clone();
    let stderr = fails(&[&e, "plus", "[1,2"]);
    assert!(
        stderr.contains("note: argument 1 ([1,2) looks like JSON but does not parse (EOF while parsing a list at line 1 column 4); sent as the string \"[1,2\""),
        "{stderr}"
    );
    let echoed = run("zerorpc-client", &mut client(&[&e, "echo", "{a: 1}"]), WAIT);
    assert!(
        echoed
            .stderr
            .contains("note: argument 1 ({a: 1}) looks like JSON"),
        "{}",
        echoed.stderr
    );
    assert_eq!(echoed.success().unwrap(), [r#""{a: 1}""#]);
    let stderr = fails(&["--json", &e, "plus", "[1,2"]);
    assert!(
        stderr.contains("error: argument 1 ([1,2) is not JSON: EOF while parsing a list at line 1 column 4 (--json)"),
        "{stderr}"
    );
    server.stop();
}

#[test]
fn argument_errors_are_in_pythons_words() {
    let server = InProcess::start(Duration::from_secs(5), None);
    let e = server.endpoint.clone();
    let stderr = fails(&[&e, "add", "two", "3"]);
    assert!(
        stderr.contains(r#"error: TypeError: can only concatenate str (not "int") to str"#),
        "{stderr}"
    );
    let stderr = fails(&[&e, "add", "1"]);
    assert!(
        stderr.contains("error: TypeError: add() missing 1 required positional argument: 'b'"),
        "{stderr}"
    );
    // A typed parameter: plain words, never serde's.
    let stderr = fails(&[&e, "count", "-1"]);
    assert!(
        stderr.contains("error: ValueError: count() argument 1: n must be ≥ 0, got -1"),
        "{stderr}"
    );
    let stderr = fails(&[&e, "hello", "5"]);
    assert!(
        stderr.contains("error: TypeError: hello() argument 1 (name) must be str, not int"),
        "{stderr}"
    );
    let stderr = fails(&[&e, "sleep", "soon"]);
    assert!(
        stderr.contains("error: TypeError: sleep() argument 1 (seconds) must be a number (int or float), not str"),
        "{stderr}"
    );
    server.stop();
}

/// `--inspect` against zerorpc-python on Python 3.11, whose `_zerorpc_inspect` fails: the
/// names from `_zerorpc_list`, the docs from `_zerorpc_help`, and a note saying why.
#[test]
fn inspect_falls_back_to_the_list_when_a_python_servers_inspect_fails() {
    let endpoint = free_endpoint();
    let Some(_python) = server_process(Lang::Python, &endpoint, &[]) else {
        return;
    };
    let done = run(
        "zerorpc-client",
        &mut client(&["--inspect", &endpoint]),
        WAIT,
    );
    assert!(
        done.stderr
            .contains("note: the server's _zerorpc_inspect failed (AttributeError: "),
        "{}",
        done.stderr
    );
    let lines = done.success().unwrap();
    assert_eq!(lines[0], r#""peers/server.py""#);
    assert!(
        lines.contains(
            &"add(…)  a + b, as Python computes it (numbers, strings, bytes, lists)".to_string()
        ),
        "{lines:?}"
    );
    assert_eq!(lines.len(), 8, "the name and 7 methods: {lines:?}");
}
