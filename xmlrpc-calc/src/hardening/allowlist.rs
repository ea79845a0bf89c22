//! The tutorial's security question, second half: **who may call?** "Check the client's IP
//! against an allowlist; the configuration is distributed, and when you reload the daemon you
//! know which addresses to allow."
//!
//! - `--allow CIDR` (repeatable) and `--allow-file PATH` (one CIDR a line, `#` comments) say which
//!   networks may call; with neither, everyone may. A stranger gets `403 Forbidden` when its
//!   connection is accepted, before any XML is read.
//! - The file is re-read on **SIGHUP** (`kill -HUP <pid>`, or `demo4-watch --exec`): the new list
//!   applies to connections accepted from then on; connections and calls in flight go on. A file
//!   that does not parse keeps the previous list, and the log says why.
//! - A file that does not exist yet means "nobody from the file yet": the server starts (only
//!   the `--allow` networks may call) and reads the file on the first SIGHUP, so a watcher such
//!   as `demo4-watch --render …:allow.txt` can be started after it and write the file.

use std::net::{IpAddr, SocketAddr};
use std::path::{Path, PathBuf};
use std::sync::{Arc, RwLock};

use dxr_server::axum::http::StatusCode;
use dxr_server::axum::Router;
use ipnet::IpNet;

/// Is `ip` in one of `nets`? (An IPv4 client on an IPv6 socket shows up as `::ffff:a.b.c.d`; we
/// compare its IPv4 form.)
pub fn contains(nets: &[IpNet], ip: IpAddr) -> bool {
    let ip = match ip {
        IpAddr::V6(v6) => v6.to_ipv4_mapped().map_or(ip, IpAddr::V4),
        v4 => v4,
    };
    nets.iter().any(|net| net.contains(&ip))
}

/// The networks of an allow file: one CIDR a line (`10.0.0.0/8`, or a bare address for /32),
/// blank lines and `#` comments ignored. The error names the line that does not parse.
pub fn read_file(path: &Path) -> Result<Vec<IpNet>, String> {
    let text = std::fs::read_to_string(path)
        .map_err(|e| format!("cannot read {}: {e}", path.display()))?;
    let mut nets = Vec::new();
    for (number, line) in text.lines().enumerate() {
        let line = line.split('#').next().unwrap_or_default().trim();
        if line.is_empty() {
            continue;
        }
        let net = line
            .parse::<IpNet>()
            .or_else(|_| line.parse::<IpAddr>().map(IpNet::from))
            .map_err(|_| {
                let at = format!("{}:{}", path.display(), number + 1);
                format!("{at}: {line:?} is not a network (e.g. 10.0.0.0/8) nor an address")
            })?;
        nets.push(net);
    }
    Ok(nets)
}

/// The allowlist a running server checks: the `--allow` networks and, if given, the file's,
/// which [`Allowlist::reload`] replaces.
#[derive(Debug, Clone)]
pub struct Allowlist {
    flags: Arc<Vec<IpNet>>,
    file: Option<(PathBuf, Arc<RwLock<Vec<IpNet>>>)>,
}

impl Allowlist {
    /// The list of a configuration; a file that cannot be read or parsed is an error here (at
    /// start-up), where later, on a reload, it only keeps the old list. A file that does not
    /// exist yet is an empty list. One console line says what was loaded.
    pub fn load(flags: &[IpNet], file: Option<&Path>) -> Result<Allowlist, String> {
        let file = match file {
            Some(path) if !path.exists() => {
                println!(
                    "Allowlist: {} does not exist yet: nobody from it may call until it is \
                     written and the server gets SIGHUP",
                    path.display()
                );
                Some((path.to_path_buf(), Arc::new(RwLock::new(Vec::new()))))
            }
            Some(path) => Some((path.to_path_buf(), Arc::new(RwLock::new(read_file(path)?)))),
            None => None,
        };
        let list = Allowlist {
            flags: Arc::new(flags.to_vec()),
            file,
        };
        if let Some(line) = list.describe() {
            println!("{line}");
        }
        Ok(list)
    }

    /// `Allowlist: 10.0.0.0/8 (--allow), 127.0.0.1/32 (allow.txt)`, or `None` when everyone
    /// may call.
    pub fn describe(&self) -> Option<String> {
        let mut nets: Vec<String> = self
            .flags
            .iter()
            .map(|n| format!("{n} (--allow)"))
            .collect();
        if let Some((path, file_nets)) = &self.file {
            let file_nets = file_nets
                .read()
                .unwrap_or_else(|poisoned| poisoned.into_inner());
            let name = path.file_name().map_or(path.display().to_string(), |n| {
                n.to_string_lossy().into_owned()
            });
            nets.extend(file_nets.iter().map(|n| format!("{n} ({name})")));
        } else if nets.is_empty() {
            return None;
        }
        let nets = if nets.is_empty() {
            "nobody yet".to_string()
        } else {
            nets.join(", ")
        };
        Some(format!("Allowlist: {nets}"))
    }

    /// May a client at `ip` call?
    pub fn allows(&self, ip: IpAddr) -> bool {
        match &self.file {
            None => self.flags.is_empty() || contains(&self.flags, ip),
            Some((_, nets)) => {
                let nets = nets.read().unwrap_or_else(|poisoned| poisoned.into_inner());
                contains(&self.flags, ip) || contains(&nets, ip)
            }
        }
    }

    /// Re-reads the file; a bad file keeps the previous list. Either way one console line
    /// says what happened, for the person who sent the SIGHUP.
    pub fn reload(&self) {
        let Some((path, nets)) = &self.file else {
            return;
        };
        match read_file(path) {
            Ok(fresh) => {
                println!(
                    "Allowlist reloaded from {}: {} network(s)",
                    path.display(),
                    fresh.len()
                );
                tracing::info!(networks = ?fresh, "allowlist reloaded");
                *nets
                    .write()
                    .unwrap_or_else(|poisoned| poisoned.into_inner()) = fresh;
            }
            Err(why) => {
                println!("Allowlist not reloaded, keeping the previous one: {why}");
                tracing::warn!("allowlist not reloaded: {why}");
            }
        }
    }

    /// Re-reads the file on every SIGHUP, from now on (a task on the current tokio runtime).
    pub fn reload_on_sighup(&self) -> std::io::Result<()> {
        if self.file.is_none() {
            return Ok(());
        }
        let mut hangups = tokio::signal::unix::signal(tokio::signal::unix::SignalKind::hangup())?;
        let list = self.clone();
        tokio::spawn(async move {
            while hangups.recv().await.is_some() {
                list.reload();
            }
        });
        Ok(())
    }
}

/// What a client that is not allowed gets: `403 Forbidden` for every request, in plain words.
pub fn forbidden(peer: SocketAddr) -> Router {
    tracing::warn!(%peer, "client not in the allowlist: answering 403");
    let text = format!(
        "403 Forbidden: {} is not in this server's --allow list\n",
        peer.ip()
    );
    Router::new().fallback(move || async move { (StatusCode::FORBIDDEN, text) })
}
