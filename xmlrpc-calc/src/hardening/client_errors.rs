//! The client's side of the hardening: **what went wrong, in words a student can act on.** A
//! transport error of `ureq` says what failed at its level (`io: Peer disconnected`,
//! `invalid peer certificate: UnknownIssuer`, `invalid HTTP version`); [`CallError`] says what it
//! probably means here and which flag to try.

use std::time::Duration;

use common::endpoints::human;

/// Why a call failed, in words meant for the person at the terminal.
#[derive(Debug, thiserror::Error)]
pub enum CallError {
    #[error("server fault {code}: {string}")]
    Fault { code: i32, string: String },
    #[error("no reply from {url} within {} — is xmlrpc-server running, or is the call slower than --timeout?", human(*.timeout))]
    Timeout { url: String, timeout: Duration },
    #[error("cannot reach {url}: {why} — is xmlrpc-server running?")]
    Unreachable { url: String, why: ureq::Error },
    #[error("{url} closed the connection before answering ({why}) — did the server stop or crash during the call?")]
    ClosedEarly { url: String, why: ureq::Error },
    #[error("{url} sent a certificate we do not trust ({why}) — for a self-signed certificate, pass it with --ca cert.pem")]
    UntrustedCertificate { url: String, why: ureq::Error },
    #[error("{url} did not answer in HTTP ({why}) — it may be a TLS server: try https://")]
    NotHttp { url: String, why: ureq::Error },
    #[error("call to {url} failed: {why}")]
    Failed { url: String, why: ureq::Error },
    #[error("{url} answered HTTP {status}: {body}")]
    Http {
        url: String,
        status: u16,
        body: String,
    },
    #[error("the reply is not XML-RPC: {0}")]
    BadReply(String),
    #[error("cannot use CA certificate {path}: {why}")]
    Ca { path: String, why: String },
}

/// What a transport error of a call to `url` probably means.
pub fn explain(url: &str, timeout: Duration, why: ureq::Error) -> CallError {
    use std::io::ErrorKind;
    let url = url.to_string();
    let text = why.to_string();
    match &why {
        ureq::Error::Timeout(_) => CallError::Timeout { url, timeout },
        ureq::Error::HostNotFound | ureq::Error::ConnectionFailed => {
            CallError::Unreachable { url, why }
        }
        ureq::Error::Io(e) if e.kind() == ErrorKind::ConnectionRefused => {
            CallError::Unreachable { url, why }
        }
        ureq::Error::Io(e)
            if matches!(
                e.kind(),
                ErrorKind::UnexpectedEof | ErrorKind::ConnectionReset | ErrorKind::BrokenPipe
            ) || text.contains("Peer disconnected") =>
        {
            CallError::ClosedEarly { url, why }
        }
        _ if text.contains("UnknownIssuer") || text.contains("invalid peer certificate") => {
            CallError::UntrustedCertificate { url, why }
        }
        _ if text.contains("invalid HTTP version") && url.starts_with("http://") => {
            CallError::NotHttp { url, why }
        }
        _ => CallError::Failed { url, why },
    }
}
