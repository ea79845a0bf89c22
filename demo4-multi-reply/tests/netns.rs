//! Section 4 "across laptops": three servers in three Linux network namespaces, each with its own
//! address on its own virtual link (a veth pair into the root namespace), and the client in the
//! root namespace — as close to the classroom's three laptops as one machine gets.
//!
//! Needs root (CAP_NET_ADMIN) and `ip` (iproute2). Without them the test prints `SKIP …` and
//! passes, except as root under `REQUIRE_PEERS=1` (CI), where it must run.
//!
//! The second test adds the registry: the three namespaced servers register with an etcd in
//! the root namespace (each reaching it over its own link, advertising its namespace address),
//! the client discovers all three, and a killed server vanishes when its lease runs out.
//!
//! Addresses: 10.213.X.0/30 subnets (host side .1, namespace side .2), X picked from the test's
//! pid so two runs do not collide. Only these private test addresses are ever targeted.

use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use test_support::Proc;

const WAIT: Duration = Duration::from_secs(20);
const NAMES: [&str; 3] = ["ns-a", "ns-b", "ns-c"];

/// Runs `ip ARGS…` (bounded); `Err` with its stderr when it fails.
fn ip(args: &[&str]) -> Result<(), String> {
    let out = test_support::run(
        format!("ip {}", args.join(" ")),
        Command::new("ip").args(args),
        Duration::from_secs(10),
    );
    match out.status {
        Some(s) if s.success() => Ok(()),
        _ => Err(format!(
            "`ip {}` failed: {}",
            args.join(" "),
            out.stderr.trim()
        )),
    }
}

/// One namespace with its veth pair; the endpoint its server binds and the client dials.
struct Laptop {
    netns: String,
    host_veth: String,
    endpoint: String,
    /// The root namespace's address on this link (where etcd is reached from inside).
    host_addr: String,
}

/// The namespaces and links this test made; all removed when dropped, even after a panic.
#[derive(Default)]
struct Network {
    laptops: Vec<Laptop>,
    /// Which set of three subnets (the two tests run at once, each with its own).
    offset: usize,
}

impl Network {
    /// Creates namespace `i`: `ip netns add`, a veth pair with one end moved inside, addresses
    /// 10.213.X.1/30 (host) and 10.213.X.2/30 (namespace), links up.
    fn add(&mut self, i: usize) -> Result<(), String> {
        let pid = std::process::id();
        let i = i + 3 * self.offset;
        let netns = format!("demo4-{pid}-{i}");
        // Interface names are limited to 15 characters.
        let host_veth = format!("d4h{}{i}", pid % 10_000_000);
        let ns_veth = format!("d4n{}{i}", pid % 10_000_000);
        let subnet = (pid % 40) * 6 + u32::try_from(i).expect("six namespaces");
        let (host_addr, ns_addr) = (format!("10.213.{subnet}.1"), format!("10.213.{subnet}.2"));

        ip(&["netns", "add", &netns])?;
        // Registered now, so that a failure below still cleans up what exists.
        self.laptops.push(Laptop {
            netns: netns.clone(),
            host_veth: host_veth.clone(),
            endpoint: format!("tcp://{ns_addr}:5555"),
            host_addr: host_addr.clone(),
        });
        ip(&[
            "link", "add", &host_veth, "type", "veth", "peer", "name", &ns_veth, "netns", &netns,
        ])?;
        ip(&["addr", "add", &format!("{host_addr}/30"), "dev", &host_veth])?;
        ip(&["link", "set", &host_veth, "up"])?;
        ip(&[
            "-n",
            &netns,
            "addr",
            "add",
            &format!("{ns_addr}/30"),
            "dev",
            &ns_veth,
        ])?;
        ip(&["-n", &netns, "link", "set", &ns_veth, "up"])?;
        ip(&["-n", &netns, "link", "set", "lo", "up"])?;
        Ok(())
    }
}

impl Drop for Network {
    fn drop(&mut self) {
        for laptop in &self.laptops {
            // Deleting one end of a veth pair deletes both.
            let _ = ip(&["link", "del", &laptop.host_veth]);
            if let Err(e) = ip(&["netns", "del", &laptop.netns]) {
                eprintln!("cleanup: {e}");
            }
        }
    }
}

fn is_root() -> bool {
    Command::new("id")
        .arg("-u")
        .stderr(Stdio::null())
        .output()
        .is_ok_and(|o| o.stdout.trim_ascii() == b"0")
}

/// Skips (prints why and passes), unless this is CI as root, where the test must run.
fn skip(why: &str) {
    assert!(
        !(test_support::peers_required() && is_root()),
        "network-namespace test cannot run as root under REQUIRE_PEERS=1: {why}"
    );
    // Straight to stderr, which libtest does not capture (as test_support::skip does).
    let line = format!(
        "SKIP: demo4 network-namespace test: {why} (needs root and iproute2's `ip netns`)\n"
    );
    let _ = std::io::Write::write_all(&mut std::io::stderr(), line.as_bytes());
}

/// Waits until the server in a namespace accepts TCP connections (reached over its veth).
fn wait_listening(endpoint: &str) -> Result<(), String> {
    let addr: std::net::SocketAddr = endpoint
        .trim_start_matches("tcp://")
        .parse()
        .map_err(|e| format!("{endpoint}: {e}"))?;
    test_support::wait_for_port(addr, WAIT)
}

fn client(endpoints: &[&str]) -> test_support::Finished {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_demo4-client"));
    for endpoint in endpoints {
        cmd.args(["--connect", endpoint]);
    }
    cmd.args(["--requests", "6", "--timeout", "1s", "--retries", "2"]);
    test_support::run("demo4-client", &mut cmd, WAIT)
}

#[test]
fn three_namespaces_round_robin_then_one_server_killed() {
    if !is_root() {
        return skip("not running as root");
    }
    let mut network = Network::default();
    for i in 0..NAMES.len() {
        if let Err(e) = network.add(i) {
            return skip(&e);
        }
    }
    // Declared after `network`, so dropped (killed) before the namespaces are removed.
    let mut servers: Vec<Proc> = Vec::new();
    for (laptop, name) in network.laptops.iter().zip(NAMES) {
        let mut cmd = Command::new("ip");
        // `ip netns exec` execs the program, so killing the Proc kills the server itself.
        cmd.args(["netns", "exec", &laptop.netns])
            .arg(env!("CARGO_BIN_EXE_demo4-server"))
            .args(["--bind", &laptop.endpoint, "--name", name]);
        servers.push(Proc::spawn(format!("demo4-server {name}"), &mut cmd));
    }
    for laptop in &network.laptops {
        wait_listening(&laptop.endpoint).unwrap();
    }
    let endpoints: Vec<&str> = network
        .laptops
        .iter()
        .map(|l| l.endpoint.as_str())
        .collect();

    // All three up: strict round-robin over the three names.
    let lines = client(&endpoints).success().unwrap();
    assert_eq!(
        lines,
        ["[b'ns-a']", "[b'ns-b']", "[b'ns-c']"].repeat(2),
        "round-robin across the three namespaces"
    );
    for server in &mut servers {
        server
            .expect_line(WAIT, |l| l == "Get message: [b'hello']")
            .unwrap();
    }

    // SIGKILL the server in the second namespace: the client must still finish, from the others.
    servers[1].kill();
    let out = client(&endpoints);
    assert!(
        out.status.is_some_and(|s| s.success()),
        "the client finishes with one server dead: {out:?}"
    );
    assert_eq!(
        out.stdout,
        ["[b'ns-a']", "[b'ns-c']"].repeat(3),
        "answered by the live servers: {out:?}"
    );
    assert!(
        out.stderr
            .contains(&format!("E: {} is unreachable", endpoints[1])),
        "names the dead endpoint: {}",
        out.stderr
    );
    assert!(
        !out.stderr.contains(endpoints[0]) && !out.stderr.contains(endpoints[2]),
        "only the dead endpoint is blamed: {}",
        out.stderr
    );
}

#[test]
fn three_namespaced_servers_register_in_etcd_and_a_killed_one_vanishes() {
    if !is_root() {
        return skip("not running as root");
    }
    let Some(etcd) = crate::etcd::Etcd::start_public() else {
        return;
    };
    let mut network = Network {
        laptops: Vec::new(),
        offset: 1,
    };
    for i in 0..NAMES.len() {
        if let Err(e) = network.add(i) {
            return skip(&e);
        }
    }
    let mut servers: Vec<Proc> = Vec::new();
    for (laptop, name) in network.laptops.iter().zip(NAMES) {
        // Bound to every interface, no --advertise: the server must find its namespace address.
        let registry = format!("http://{}:{}", laptop.host_addr, etcd.port());
        let mut cmd = Command::new("ip");
        cmd.args(["netns", "exec", &laptop.netns])
            .arg(env!("CARGO_BIN_EXE_demo4-server"))
            .args(["--bind", "tcp://*:5555", "--name", name])
            .args(["--register", "--registry", &registry])
            .env_remove("ETCD_ENDPOINTS");
        servers.push(Proc::spawn(format!("demo4-server {name}"), &mut cmd));
    }
    let want: std::collections::BTreeMap<String, String> = NAMES
        .iter()
        .zip(&network.laptops)
        .map(|(n, l)| (n.to_string(), l.endpoint.clone()))
        .collect();
    etcd.wait_servers(WAIT, |s| *s == want)
        .expect("each server registered its namespace address");

    let mut client = Proc::spawn(
        "demo4-client --discover",
        &mut crate::discovery::merged(
            env!("CARGO_BIN_EXE_demo4-client"),
            &[
                "--discover",
                "--registry",
                &etcd.client_url,
                "--requests",
                "0",
                "--interval",
                "100ms",
            ],
        ),
    );
    for name in NAMES {
        client
            .expect_line(WAIT, |l| l == format!("[b'{name}']"))
            .unwrap();
    }
    servers[1].kill();
    let killed = Instant::now();
    client
        .expect_line(Duration::from_secs(5), |l| l == "left ns-b")
        .unwrap();
    println!(
        "MEASURED netns: ns-b (kill -9) left the client {:?} after the kill",
        killed.elapsed()
    );
    assert!(!etcd.servers().contains_key("ns-b"));
    for _ in 0..4 {
        let line = client.expect_line(WAIT, |l| l.starts_with("[b'")).unwrap();
        assert_ne!(
            line, "[b'ns-b']",
            "the killed server gets no request after it left"
        );
    }
}
