//! The server binary over its life: Ctrl-C/SIGTERM with a call in flight, and the allowlist file
//! re-read on SIGHUP without dropping a connection or a call.

use std::io::{Read, Write};
use std::net::TcpStream;
use std::process::Command;
use std::time::{Duration, Instant};

use test_support::{run, Proc};
use xmlrpc_calc::{CallError, Client};

const WAIT: Duration = Duration::from_secs(20);

/// Our server on an ephemeral port with `extra` flags; returns it and its `host:port`.
fn server(extra: &[&str]) -> (Proc, String) {
    let (server, url) = crate::support::rust_server(extra);
    let addr = url.trim_start_matches("http://").trim_end_matches('/');
    (server, addr.to_string())
}

/// A call of `method` with int/double params as raw XML-RPC.
fn xml(method: &str, params: &str) -> String {
    format!("<?xml version=\"1.0\"?><methodCall><methodName>{method}</methodName><params>{params}</params></methodCall>")
}

/// Sends one HTTP request on `stream` (keep-alive unless `close`) and reads its whole reply.
fn exchange(stream: &mut TcpStream, body: &str, close: bool) -> (u16, String) {
    let connection = if close { "Connection: close\r\n" } else { "" };
    let head = format!(
        "POST / HTTP/1.1\r\nHost: localhost\r\nContent-Type: text/xml\r\n{connection}Content-Length: {}\r\n\r\n",
        body.len()
    );
    stream.write_all(head.as_bytes()).unwrap();
    stream.write_all(body.as_bytes()).unwrap();
    stream.set_read_timeout(Some(WAIT)).unwrap();
    let mut reply = Vec::new();
    let mut chunk = [0u8; 4096];
    loop {
        let text = String::from_utf8_lossy(&reply).into_owned();
        if let Some((head, body)) = text.split_once("\r\n\r\n") {
            let length = head
                .lines()
                .find_map(|l| {
                    l.to_ascii_lowercase()
                        .strip_prefix("content-length: ")
                        .map(str::to_string)
                })
                .and_then(|n| n.trim().parse::<usize>().ok());
            if length.is_some_and(|n| body.len() >= n) {
                let status = head
                    .split_whitespace()
                    .nth(1)
                    .and_then(|s| s.parse().ok())
                    .unwrap();
                return (status, body.to_string());
            }
        }
        let n = stream.read(&mut chunk).unwrap();
        assert!(
            n > 0,
            "the server closed the connection mid-reply: {text:?}"
        );
        reply.extend_from_slice(&chunk[..n]);
    }
}

/// An `add 1 1` by the library client: Ok, or the HTTP status it was refused with.
fn add(addr: &str) -> Result<(), u16> {
    let client = Client::new(&format!("http://{addr}/"), WAIT, None).unwrap();
    let request = xmlrpc::Request::new("add").arg(1).arg(1);
    match client.call(&request) {
        Ok(_) => Ok(()),
        Err(CallError::Http { status, .. }) => Err(status),
        Err(other) => panic!("add 1 1: {other}"),
    }
}

#[test]
fn ctrl_c_and_sigterm_let_the_call_in_hand_finish_and_exit_0_within_a_second() {
    for signal in ["INT", "TERM"] {
        let (server, addr) = server(&[]);
        let mut stream = TcpStream::connect(&addr).unwrap();
        // The connection is accepted and served (a first call answered) ...
        let (status, _) = exchange(&mut stream, &xml("add", "<param><value><int>1</int></value></param><param><value><int>2</int></value></param>"), false);
        assert_eq!(status, 200);
        // ... and has a slow call of 0.3 s in hand when the signal comes.
        let slow = xml(
            "sleep",
            "<param><value><double>0.3</double></value></param>",
        );
        let head = format!(
            "POST / HTTP/1.1\r\nHost: x\r\nConnection: close\r\nContent-Length: {}\r\n\r\n{slow}",
            slow.len()
        );
        stream.write_all(head.as_bytes()).unwrap();
        server.signal(signal);
        let started = Instant::now();
        let mut reply = String::new();
        stream.set_read_timeout(Some(WAIT)).unwrap();
        stream.read_to_string(&mut reply).unwrap();
        assert!(
            reply.starts_with("HTTP/1.1 200"),
            "SIG{signal}: the call in hand was answered: {reply:?}"
        );
        assert!(reply.contains("<double>0.3</double>"), "{reply}");
        let stopped = server.finish(Duration::from_secs(1));
        assert!(
            started.elapsed() < Duration::from_secs(1),
            "SIG{signal}: {:?}",
            started.elapsed()
        );
        stopped
            .success()
            .unwrap_or_else(|e| panic!("SIG{signal}: exit 0 within 1 s: {e}"));
    }
}

#[test]
fn the_allow_file_is_reread_on_sighup_without_dropping_a_call() {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("allow.txt");
    let path = file.to_str().unwrap();
    std::fs::write(&file, "127.0.0.1/32\n").unwrap();
    let (mut server, addr) = server(&["--allow-file", path]);
    let reloaded = |server: &mut Proc, what: &str| {
        server.signal("HUP");
        server.expect_line(WAIT, |l| l.starts_with(what)).unwrap();
    };
    assert_eq!(add(&addr), Ok(()), "allowed by the file");

    // A connection accepted under the old list, with a slow call in flight over the reload.
    let mut old = TcpStream::connect(&addr).unwrap();
    let one = xml(
        "add",
        "<param><value><int>1</int></value></param><param><value><int>1</int></value></param>",
    );
    assert_eq!(exchange(&mut old, &one, false).0, 200);
    let slow = xml(
        "sleep",
        "<param><value><double>0.5</double></value></param>",
    );
    let head = format!(
        "POST / HTTP/1.1\r\nHost: x\r\nConnection: close\r\nContent-Length: {}\r\n\r\n{slow}",
        slow.len()
    );
    old.write_all(head.as_bytes()).unwrap();

    // The file now allows only 127.0.0.2: we (127.0.0.1) are refused from the next connection.
    std::fs::write(&file, "# the classroom changed\n127.0.0.2/32\n").unwrap();
    reloaded(&mut server, "Allowlist reloaded from");
    assert_eq!(add(&addr), Err(403), "refused after the reload");

    // The call in flight during the reload completes on its connection.
    let mut reply = String::new();
    old.set_read_timeout(Some(WAIT)).unwrap();
    old.read_to_string(&mut reply).unwrap();
    assert!(
        reply.starts_with("HTTP/1.1 200") && reply.contains("<double>0.5</double>"),
        "{reply}"
    );

    // Changed back: the same address is served again.
    std::fs::write(&file, "127.0.0.2/32\n127.0.0.0/8  # loopback\n").unwrap();
    reloaded(&mut server, "Allowlist reloaded from");
    assert_eq!(add(&addr), Ok(()), "served after the second reload");

    // A bad file keeps the previous list, and says why.
    std::fs::write(&file, "127.0.0.0/8\nnot-a-network\n").unwrap();
    reloaded(&mut server, "Allowlist not reloaded");
    assert_eq!(add(&addr), Ok(()), "the old list still holds");
    let lines = server.finish(Duration::from_millis(100)).stdout;
    assert!(
        lines
            .iter()
            .any(|l| l.contains("allow.txt:2") && l.contains("not-a-network")),
        "{lines:?}"
    );
}

/// The demo4 README's order: the server first, with an allow file the watcher has not written
/// yet, and a pid file for the watcher's `--exec 'kill -HUP $(cat …)'`.
#[test]
fn a_missing_allow_file_allows_nobody_until_written_and_sighup() {
    let dir = tempfile::tempdir().unwrap();
    let (file, pid_file) = (dir.path().join("allow.txt"), dir.path().join("xmlrpc.pid"));
    let (path, pid_path) = (file.to_str().unwrap(), pid_file.to_str().unwrap());
    let (mut server, addr) = server(&["--allow-file", path, "--pid-file", pid_path]);
    server
        .expect_line(WAIT, |l| {
            l.starts_with("Allowlist: ") && l.contains("allow.txt does not exist yet")
        })
        .unwrap();
    let pid = std::fs::read_to_string(&pid_file).unwrap();
    assert_eq!(
        pid.trim(),
        server.id().to_string(),
        "--pid-file holds the server's pid"
    );
    assert_eq!(add(&addr), Err(403), "nobody allowed yet");

    std::fs::write(&file, "10.0.0.0/8\n127.0.0.1\n").unwrap();
    server.signal("HUP");
    server
        .expect_line(WAIT, |l| l.starts_with("Allowlist reloaded from"))
        .unwrap();
    assert_eq!(add(&addr), Ok(()), "allowed once the file is written");
    server.ctrl_c(WAIT).success().unwrap();
    assert!(!pid_file.exists(), "the pid file is removed at exit");
}

#[test]
fn the_start_log_shows_the_networks_loaded() {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("allow.txt");
    std::fs::write(&file, "10.0.0.0/8\n192.168.1.0/24\n127.0.0.1\n").unwrap();
    let (mut server, _) = server(&[
        "--allow",
        "172.16.0.0/12",
        "--allow-file",
        file.to_str().unwrap(),
    ]);
    let line = server
        .expect_line(WAIT, |l| l.starts_with("Allowlist: "))
        .unwrap();
    assert_eq!(
        line,
        "Allowlist: 172.16.0.0/12 (--allow), 10.0.0.0/8 (allow.txt), 192.168.1.0/24 (allow.txt), \
         127.0.0.1/32 (allow.txt)"
    );
}

#[test]
fn a_bad_allow_file_at_start_up_is_an_error_naming_the_line() {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("allow.txt");
    std::fs::write(&file, "10.0.0.0/8\n10.0.0.0/33\n").unwrap();
    let done = run(
        "xmlrpc-server",
        Command::new(env!("CARGO_BIN_EXE_xmlrpc-server"))
            .args(["--listen", "127.0.0.1:0", "--allow-file"])
            .arg(&file),
        WAIT,
    );
    assert!(done.status.is_some_and(|s| !s.success()), "{done:?}");
    assert!(done.stderr.contains("allow.txt:2"), "{}", done.stderr);
    assert!(
        done.stderr.contains("--allow-file"),
        "names the flag: {}",
        done.stderr
    );
    assert!(
        done.stdout.is_empty(),
        "refused before listening: {:?}",
        done.stdout
    );
}

/// `--stay-awake`: after a reply the server's thread keeps polling its sockets for the window
/// (the client's next request needs no wake-up: docs/benchmarks.md), then sleeps. An idle server
/// costs no CPU, and `--stay-awake 0` never spins. The window is long here so that CPU clock
/// ticks (10 ms) can see it; the default is 200 µs.
#[test]
fn after_a_reply_the_server_stays_awake_for_its_window_then_costs_no_cpu() {
    for (window, spins) in [("400ms", true), ("0", false)] {
        let (server, addr) = server(&["--stay-awake", window]);
        add(&addr).unwrap();
        let before = server.cpu_time();
        std::thread::sleep(Duration::from_millis(300)); // measuring a period, not waiting for it
        let during = server.cpu_time() - before;
        match spins {
            // 300 ms of spinning; a busy machine may give it less of a CPU, but not 6 ticks.
            true => assert!(
                during >= Duration::from_millis(60),
                "{window}: spun {during:?}"
            ),
            false => assert!(
                during <= Duration::from_millis(20),
                "{window}: {during:?} of CPU"
            ),
        }
        std::thread::sleep(Duration::from_millis(200)); // past the window
        let before = server.cpu_time();
        std::thread::sleep(Duration::from_millis(500));
        let idle = server.cpu_time() - before;
        assert!(
            idle <= Duration::from_millis(20),
            "{window}: idle, {idle:?} of CPU"
        );
    }
}
