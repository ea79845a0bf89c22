//! The tutorial's server keeps a **transport log**: `logfunc=log_file("myrpc.log")` records every
//! request and every reply. `jsonrpc-server --log-file PATH` does the same for raw TCP: one line
//! per request (`-->`) and per reply (`<--`), with a UTC timestamp and the peer's address,
//! appended to the file:
//!
//! ```text
//! 2026-12-01T21:46:45.123Z 127.0.0.1:50312 --> {"jsonrpc":"2.0","method":"echo","params":["hi"],"id":1}
//! 2026-12-01T21:46:45.124Z 127.0.0.1:50312 <-- {"jsonrpc":"2.0","result":"hi","id":1}
//! ```
//!
//! A disk is slower than a socket, so the server never writes the file itself: it hands each
//! line to a writer thread through a channel (sending never blocks), and the reply goes out at
//! once. A file that cannot be opened is an error at start-up, not a surprise later.

use std::io::Write;
use std::net::SocketAddr;
use std::path::Path;
use std::sync::mpsc;
use std::time::{Duration, SystemTime};

/// The sending side, cloned into every connection.
#[derive(Debug, Clone)]
pub struct TransportLog {
    lines: mpsc::Sender<String>,
}

/// The writer thread; [`LogWriter::finish`] waits (bounded) until it has written every line.
#[derive(Debug)]
pub struct LogWriter {
    done: mpsc::Receiver<()>,
}

impl TransportLog {
    /// Opens `path` for appending (creating it) and starts the writer thread.
    pub fn open(path: &Path) -> std::io::Result<(TransportLog, LogWriter)> {
        let file = std::fs::OpenOptions::new()
            .create(true)
            .append(true)
            .open(path)?;
        let (lines, queue) = mpsc::channel::<String>();
        let (finished, done) = mpsc::channel();
        std::thread::Builder::new()
            .name("transport log".into())
            .spawn(move || {
                let mut file = std::io::BufWriter::new(file);
                // Until every sender is gone; each line reaches the file before the next is awaited.
                for line in queue {
                    let written = writeln!(file, "{line}").and_then(|()| file.flush());
                    if let Err(error) = written {
                        tracing::warn!("transport log: {error}");
                    }
                }
                let _ = finished.send(());
            })?;
        Ok((TransportLog { lines }, LogWriter { done }))
    }

    /// [`TransportLog::open`] when `--log-file` names a file; the error names the flag.
    pub fn open_if(
        path: Option<&Path>,
    ) -> anyhow::Result<(Option<TransportLog>, Option<LogWriter>)> {
        let Some(path) = path else {
            return Ok((None, None));
        };
        let (log, writer) = TransportLog::open(path).map_err(|e| {
            anyhow::anyhow!(
                "cannot open the log file {} (--log-file): {e}",
                path.display()
            )
        })?;
        Ok((Some(log), Some(writer)))
    }

    /// Logs a request received from `peer`: on the debug log, and in the file if there is one.
    pub fn request(log: &Option<TransportLog>, peer: SocketAddr, text: &str) {
        let text = text.trim();
        tracing::debug!("{peer} --> {text}");
        Self::line(log, peer, "-->", text);
    }

    /// Logs a reply sent to `peer`.
    pub fn reply(log: &Option<TransportLog>, peer: SocketAddr, text: &str) {
        tracing::debug!("{peer} <-- {text}");
        Self::line(log, peer, "<--", text);
    }

    fn line(log: &Option<TransportLog>, peer: SocketAddr, arrow: &str, text: &str) {
        if let Some(log) = log {
            // One line per message: a request may hold newlines between its tokens.
            let text = text.replace(['\r', '\n'], " ");
            let _ = log.lines.send(format!(
                "{} {peer} {arrow} {text}",
                timestamp(SystemTime::now())
            ));
        }
    }
}

impl LogWriter {
    /// Waits up to `within` for the writer to finish, once every [`TransportLog`] is dropped.
    pub fn finish(self, within: Duration) {
        let _ = self.done.recv_timeout(within);
    }
}

/// `2026-12-01T21:46:45.123Z`: RFC 3339, UTC, milliseconds.
pub fn timestamp(at: SystemTime) -> String {
    chrono::DateTime::<chrono::Utc>::from(at)
        .format("%Y-%m-%dT%H:%M:%S%.3fZ")
        .to_string()
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::time::UNIX_EPOCH;

    #[test]
    fn timestamps_are_rfc3339_utc() {
        assert_eq!(timestamp(UNIX_EPOCH), "1970-01-01T00:00:00.000Z");
        let leap_day = UNIX_EPOCH + Duration::from_millis(951_782_400_000 + 3_723_004);
        assert_eq!(timestamp(leap_day), "2000-02-29T01:02:03.004Z");
        let new_year = UNIX_EPOCH + Duration::from_secs(1_798_761_599);
        assert_eq!(timestamp(new_year), "2026-12-31T23:59:59.000Z");
    }
}
