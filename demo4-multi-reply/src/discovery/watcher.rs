//! `demo4-watch`'s loop — consul-template's, here: every change of the registry is published
//! on PUB (`up <name> <endpoint>` / `down <name>`), written into each rendered file, and
//! followed by one reload; the whole list goes out again every `republish` for subscribers that
//! joined late (PUB drops what it sends before a subscriber is there: the slow joiner).
//!
//! It prints nothing itself: every line goes to the writer it is given (`demo4-watch`: stdout;
//! the tour: its narration), so the binary, the tour and the tests run the same loop.

use std::io::Write;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::mpsc::{Receiver, RecvTimeoutError};
use std::time::{Duration, Instant};

use anyhow::Context as _;

use super::events::Publisher;
use super::render::Render;
use super::{Change, Servers};

/// How often the loop looks at its stop flag while nothing changes.
const CHECK: Duration = Duration::from_millis(100);

/// What demo4-watch does with every change.
pub struct Watcher {
    pub publisher: Publisher,
    /// `--render TEMPLATE:DEST`, each rewritten on every change.
    pub renders: Vec<Render>,
    /// How often the whole list is published again (`--republish`).
    pub republish: Duration,
}

impl Watcher {
    /// The state at start is the first change: one `up` line per server, every file written
    /// (an error when one cannot be: a wrong path is the user's to fix now), the list published.
    pub fn start(&self, servers: &Servers, out: &mut impl Write) -> anyhow::Result<()> {
        for (name, endpoint) in servers {
            let up = Change::Up {
                name: name.clone(),
                endpoint: endpoint.clone(),
            };
            let _ = writeln!(out, "{}", up.line());
        }
        for render in &self.renders {
            render
                .write(servers)
                .with_context(|| format!("cannot render {}", render.dest.display()))?;
            let _ = writeln!(out, "{}", rendered(render, servers));
        }
        self.publisher.snapshot(servers)?;
        Ok(())
    }

    /// Follows `changes` until `stop`, keeping `servers` up to date. A burst of changes (three
    /// servers starting at once) is one change for the files and the reload; every event is
    /// still published on its own. `reload` runs once after each (`demo4-watch --exec`).
    pub fn follow(
        &self,
        servers: &mut Servers,
        changes: &Receiver<Change>,
        stop: &AtomicBool,
        out: &mut impl Write,
        mut reload: impl FnMut(),
    ) -> anyhow::Result<()> {
        let mut published = Instant::now();
        while !stop.load(Ordering::Relaxed) {
            let due = self.republish.saturating_sub(published.elapsed());
            match changes.recv_timeout(due.min(CHECK)) {
                Ok(first) => {
                    let mut batch = vec![first];
                    batch.extend(changes.try_iter());
                    for change in &batch {
                        change.apply(servers);
                        let _ = writeln!(out, "{}", change.line());
                        self.publisher.change(change)?;
                    }
                    self.rerender(servers, out);
                    reload();
                    self.publisher.snapshot(servers)?;
                    published = Instant::now();
                }
                Err(RecvTimeoutError::Timeout) => {
                    if published.elapsed() >= self.republish {
                        self.publisher.snapshot(servers)?;
                        published = Instant::now();
                    }
                }
                Err(RecvTimeoutError::Disconnected) => anyhow::bail!("the registry watch stopped"),
            }
        }
        Ok(())
    }

    /// Rewrites every file; a failure is logged and the old file stays (the next change retries).
    fn rerender(&self, servers: &Servers, out: &mut impl Write) {
        for render in &self.renders {
            match render.write(servers) {
                Ok(()) => {
                    let _ = writeln!(out, "{}", rendered(render, servers));
                }
                Err(e) => {
                    tracing::error!(dest = %render.dest.display(), error = %e, "cannot render; the old file stays")
                }
            }
        }
    }
}

/// The line that says a file was written: `rendered config/rpc.php (3 servers)`.
fn rendered(render: &Render, servers: &Servers) -> String {
    let plural = if servers.len() == 1 { "" } else { "s" };
    format!(
        "rendered {} ({} server{plural})",
        render.dest.display(),
        servers.len()
    )
}
