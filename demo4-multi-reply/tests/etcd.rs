//! The etcd harness of the discovery tests: real `etcd` processes (v3.4, Debian's
//! `etcd-server`), each on its own ephemeral client and peer ports with its own data directory
//! — never a system etcd. One member, or a cluster of three for the failure tests.

use std::collections::BTreeMap;
use std::io::{Read, Write};
use std::path::PathBuf;
use std::process::Command;
use std::time::{Duration, Instant};

use test_support::{free_port, Proc};

/// How long a fresh etcd gets to answer its health check.
const READY_WITHIN: Duration = Duration::from_secs(15);

/// One etcd member.
pub struct Etcd {
    pub name: String,
    pub client_url: String,
    /// Where it listens for clients: `client_url`, or every interface on the same port.
    listen_url: String,
    peer_url: String,
    cluster: String,
    data: PathBuf,
    _dir: tempfile::TempDir,
    proc: Option<Proc>,
}

/// The `etcd` binary, if installed (after a visible skip otherwise).
fn installed() -> bool {
    let ok = Command::new("etcd")
        .arg("--version")
        .output()
        .is_ok_and(|o| o.status.success());
    if !ok {
        test_support::skip("etcd is missing (Debian: apt-get install etcd-server etcd-client)");
    }
    ok
}

impl Etcd {
    /// A single-member etcd, answering; `None` (after a skip) without the binary.
    pub fn start() -> Option<Etcd> {
        Some(Etcd::cluster(1)?.remove(0))
    }

    /// A single member listening for clients on every interface (port `port()`), for servers
    /// in other network namespaces; `client_url` stays on loopback.
    pub fn start_public() -> Option<Etcd> {
        Some(Etcd::members(1, true)?.remove(0))
    }

    /// The client port.
    pub fn port(&self) -> &str {
        self.client_url.rsplit(':').next().unwrap_or_default()
    }

    /// `size` members forming one cluster, all answering.
    pub fn cluster(size: usize) -> Option<Vec<Etcd>> {
        Etcd::members(size, false)
    }

    fn members(size: usize, public: bool) -> Option<Vec<Etcd>> {
        if !installed() {
            return None;
        }
        let members: Vec<(String, u16, u16)> = (0..size)
            .map(|i| (format!("m{i}"), free_port(), free_port()))
            .collect();
        let cluster = members
            .iter()
            .map(|(name, _, peer)| format!("{name}=http://127.0.0.1:{peer}"))
            .collect::<Vec<_>>()
            .join(",");
        let mut etcds: Vec<Etcd> = members
            .into_iter()
            .map(|(name, client, peer)| {
                let dir = tempfile::tempdir().expect("a temp dir for etcd's data");
                let host = if public { "0.0.0.0" } else { "127.0.0.1" };
                Etcd {
                    name,
                    client_url: format!("http://127.0.0.1:{client}"),
                    listen_url: format!("http://{host}:{client}"),
                    peer_url: format!("http://127.0.0.1:{peer}"),
                    cluster: cluster.clone(),
                    data: dir.path().join("data"),
                    _dir: dir,
                    proc: None,
                }
            })
            .collect();
        for etcd in &mut etcds {
            etcd.spawn();
        }
        for etcd in &etcds {
            etcd.wait_ready();
        }
        Some(etcds)
    }

    fn spawn(&mut self) {
        let mut cmd = Command::new("etcd");
        cmd.args(["--name", &self.name])
            .arg("--data-dir")
            .arg(&self.data)
            .args(["--listen-client-urls", &self.listen_url])
            .args(["--advertise-client-urls", &self.client_url])
            .args(["--listen-peer-urls", &self.peer_url])
            .args(["--initial-advertise-peer-urls", &self.peer_url])
            .args(["--initial-cluster", &self.cluster])
            .args(["--initial-cluster-state", "new"])
            // One token per cluster (its first peer port), so two tests' clusters never mix.
            .args(["--initial-cluster-token", &token(&self.cluster)])
            .args(["--heartbeat-interval", "100", "--election-timeout", "500"])
            .args(["--log-level", "error"]);
        self.proc = Some(Proc::spawn(format!("etcd {}", self.name), &mut cmd));
    }

    /// Waits (bounded) until `/health` says true: a leader is elected, requests are served.
    pub fn wait_ready(&self) {
        let deadline = Instant::now() + READY_WITHIN;
        let addr = self.client_url.trim_start_matches("http://").to_string();
        loop {
            if health(&addr).is_some_and(|body| body.contains("\"health\":\"true\"")) {
                return;
            }
            assert!(
                Instant::now() < deadline,
                "etcd {} at {} not healthy within {READY_WITHIN:?}",
                self.name,
                self.client_url
            );
            std::thread::sleep(Duration::from_millis(50));
        }
    }

    /// `kill -9` this member.
    pub fn kill(&mut self) {
        if let Some(mut proc) = self.proc.take() {
            proc.signal("KILL");
            proc.kill(); // reaps it
        }
    }

    /// Starts it again on the same ports and data (after [`Etcd::kill`]); `wipe` starts it
    /// with no data at all, as a replaced machine would.
    pub fn restart(&mut self, wipe: bool) {
        self.kill();
        if wipe {
            let _ = std::fs::remove_dir_all(&self.data);
        }
        self.spawn();
        self.wait_ready();
    }

    /// Every key under `/rpc/demo4/` and its value, read with `etcdctl` (bounded).
    pub fn servers(&self) -> BTreeMap<String, String> {
        let out = test_support::run(
            "etcdctl get",
            Command::new("etcdctl")
                .env("ETCDCTL_API", "3")
                .args(["--endpoints", &self.client_url, "--command-timeout=2s"])
                .args(["get", "--prefix", "/rpc/demo4/"]),
            Duration::from_secs(5),
        )
        .success()
        .expect("etcdctl reads the registry");
        out.chunks(2)
            .filter_map(|kv| match kv {
                [k, v] => Some((k.trim_start_matches("/rpc/demo4/").to_string(), v.clone())),
                _ => None,
            })
            .collect()
    }

    /// Whether this member is the cluster's Raft leader (`etcdctl endpoint status`).
    pub fn is_leader(&self) -> bool {
        let out = test_support::run(
            "etcdctl endpoint status",
            Command::new("etcdctl")
                .env("ETCDCTL_API", "3")
                .args(["--endpoints", &self.client_url, "--command-timeout=2s"])
                .args(["endpoint", "status", "-w", "fields"]),
            Duration::from_secs(5),
        )
        .success()
        .expect("etcdctl reads the member's status");
        let field = |name: &str| {
            out.iter().find_map(|l| {
                l.strip_prefix(&format!("\"{name}\" : "))
                    .map(str::to_string)
            })
        };
        field("MemberID").is_some() && field("MemberID") == field("Leader")
    }

    /// Waits up to `within` until `want(servers())` holds; the time it took.
    pub fn wait_servers(
        &self,
        within: Duration,
        want: impl Fn(&BTreeMap<String, String>) -> bool,
    ) -> Result<Duration, String> {
        let start = Instant::now();
        loop {
            let servers = self.servers();
            if want(&servers) {
                return Ok(start.elapsed());
            }
            if start.elapsed() > within {
                return Err(format!("registry after {within:?}: {servers:?}"));
            }
            std::thread::sleep(Duration::from_millis(50));
        }
    }
}

fn token(cluster: &str) -> String {
    let first = cluster.split(',').next().unwrap_or(cluster);
    format!("demo4-{}", first.rsplit(':').next().unwrap_or("0"))
}

/// `GET /health` over a plain TCP socket, bounded by short socket timeouts.
fn health(addr: &str) -> Option<String> {
    let addr: std::net::SocketAddr = addr.parse().ok()?;
    let mut stream =
        std::net::TcpStream::connect_timeout(&addr, Duration::from_millis(200)).ok()?;
    stream.set_read_timeout(Some(Duration::from_secs(1))).ok()?;
    stream
        .write_all(b"GET /health HTTP/1.0\r\nHost: etcd\r\n\r\n")
        .ok()?;
    let mut body = String::new();
    stream.read_to_string(&mut body).ok()?;
    Some(body)
}

/// The registry flag's value for several members: `http://a,http://b,…`.
pub fn endpoints(members: &[Etcd]) -> String {
    members
        .iter()
        .map(|m| m.client_url.as_str())
        .collect::<Vec<_>>()
        .join(",")
}
