//! The tutorial's security question, first half: **how do I keep the calls private?** HTTPS.
//! The server loads a PEM certificate and key into rustls ([`load_tls`]) and every connection
//! starts with a TLS handshake that must finish within the read timeout ([`accept`]); the
//! client trusts a self-signed certificate given with `--ca` ([`client_roots`]).

use std::path::Path;
use std::sync::Arc;
use std::time::Duration;

use tokio::net::TcpStream;
use tokio_rustls::rustls;
use tokio_rustls::server::TlsStream;
use tokio_rustls::TlsAcceptor;

/// Why the TLS set-up could not start.
#[derive(Debug, thiserror::Error)]
pub enum TlsError {
    #[error("cannot read {path}: {why}")]
    Pem {
        path: String,
        why: rustls::pki_types::pem::Error,
    },
    #[error("{0} holds no certificate")]
    NoCertificate(String),
    #[error("bad certificate or key: {0}")]
    Tls(#[from] rustls::Error),
}

/// Loads a PEM certificate chain and its private key into a rustls server configuration.
pub fn load_tls(cert: &Path, key: &Path) -> Result<Arc<rustls::ServerConfig>, TlsError> {
    use rustls::pki_types::pem::PemObject;
    use rustls::pki_types::{CertificateDer, PrivateKeyDer};
    let pem_error = |path: &Path| {
        let path = path.display().to_string();
        move |why| TlsError::Pem { path, why }
    };
    let chain = CertificateDer::pem_file_iter(cert)
        .and_then(|certs| certs.collect::<Result<Vec<_>, _>>())
        .map_err(pem_error(cert))?;
    if chain.is_empty() {
        return Err(TlsError::NoCertificate(cert.display().to_string()));
    }
    let key = PrivateKeyDer::from_pem_file(key).map_err(pem_error(key))?;
    // Name the crypto provider explicitly (ring) rather than rely on a process-wide default.
    let provider = Arc::new(rustls::crypto::ring::default_provider());
    let config = rustls::ServerConfig::builder_with_provider(provider)
        .with_safe_default_protocol_versions()?
        .with_no_client_auth()
        .with_single_cert(chain, key)?;
    Ok(Arc::new(config))
}

/// The TLS handshake on an accepted connection, within `read_timeout` (`None`: failed, logged).
pub async fn accept(
    tls: &Arc<rustls::ServerConfig>,
    tcp: TcpStream,
    read_timeout: Duration,
) -> Option<TlsStream<TcpStream>> {
    let peer = tcp.peer_addr().ok();
    let handshake = TlsAcceptor::from(tls.clone()).accept(tcp);
    match tokio::time::timeout(read_timeout, handshake).await {
        Ok(Ok(stream)) => Some(stream),
        Ok(Err(error)) => {
            tracing::info!(?peer, %error, "TLS handshake failed");
            None
        }
        Err(_) => {
            tracing::info!(?peer, "TLS handshake timed out");
            None
        }
    }
}

/// The certificates of a PEM file, for the client to trust instead of the public roots.
pub fn client_roots(path: &Path) -> Result<ureq::tls::TlsConfig, String> {
    use ureq::tls::{Certificate, PemItem, RootCerts, TlsConfig};
    let pem = std::fs::read(path).map_err(|e| e.to_string())?;
    let certs = ureq::tls::parse_pem(&pem)
        .filter_map(|item| match item {
            Ok(PemItem::Certificate(cert)) => Some(Ok(cert)),
            Ok(_) => None,
            Err(e) => Some(Err(e)),
        })
        .collect::<Result<Vec<Certificate<'static>>, _>>()
        .map_err(|e| e.to_string())?;
    if certs.is_empty() {
        return Err("no certificate in the file".into());
    }
    let roots = RootCerts::Specific(Arc::new(certs));
    Ok(TlsConfig::builder().root_certs(roots).build())
}
