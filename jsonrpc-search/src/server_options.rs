//! Not the lesson: what `jsonrpc-server` offers beyond the tutorial's server — HTTP
//! ([`crate::http`]), the limits ([`crate::hardening::limits`]) and the transport log
//! ([`crate::questions::log_file`]) — as flags, and the starting and stopping of what they ask for.

use std::path::PathBuf;
use std::time::Duration;

use jsonrpc_core::IoHandler;

use crate::hardening::limits::LimitsArgs;
use crate::http::HttpArgs;
use crate::questions::log_file::{LogWriter, TransportLog};
use crate::Limits;

/// Which transports: `--http ADDR`, `--no-http`, `--no-tcp` (flattened into the command line).
#[derive(Debug, clap::Args)]
pub struct Transports {
    /// JSON-RPC over HTTP too (`--http ADDR`, `--no-http`).
    #[command(flatten)]
    http: HttpArgs,
    /// Serve HTTP only.
    #[arg(long, conflicts_with = "no_http")]
    pub no_tcp: bool,
}

/// The limits and the transport log (flattened into the command line after `--db`).
#[derive(Debug, clap::Args)]
pub struct ServerOptions {
    /// How much a client may send, and how long it may dawdle.
    #[command(flatten)]
    limits: LimitsArgs,
    /// Append one line per TCP request and reply (timestamp, peer) to this file (the tutorial's
    /// `logfunc=log_file("myrpc.log")`).
    #[arg(long, value_name = "PATH")]
    log_file: Option<PathBuf>,
    /// After each reply, keep the serving thread awake this long for the client's next request
    /// (one client in a loop: more calls/s; costs CPU only while calls come). 0: off.
    #[arg(long, default_value = "200us", value_parser = common::parse_duration)]
    stay_awake: Duration,
}

/// What the options started, for the TCP server to use and for [`Extras::finish`] to stop.
pub struct Extras {
    pub limits: Limits,
    pub log: Option<TransportLog>,
    writer: Option<LogWriter>,
    http: Option<jsonrpc_http_server::Server>,
}

impl ServerOptions {
    /// Opens the transport log, if asked: a file that cannot be opened is a start-up error.
    pub fn open_log(&self) -> anyhow::Result<(Option<TransportLog>, Option<LogWriter>)> {
        TransportLog::open_if(self.log_file.as_deref())
    }

    /// Starts the HTTP server (unless `--no-http`) with `io`; `log` from [`Self::open_log`].
    pub fn start(
        &self,
        transports: &Transports,
        io: &IoHandler,
        (log, writer): (Option<TransportLog>, Option<LogWriter>),
    ) -> anyhow::Result<Extras> {
        let limits = Limits {
            stay_awake: self.stay_awake,
            ..self.limits.limits()
        };
        let http = transports.http.start(io, &limits)?;
        if transports.no_tcp && http.is_none() {
            anyhow::bail!("--no-tcp and --no-http leave nothing to serve");
        }
        Ok(Extras {
            limits,
            log,
            writer,
            http,
        })
    }
}

impl Extras {
    /// After the TCP server: the HTTP server closes its sockets, the log writes its last lines.
    pub fn finish(self) {
        drop(self.log);
        if let Some(server) = self.http {
            server.close();
        }
        if let Some(writer) = self.writer {
            writer.finish(Duration::from_millis(300));
        }
    }
}
