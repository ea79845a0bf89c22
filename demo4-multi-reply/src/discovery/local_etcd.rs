//! A private etcd for the tour and the benchmark: one member on free loopback ports with a data
//! directory of its own, ready when a read through the registry succeeds, killed (and its
//! directory removed) when dropped. Students start theirs by hand (`etcd --data-dir …`, see the
//! README); nothing here ever touches a system etcd on the default port.

use std::path::PathBuf;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use super::Registry;

/// How long a fresh etcd may take to answer a read.
const READY_WITHIN: Duration = Duration::from_secs(10);

/// A running etcd member; see the module header.
#[derive(Debug)]
pub struct LocalEtcd {
    /// `http://127.0.0.1:<port>`, for `--registry` / [`Registry::new`].
    pub url: String,
    /// Its own folder (the data dir is `data/` inside), removed when dropped: room for the
    /// files a demo renders.
    pub dir: PathBuf,
    child: Child,
}

impl LocalEtcd {
    /// Starts `etcd` as member `name`; `Ok(None)` when the `etcd` binary is not installed.
    pub fn start(name: &str) -> anyhow::Result<Option<LocalEtcd>> {
        let dir = std::env::temp_dir().join(format!("{name}-demo4-etcd-{}", std::process::id()));
        let (client, peer) = (common::free_port(), common::free_port());
        let url = format!("http://127.0.0.1:{client}");
        let peer_url = format!("http://127.0.0.1:{peer}");
        let spawned = Command::new("etcd")
            .arg("--data-dir")
            .arg(dir.join("data"))
            .args(["--name", name])
            .args([
                "--listen-client-urls",
                &url,
                "--advertise-client-urls",
                &url,
            ])
            .args(["--listen-peer-urls", &peer_url])
            .args(["--initial-advertise-peer-urls", &peer_url])
            .args(["--initial-cluster", &format!("{name}={peer_url}")])
            .args(["--log-level", "error"])
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn();
        let Ok(child) = spawned else { return Ok(None) };
        let etcd = LocalEtcd { url, dir, child };
        let addr = std::net::SocketAddr::from(([127, 0, 0, 1], client));
        common::wait_for_port(addr, READY_WITHIN).map_err(anyhow::Error::msg)?;
        // Listening is not serving yet: one read through the registry, with its deadline, is.
        let deadline = Instant::now() + READY_WITHIN;
        let probe = Registry::new(vec![etcd.url.clone()])?;
        while let Err(e) = probe.watch() {
            anyhow::ensure!(
                Instant::now() < deadline,
                "etcd at {} does not answer: {e}",
                etcd.url
            );
            std::thread::sleep(Duration::from_millis(100));
        }
        Ok(Some(etcd))
    }
}

impl Drop for LocalEtcd {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
        let _ = std::fs::remove_dir_all(&self.dir);
    }
}
