//! Not the lesson: a private RabbitMQ **cluster** on this machine, for the tests and the bench
//! of "When one broker is not enough" (`scripts/rabbitmq-cluster.sh` does the same for a student,
//! on fixed ports).
//!
//! Each node is the package's own `rabbitmq-server` script (the wrappers on the PATH switch to the
//! `rabbitmq` user and share the system node's cookie) with its own name, ephemeral ports, data
//! and log dirs under a temp dir, and a private Erlang cookie in a private `$HOME`. The system
//! node on 5672 is never touched. The second and third nodes join the first with
//! `stop_app; join_cluster; start_app`. Every wait is bounded and polls
//! `rabbitmq-diagnostics check_running`; dropping the [`Cluster`] kills every node it started.

use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use anyhow::{bail, Context};

/// How long one node may take to boot (about 8.5 s on an idle 2-core machine; much more when
/// other builds and tests share it).
pub const BOOT_WITHIN: Duration = Duration::from_secs(180);

/// How long one `rabbitmqctl` call may take.
const CTL_WITHIN: Duration = Duration::from_secs(60);

/// A running cluster of RabbitMQ nodes; dropped = every node killed and its files removed.
#[derive(Debug)]
pub struct Cluster {
    dir: PathBuf,
    sbin: PathBuf,
    nodes: Vec<Node>,
    /// Kills the nodes if this process dies without dropping us (SIGKILL, a harness timeout).
    watchdog: Option<Child>,
}

#[derive(Debug)]
struct Node {
    name: String,
    port: u16,
    dist_port: u16,
    /// The node's `rabbitmq-server` script, leader of a process group of its own.
    process: Option<Child>,
}

/// The folder of the package's own scripts (`rabbitmq-server`, `rabbitmqctl`), if installed.
pub fn sbin() -> Option<PathBuf> {
    let lib = Path::new("/usr/lib/rabbitmq/lib");
    let mut found: Vec<PathBuf> = std::fs::read_dir(lib)
        .ok()?
        .filter_map(|entry| Some(entry.ok()?.path().join("sbin")))
        .filter(|sbin| sbin.join("rabbitmq-server").exists())
        .collect();
    found.sort();
    found.pop()
}

impl Cluster {
    /// Starts `size` nodes and joins them into one cluster; returns when every node runs.
    pub fn start(size: usize) -> anyhow::Result<Cluster> {
        let sbin = sbin().context("RabbitMQ is not installed (/usr/lib/rabbitmq/lib/*/sbin)")?;
        let id = uuid::Uuid::new_v4().simple().to_string();
        let dir = std::env::temp_dir().join(format!("rpc-amqp-cluster-{}", &id[..12]));
        std::fs::create_dir_all(dir.join("home"))?;
        let cookie = dir.join("home/.erlang.cookie");
        std::fs::write(&cookie, uuid::Uuid::new_v4().simple().to_string())?;
        use std::os::unix::fs::PermissionsExt;
        std::fs::set_permissions(&cookie, std::fs::Permissions::from_mode(0o400))?;
        for file in ["enabled_plugins", "rabbitmq.conf", "rabbitmq-env.conf"] {
            std::fs::write(dir.join(file), "")?;
        }
        let nodes = (0..size)
            .map(|i| Node {
                name: format!("rpct{}{i}@localhost", &id[..8]),
                port: common::free_port(),
                dist_port: common::free_port(),
                process: None,
            })
            .collect();
        let watchdog = watchdog(&dir)?;
        let mut cluster = Cluster {
            dir,
            sbin,
            nodes,
            watchdog: Some(watchdog),
        };
        for i in 0..size {
            cluster.spawn(i)?;
        }
        for i in 0..size {
            cluster.await_running(i)?;
        }
        let first = cluster.nodes[0].name.clone();
        for i in 1..size {
            let name = cluster.nodes[i].name.clone();
            cluster.ctl(&["-n", &name, "stop_app"])?;
            cluster.ctl(&["-n", &name, "join_cluster", &first])?;
            cluster.ctl(&["-n", &name, "start_app"])?;
        }
        for i in 0..size {
            cluster.await_running(i)?;
        }
        Ok(cluster)
    }

    /// The AMQP URL of node `i`.
    pub fn url(&self, i: usize) -> String {
        format!("amqp://guest:guest@127.0.0.1:{}/%2f", self.nodes[i].port)
    }

    /// Every node's URL, node `first` first and then round the cluster: what a program
    /// that should prefer node `first` gets as its `--amqp-url` list.
    pub fn urls_from(&self, first: usize) -> Vec<String> {
        let size = self.nodes.len();
        (0..size).map(|k| self.url((first + k) % size)).collect()
    }

    /// The Erlang name of node `i` (`rpct…0@localhost`).
    pub fn name(&self, i: usize) -> &str {
        &self.nodes[i].name
    }

    /// `kill -9` of node `i`: its whole process group, at once, no goodbye to anyone.
    pub fn kill(&mut self, i: usize) {
        if let Some(mut process) = self.nodes[i].process.take() {
            let group = format!("-{}", process.id());
            let _ = Command::new("kill")
                .args(["-KILL", "--", &group])
                .stderr(Stdio::null())
                .status();
            let _ = process.kill();
            let _ = process.wait();
        }
        self.note_groups();
    }

    /// Starts node `i` again from its data dir (it is still a member: it rejoins by itself) and
    /// waits until it runs.
    pub fn restart(&mut self, i: usize) -> anyhow::Result<()> {
        self.kill(i);
        self.spawn(i)?;
        self.await_running(i)
    }

    /// The index of the node that holds the leader of quorum queue `queue`, asked of node `via`.
    pub fn leader_of(&self, queue: &str, via: usize) -> anyhow::Result<usize> {
        let name = self.nodes[via].name.clone();
        let listing = self.ctl(&["-n", &name, "list_queues", "name", "leader"])?;
        let line = listing
            .lines()
            .find(|line| line.split_whitespace().next() == Some(queue))
            .with_context(|| format!("no queue {queue} in {listing:?}"))?;
        let leader = line.split_whitespace().nth(1).unwrap_or_default();
        self.nodes
            .iter()
            .position(|node| node.name == leader)
            .with_context(|| format!("{queue}: leader {leader:?} is none of our nodes"))
    }

    /// The nodes running in the cluster, as node `via` sees it.
    pub fn running_nodes(&self, via: usize) -> anyhow::Result<Vec<String>> {
        let name = self.nodes[via].name.clone();
        let status = self.ctl(&["-n", &name, "cluster_status", "--formatter", "json"])?;
        let running = status
            .split_once("\"running_nodes\":[")
            .and_then(|(_, rest)| rest.split_once(']'))
            .map(|(list, _)| list)
            .with_context(|| format!("no running_nodes in {status}"))?;
        Ok(running
            .split(',')
            .map(|name| name.trim_matches('"').to_string())
            .filter(|name| !name.is_empty())
            .collect())
    }

    /// Waits (bounded) until node `via` sees `count` nodes running.
    pub fn await_members(&self, via: usize, count: usize) -> anyhow::Result<()> {
        let deadline = Instant::now() + BOOT_WITHIN;
        loop {
            let running = self.running_nodes(via).unwrap_or_default();
            if running.len() >= count {
                return Ok(());
            }
            if Instant::now() >= deadline {
                bail!(
                    "{} sees {running:?} running, not {count} nodes",
                    self.name(via)
                );
            }
            std::thread::sleep(Duration::from_millis(250));
        }
    }

    fn spawn(&mut self, i: usize) -> anyhow::Result<()> {
        use std::os::unix::process::CommandExt;
        let node = &self.nodes[i];
        let short = node.name.split('@').next().unwrap_or_default();
        let out = std::fs::File::create(self.dir.join(format!("{short}.out")))?;
        let process = Command::new(self.sbin.join("rabbitmq-server"))
            .current_dir(&self.dir) // where an erl_crash.dump would go
            .env("HOME", self.dir.join("home"))
            .env("RABBITMQ_NODENAME", &node.name)
            .env("RABBITMQ_NODE_IP_ADDRESS", "127.0.0.1")
            .env("RABBITMQ_NODE_PORT", node.port.to_string())
            .env("RABBITMQ_DIST_PORT", node.dist_port.to_string())
            .env("RABBITMQ_MNESIA_BASE", self.dir.join(short).join("mnesia"))
            .env("RABBITMQ_LOG_BASE", self.dir.join(short).join("log"))
            .env("RABBITMQ_CONFIG_FILE", self.dir.join("rabbitmq.conf"))
            .env("RABBITMQ_CONF_ENV_FILE", self.dir.join("rabbitmq-env.conf"))
            .env(
                "RABBITMQ_ENABLED_PLUGINS_FILE",
                self.dir.join("enabled_plugins"),
            )
            .env("RABBITMQ_PID_FILE", self.dir.join(format!("{short}.pid")))
            // One scheduler per node: three nodes share two cores with everything else.
            .env("RABBITMQ_SERVER_ADDITIONAL_ERL_ARGS", "+S 1:1")
            .process_group(0) // its own group: `kill` ends the node and nothing else
            .stdin(Stdio::null())
            .stdout(out.try_clone()?)
            .stderr(out)
            .spawn()
            .with_context(|| format!("cannot start {}", node.name))?;
        self.nodes[i].process = Some(process);
        self.note_groups();
        Ok(())
    }

    /// Writes the nodes' process groups where the watchdog reads them.
    fn note_groups(&self) {
        let groups: Vec<String> = self
            .nodes
            .iter()
            .filter_map(|node| Some(node.process.as_ref()?.id().to_string()))
            .collect();
        let _ = std::fs::write(self.dir.join("groups"), groups.join(" "));
    }

    /// Polls `rabbitmq-diagnostics check_running` until node `i` runs (bounded).
    fn await_running(&mut self, i: usize) -> anyhow::Result<()> {
        let deadline = Instant::now() + BOOT_WITHIN;
        let name = self.nodes[i].name.clone();
        loop {
            let up = Command::new("timeout")
                .arg(CTL_WITHIN.as_secs().to_string())
                .arg(self.sbin.join("rabbitmq-diagnostics"))
                .env("HOME", self.dir.join("home"))
                .env("ERL_CRASH_DUMP_SECONDS", "0") // no erl_crash.dump if the dir is gone
                .args(["-q", "-n", &name, "check_running"])
                .stdout(Stdio::null())
                .stderr(Stdio::null())
                .status()
                .is_ok_and(|status| status.success());
            if up {
                return Ok(());
            }
            if let Some(process) = self.nodes[i].process.as_mut() {
                if let Ok(Some(status)) = process.try_wait() {
                    bail!(
                        "{name} exited while booting ({status}); see {}",
                        self.dir.display()
                    );
                }
            }
            if Instant::now() >= deadline {
                bail!("{name} not running within {BOOT_WITHIN:?}");
            }
            std::thread::sleep(Duration::from_millis(250));
        }
    }

    /// Runs `rabbitmqctl -q <args>` with our cookie; its stdout, or why it failed.
    fn ctl(&self, args: &[&str]) -> anyhow::Result<String> {
        // Bounded: `timeout` ends a CLI call that waits on a node that does not answer.
        let out = Command::new("timeout")
            .arg(CTL_WITHIN.as_secs().to_string())
            .arg(self.sbin.join("rabbitmqctl"))
            .env("HOME", self.dir.join("home"))
            .env("ERL_CRASH_DUMP_SECONDS", "0")
            .arg("-q")
            .args(args)
            .stdin(Stdio::null())
            .output()
            .context("rabbitmqctl")?;
        if !out.status.success() {
            bail!(
                "rabbitmqctl {}: {}",
                args.join(" "),
                String::from_utf8_lossy(&out.stderr).trim()
            );
        }
        Ok(String::from_utf8_lossy(&out.stdout).into_owned())
    }
}

impl Drop for Cluster {
    /// Kills every node this cluster started (also when a test failed half-way) and removes its
    /// data, logs and cookie.
    fn drop(&mut self) {
        for i in 0..self.nodes.len() {
            self.kill(i);
        }
        if let Some(mut watchdog) = self.watchdog.take() {
            let _ = watchdog.kill();
            let _ = watchdog.wait();
        }
        let _ = std::fs::remove_dir_all(&self.dir);
    }
}

/// A shell that waits (polling once a second) for this process to end, then kills the process
/// groups listed in `dir/groups` and removes `dir`: no node outlives a test binary that was
/// killed before it could drop its cluster. (`kill -9 -<pgid>`, not `kill -KILL -- -<pgid>`:
/// Debian's `sh` is dash, whose `kill` knows no `--` and would kill nothing.)
fn watchdog(dir: &Path) -> anyhow::Result<Child> {
    use std::os::unix::process::CommandExt;
    let script = format!(
        "while kill -0 {parent} 2>/dev/null; do sleep 1; done; \
         for group in $(cat '{dir}/groups' 2>/dev/null); do kill -9 -$group; done; \
         rm -rf '{dir}'",
        parent = std::process::id(),
        dir = dir.display()
    );
    Command::new("sh")
        .args(["-c", &script])
        .process_group(0) // its own group: it outlives a Ctrl-C that ends the test binary
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .context("cannot start the cluster's watchdog")
}
