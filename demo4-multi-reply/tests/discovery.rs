//! Service discovery against real etcd processes (see `etcd.rs`): a server that registers is
//! used within a second, one that stops is dropped within a second, one that is `kill -9`ed is
//! dropped when its lease runs out with no request lost, etcd restarting or losing a cluster
//! member changes nothing for the servers and clients, no etcd is a one-line error.

use std::process::Command;
use std::time::{Duration, Instant};

use test_support::{free_endpoint, free_port, Proc};

use crate::etcd::{endpoints, Etcd};

const SERVER: &str = env!("CARGO_BIN_EXE_demo4-server");
const CLIENT: &str = env!("CARGO_BIN_EXE_demo4-client");
const WAIT: Duration = Duration::from_secs(10);
/// The servers' default lease.
const TTL: Duration = Duration::from_secs(3);
const SECOND: Duration = Duration::from_secs(1);

/// `bin args…` with stderr merged into stdout, so the log and `joined`/`left` lines can be
/// awaited in order with the replies (exec: signals reach the program itself).
pub fn merged(bin: &str, args: &[&str]) -> Command {
    let mut cmd = Command::new("sh");
    cmd.args(["-c", "exec \"$0\" \"$@\" 2>&1", bin])
        .args(args)
        .env_remove("ETCD_ENDPOINTS")
        .env("NO_COLOR", "1");
    cmd
}

/// A `demo4-server --register` named `name` on a fresh port, once it says it is registered.
pub fn server(registry: &str, name: &str, extra: &[&str]) -> (Proc, String) {
    server_bound(registry, name, &free_endpoint(), extra)
}

/// [`server`] bound to `endpoint`.
pub fn server_bound(registry: &str, name: &str, endpoint: &str, extra: &[&str]) -> (Proc, String) {
    let endpoint = endpoint.to_string();
    let mut args = vec![
        "--register",
        "--registry",
        registry,
        "--name",
        name,
        "--bind",
        &endpoint,
    ];
    args.extend(extra);
    let mut proc = Proc::spawn(format!("server {name}"), &mut merged(SERVER, &args));
    proc.expect_line(WAIT, |l| l.contains("registered (lease"))
        .unwrap_or_else(|e| panic!("{e}"));
    (proc, endpoint)
}

/// A `demo4-client --discover` sending until stopped, every 100 ms, logging each request sent.
pub fn client(registry: &str, extra: &[&str]) -> Proc {
    let mut args = vec![
        "--discover",
        "--registry",
        registry,
        "--requests",
        "0",
        "--interval",
        "100ms",
    ];
    args.extend(extra);
    let mut cmd = merged(CLIENT, &args);
    cmd.env(
        "RUST_LOG",
        "info,demo4_multi_reply::discovery::follow=debug",
    );
    Proc::spawn("client", &mut cmd)
}

fn reply(name: &str) -> String {
    format!("[b'{name}']")
}

#[test]
fn a_server_that_registers_gets_requests_within_a_second() {
    let Some(etcd) = Etcd::start() else { return };
    let registry = &etcd.client_url;
    let _alice = server(registry, "alice", &[]);
    let mut client = client(registry, &[]);
    client.expect_line(WAIT, |l| l == reply("alice")).unwrap();

    let (_bob, endpoint) = server(registry, "bob", &[]);
    let registered = Instant::now();
    client
        .expect_line(WAIT, |l| l == format!("joined bob {endpoint}"))
        .unwrap();
    client.expect_line(WAIT, |l| l == reply("bob")).unwrap();
    let took = registered.elapsed();
    println!("MEASURED join: registered → first request answered by bob in {took:?}");
    assert!(
        took < SECOND,
        "bob was first used {took:?} after registering"
    );
    assert_eq!(
        etcd.servers().get("bob"),
        Some(&endpoint),
        "the key holds the endpoint"
    );

    // `--requests 0` runs until Ctrl-C, which ends it with exit 0.
    client.signal("INT");
    let stopped = client.finish(SECOND);
    assert!(
        stopped.status.is_some_and(|s| s.success()),
        "client exit 0 within 1 s of SIGINT: {stopped:?}"
    );
}

#[test]
fn a_server_stopped_with_ctrl_c_leaves_the_registry_and_the_client_within_a_second() {
    let Some(etcd) = Etcd::start() else { return };
    let registry = &etcd.client_url;
    let _alice = server(registry, "alice", &[]);
    let (bob, _) = server(registry, "bob", &[]);
    let mut client = client(registry, &[]);
    client.expect_line(WAIT, |l| l == reply("bob")).unwrap();

    bob.signal("INT");
    let signalled = Instant::now();
    let gone = etcd.wait_servers(WAIT, |s| !s.contains_key("bob")).unwrap();
    client.expect_line(WAIT, |l| l == "left bob").unwrap();
    let left = signalled.elapsed();
    let stopped = bob.finish(SECOND);
    println!("MEASURED leave (SIGINT): key gone after {gone:?}, client dropped bob after {left:?}");
    assert!(
        stopped.status.is_some_and(|s| s.success()),
        "exit 0 within 1 s of SIGINT: {stopped:?}"
    );
    assert!(
        stopped
            .stdout
            .iter()
            .any(|l| l.contains("registration revoked")),
        "{stopped:?}"
    );
    assert!(
        gone < SECOND && left < SECOND,
        "key gone {gone:?}, client {left:?}"
    );
    for _ in 0..5 {
        let line = client.expect_line(WAIT, |l| l.starts_with("[b'")).unwrap();
        assert_eq!(line, reply("alice"), "bob gets no request once he left");
    }
}

/// How the requests in a stretch of client output went: every `sending request` must be
/// answered before the next one; `E: every listed server…` is a request with no answer.
fn lost_requests(lines: &[String]) -> (usize, usize) {
    let (mut answered, mut lost, mut waiting) = (0, 0, false);
    for line in lines {
        if line.contains("sending request") {
            if waiting {
                lost += 1;
            }
            waiting = true;
        } else if line.starts_with("[b'") {
            answered += 1;
            waiting = false;
        } else if line.starts_with("E: every listed server") {
            lost += 1;
            waiting = false;
        }
    }
    (answered, lost + usize::from(waiting))
}

#[test]
fn a_killed_server_is_dropped_when_its_lease_expires_and_no_request_is_lost() {
    let Some(etcd) = Etcd::start() else { return };
    let registry = &etcd.client_url;
    let _alice = server(registry, "alice", &[]);
    let (mut bob, _) = server(registry, "bob", &[]);
    // A reply timeout far beyond the TTL: only discovery can rescue a request sent to bob.
    let mut client = client(registry, &["--timeout", "30s"]);
    client.expect_line(WAIT, |l| l == reply("bob")).unwrap();
    client.expect_line(WAIT, |l| l == reply("alice")).unwrap();

    bob.signal("KILL");
    bob.kill();
    let killed = Instant::now();
    let mut window = Vec::new();
    loop {
        let line = client
            .expect_line((TTL + SECOND).saturating_sub(killed.elapsed()), |_| true)
            .unwrap_or_else(|e| panic!("bob not dropped within TTL + 1 s: {e}"));
        window.push(line.clone());
        if line == "left bob" {
            break;
        }
    }
    let left = killed.elapsed();
    // Three more answered requests, to see the one that waited for bob answered by alice.
    let mut more = 0;
    while more < 3 {
        let line = client.expect_line(WAIT, |_| true).unwrap();
        more += usize::from(line.starts_with("[b'"));
        window.push(line);
    }
    let sent = window
        .iter()
        .filter(|l| l.contains("sending request"))
        .count();
    assert!(
        sent >= 3,
        "the client logs every request it sends: {window:#?}"
    );
    let (answered, lost) = lost_requests(&window);
    println!("MEASURED kill -9: bob dropped {left:?} after the kill (TTL {TTL:?}); {sent} requests sent and {answered} answered in that window, {lost} lost");
    assert!(left <= TTL + SECOND, "{left:?}");
    assert_eq!(lost, 0, "every request gets a reply: {window:#?}");
    assert!(answered >= 3, "{window:#?}");
    assert!(
        window
            .iter()
            .filter(|l| l.starts_with("[b'"))
            .all(|l| *l == reply("alice")),
        "only alice answers after the kill: {window:#?}"
    );
    assert!(!etcd.servers().contains_key("bob"));
}

#[test]
fn servers_and_clients_carry_on_when_etcd_restarts() {
    let Some(mut etcd) = Etcd::start() else {
        return;
    };
    let registry = etcd.client_url.clone();
    let (mut alice, _) = server(&registry, "alice", &["--ttl", "2s"]);
    let mut client = client(&registry, &[]);
    client.expect_line(WAIT, |l| l == reply("alice")).unwrap();

    // A plain restart: same data. The client goes on with the list it has meanwhile; after it,
    // the watch is made again (bob is seen) and alice is still registered.
    etcd.restart(false);
    let back = alice
        .expect_line(WAIT, |l| {
            l.contains("registry back") || l.contains("registered again")
        })
        .unwrap();
    println!("after a plain etcd restart, alice says: {back}");
    client.expect_line(WAIT, |l| l == reply("alice")).unwrap();
    let (_bob, _) = server(&registry, "bob", &[]);
    client
        .expect_line(WAIT, |l| l.starts_with("joined bob"))
        .unwrap();
    client.expect_line(WAIT, |l| l == reply("bob")).unwrap();
    etcd.wait_servers(WAIT, |s| s.contains_key("alice") && s.contains_key("bob"))
        .unwrap();

    // A restart with its data lost: the servers register again, with new leases.
    etcd.restart(true);
    alice
        .expect_line(WAIT, |l| l.contains("registered again with a new lease"))
        .unwrap();
    etcd.wait_servers(WAIT, |s| s.contains_key("alice") && s.contains_key("bob"))
        .unwrap();
    let (_carol, _) = server(&registry, "carol", &[]);
    client
        .expect_line(WAIT, |l| l.starts_with("joined carol"))
        .unwrap();
    client.expect_line(WAIT, |l| l == reply("carol")).unwrap();
    client.expect_line(WAIT, |l| l == reply("alice")).unwrap();
}

#[test]
fn a_three_member_cluster_loses_a_member_and_discovery_goes_on() {
    let Some(mut members) = Etcd::cluster(3) else {
        return;
    };
    let all = endpoints(&members);
    let (mut alice, _) = server(&all, "alice", &[]);
    let mut client = client(&all, &[]);
    client.expect_line(WAIT, |l| l == reply("alice")).unwrap();

    // The leader: its loss forces an election, the hardest case for the others.
    let leader = members
        .iter()
        .position(Etcd::is_leader)
        .expect("a 3-member cluster has a leader");
    members[leader].kill();
    let other = (leader + 1) % members.len();
    // Registration goes on: a new server registers through the members left...
    let (_bob, _) = server(&all, "bob", &[]);
    // ...the client's watch goes on...
    client
        .expect_line(WAIT, |l| l.starts_with("joined bob"))
        .unwrap();
    client.expect_line(WAIT, |l| l == reply("bob")).unwrap();
    // ...and alice's lease is kept alive: over more than a TTL she stays and keeps answering.
    let stretch = client.lines_for(TTL + SECOND);
    assert!(!stretch.iter().any(|l| l == "left alice"), "{stretch:#?}");
    assert!(stretch.iter().any(|l| *l == reply("alice")), "{stretch:#?}");
    assert!(members[other].servers().contains_key("alice"));
    // A server that dies is still seen leaving.
    alice.signal("KILL");
    alice.kill();
    let killed = Instant::now();
    client
        .expect_line(TTL + 2 * SECOND, |l| l == "left alice")
        .unwrap();
    println!("MEASURED cluster (one of 3 members killed): bob registered and used, alice kept, alice's kill -9 seen after {:?}", killed.elapsed());
}

#[test]
fn with_no_etcd_every_binary_says_so_in_one_line_and_fails() {
    let dead = format!("http://127.0.0.1:{}", free_port());
    let bind = free_endpoint();
    let publish = free_endpoint();
    for (bin, args) in [
        (SERVER, vec!["--register", "--bind", bind.as_str()]),
        (CLIENT, vec!["--discover"]),
        (crate::watch::WATCH, vec!["--publish", publish.as_str()]),
    ] {
        let mut cmd = Command::new(bin);
        cmd.args(&args)
            .args(["--registry", &dead])
            .env_remove("ETCD_ENDPOINTS");
        let started = Instant::now();
        let out = test_support::run(bin, &mut cmd, WAIT);
        assert!(out.status.is_some_and(|s| !s.success()), "{out:?}");
        let errors: Vec<&str> = out
            .stderr
            .lines()
            .filter(|l| l.starts_with("error:"))
            .collect();
        assert_eq!(errors.len(), 1, "{}", out.stderr);
        assert!(
            errors[0].contains(&format!("cannot reach etcd at {dead}"))
                && errors[0].contains("--registry"),
            "{}",
            errors[0]
        );
        assert!(
            started.elapsed() < 5 * SECOND,
            "{bin} took {:?}",
            started.elapsed()
        );
    }
}

#[test]
fn a_name_held_by_a_live_server_is_refused() {
    let Some(etcd) = Etcd::start() else { return };
    let (_alice, endpoint) = server(&etcd.client_url, "alice", &[]);
    let bind = free_endpoint();
    let out = test_support::run(
        "second alice",
        &mut merged(
            SERVER,
            &[
                "--register",
                "--registry",
                &etcd.client_url,
                "--name",
                "alice",
                "--bind",
                &bind,
            ],
        ),
        WAIT,
    );
    assert_eq!(out.status.and_then(|s| s.code()), Some(1), "{out:?}");
    assert!(
        out.stdout.iter().any(|l| l
            == &format!("error: the name alice is already registered by a live server at {endpoint} (key /rpc/demo4/alice) — pick another --name, or stop that server")),
        "{out:?}"
    );
    assert_eq!(
        etcd.servers().get("alice"),
        Some(&endpoint),
        "the first alice keeps it"
    );
}

#[test]
fn a_server_bound_to_every_interface_advertises_a_connectable_address() {
    let Some(etcd) = Etcd::start() else { return };
    let port = free_port();
    let bind = format!("tcp://*:{port}");
    let mut proc = Proc::spawn(
        "server",
        &mut merged(
            SERVER,
            &[
                "--register",
                "--registry",
                &etcd.client_url,
                "--name",
                "wifi",
                "--bind",
                &bind,
            ],
        ),
    );
    let said = proc
        .expect_line(WAIT, |l| l.contains("advertising"))
        .unwrap();
    proc.expect_line(WAIT, |l| l.contains("registered (lease"))
        .unwrap();
    let value = etcd.servers().remove("wifi").unwrap();
    assert!(said.contains(&value), "{said}");
    assert!(
        value.ends_with(&format!(":{port}"))
            && !value.contains("0.0.0.0")
            && !value.contains("127."),
        "{value}"
    );

    let advertised = format!("tcp://192.0.2.10:{}", free_port());
    let bind = free_endpoint().replace("127.0.0.1", "*");
    let (_given, _) = server_bound(
        &etcd.client_url,
        "given",
        &bind,
        &["--advertise", &advertised],
    );
    assert_eq!(etcd.servers().get("given"), Some(&advertised));
}

/// Every server exits 0 within a second of Ctrl-C — with or without a registry.
#[test]
fn the_server_exits_0_within_a_second_of_sigint_or_sigterm() {
    for signal in ["INT", "TERM"] {
        let bind = free_endpoint();
        let mut proc = Proc::spawn(
            "server",
            &mut merged(SERVER, &["--bind", &bind, "--name", "x"]),
        );
        proc.expect_line(WAIT, |l| l.contains("listening")).unwrap();
        proc.signal(signal);
        let out = proc.finish(SECOND);
        assert!(
            out.status.is_some_and(|s| s.success()),
            "SIG{signal}: {out:?}"
        );
    }
}

/// etcd closes a connection whose HTTP/2 pings come more often than every 5 s (its
/// `--grpc-keepalive-min-time`), breaking every watch and keep-alive on it about 6 s after
/// connecting: our pings must respect that. Watched for 8 s, nothing is lost or re-made.
#[test]
fn connections_to_etcd_outlive_its_ping_policy() {
    let Some(etcd) = Etcd::start() else { return };
    let (mut alice, _) = server(&etcd.client_url, "alice", &[]);
    let mut client = client(&etcd.client_url, &[]);
    let lines = client.lines_for(8 * SECOND);
    assert!(lines.iter().any(|l| *l == reply("alice")), "{lines:#?}");
    assert!(
        !lines.iter().any(|l| l.contains("lost the registry")),
        "{lines:#?}"
    );
    let served = alice.lines_for(Duration::from_millis(100));
    assert!(
        !served.iter().any(|l| l.contains("lost the registry")),
        "{served:#?}"
    );
}
