//! The tutorial's two questions, built: *why consul (register, discover)?* and *remember
//! pub/sub?* — how a change in the list of servers reaches every client and every config file.
//!
//! The registry is **etcd** (it plays consul's part here): a replicated key-value store with
//! *leases* (a key that dies with its owner) and *watches* (a stream of every change).
//!
//! - [`registry`]: talking to etcd from a blocking ZeroMQ program (a small tokio runtime on a
//!   background thread, a deadline on every call, one-line errors that name the endpoint);
//! - [`register`]: *how does a server make itself known, and unknown?* — `demo4-server --register`;
//! - [`watch`]: *how does a client learn who is there, and who left?* — `demo4-client --discover`;
//! - [`follow`]: *how does the client use the live list?* — joins and leaves between requests;
//! - [`advertise`]: *which address do I give out?* — a `tcp://*:5555` bind is not connectable;
//! - [`events`]: *how do changes reach programs that do not speak etcd?* — `demo4-watch`'s PUB
//!   events and `demo4-client --subscribe`;
//! - [`render`]: *how does a PHP application's config follow?* — `demo4-watch --render`;
//! - [`watcher`]: `demo4-watch`'s loop: every change published, rendered, reloaded.
//!
//! The contract other programs rely on: one key per server, `/rpc/demo4/<name>`, whose value is
//! the endpoint to connect to (`tcp://127.0.0.1:5601`), attached to a lease of `--ttl` seconds.

use std::collections::BTreeMap;
use std::time::Duration;

// The answers the README presents: public, to be read and used.
pub mod advertise;
pub mod events;
pub mod follow;
pub mod register;
pub mod registry;
pub mod render;
pub mod watch;
pub mod watcher;
// Plumbing: private, with the one item the tour and the bench need re-exported.
mod local_etcd;

pub use local_etcd::LocalEtcd;
pub use registry::{Registry, RegistryError};

/// Where every demo4 server registers: `/rpc/demo4/<name>`.
pub const PREFIX: &str = "/rpc/demo4/";
/// The registry when neither `--registry` nor `ETCD_ENDPOINTS` says otherwise.
pub const DEFAULT_REGISTRY: &str = "http://127.0.0.1:2379";
/// How long a registration outlives its server's last sign of life (`--ttl`).
pub const DEFAULT_TTL: Duration = Duration::from_secs(3);
/// Where `demo4-watch` publishes the changes (`--publish`).
pub const DEFAULT_PUBLISH: &str = "tcp://127.0.0.1:5556";

/// The registry key of the server called `name`.
pub fn key(name: &str) -> String {
    format!("{PREFIX}{name}")
}

/// The servers known right now: name → endpoint.
pub type Servers = BTreeMap<String, String>;

/// One change in the list of servers — what a watch reports, what `demo4-watch` publishes.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Change {
    /// `name` is (now) reachable at `endpoint` (a new server, or one that moved).
    Up { name: String, endpoint: String },
    /// `name` is gone.
    Down { name: String },
}

impl Change {
    /// The wire form of `demo4-watch`'s PUB frames: `up <name> <endpoint>` / `down <name>`.
    pub fn line(&self) -> String {
        match self {
            Change::Up { name, endpoint } => format!("up {name} {endpoint}"),
            Change::Down { name } => format!("down {name}"),
        }
    }

    /// Applies it to a list of servers — the one place that does (the watch, the subscriber,
    /// the follower, demo4-watch and the tour all call it) — and says what it changed.
    pub fn apply(&self, servers: &mut Servers) -> Applied {
        match self {
            Change::Up { name, endpoint } => match servers.insert(name.clone(), endpoint.clone()) {
                None => Applied::Added,
                Some(old) if old == *endpoint => Applied::Unchanged,
                Some(old) => Applied::Moved { from: old },
            },
            Change::Down { name } => match servers.remove(name) {
                Some(endpoint) => Applied::Removed { endpoint },
                None => Applied::Unchanged,
            },
        }
    }

    /// Reads a PUB frame back; `None` for anything else.
    pub fn parse(line: &str) -> Option<Change> {
        let mut words = line.split_whitespace();
        let change = match (words.next()?, words.next()?, words.next()) {
            ("up", name, Some(endpoint)) => Change::Up {
                name: name.to_string(),
                endpoint: endpoint.to_string(),
            },
            ("down", name, None) => Change::Down {
                name: name.to_string(),
            },
            _ => return None,
        };
        words.next().is_none().then_some(change)
    }
}

/// What [`Change::apply`] did to the list.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Applied {
    /// The server was not listed before.
    Added,
    /// It was listed at another endpoint, `from` (a server that restarted on a new port).
    Moved { from: String },
    /// It left; it was at `endpoint`.
    Removed { endpoint: String },
    /// Nothing changed (the same endpoint again, or a name that was not listed).
    Unchanged,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_change_applied_says_what_it_changed() {
        let mut servers = Servers::new();
        let up = |endpoint: &str| Change::Up {
            name: "alice".into(),
            endpoint: endpoint.into(),
        };
        let down = Change::Down {
            name: "alice".into(),
        };
        assert_eq!(up("tcp://a:1").apply(&mut servers), Applied::Added);
        assert_eq!(up("tcp://a:1").apply(&mut servers), Applied::Unchanged);
        assert_eq!(
            up("tcp://a:2").apply(&mut servers),
            Applied::Moved {
                from: "tcp://a:1".into()
            }
        );
        assert_eq!(
            down.apply(&mut servers),
            Applied::Removed {
                endpoint: "tcp://a:2".into()
            }
        );
        assert_eq!(down.apply(&mut servers), Applied::Unchanged);
        assert!(servers.is_empty());
    }

    #[test]
    fn change_lines_round_trip() {
        let up = Change::Up {
            name: "alice".into(),
            endpoint: "tcp://10.0.0.7:5555".into(),
        };
        assert_eq!(up.line(), "up alice tcp://10.0.0.7:5555");
        assert_eq!(Change::parse(&up.line()), Some(up));
        let down = Change::Down {
            name: "alice".into(),
        };
        assert_eq!(down.line(), "down alice");
        assert_eq!(Change::parse("down alice"), Some(down));
        for bad in ["", "up alice", "down", "down a b", "up a b c", "sideways a"] {
            assert_eq!(Change::parse(bad), None, "{bad:?}");
        }
    }
}
