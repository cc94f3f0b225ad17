//! HTTPS for venues without a TLS proxy: the certificate chain and key named in the
//! configuration, served with rustls (ring). Read once at start: after renewing the
//! certificate, restart the server (a systemd `ExecReload` is a restart).

use std::path::Path;
use std::sync::Arc;

use anyhow::Context;
use rustls::pki_types::pem::PemObject;
use rustls::pki_types::{CertificateDer, PrivateKeyDer};
use tokio_rustls::TlsAcceptor;

use crate::config::HttpSettings;

/// The TLS acceptor for `settings`, or `None` when no certificate is configured (plain HTTP,
/// for a proxy in front or for loopback).
pub fn acceptor(settings: &HttpSettings) -> anyhow::Result<Option<TlsAcceptor>> {
    let (Some(cert_file), Some(key_file)) = (&settings.tls_cert_file, &settings.tls_key_file)
    else {
        return Ok(None);
    };
    let chain = certificates(cert_file)?;
    let key = PrivateKeyDer::from_pem_file(key_file)
        .with_context(|| format!("cannot read a private key from {}", key_file.display()))?;
    let provider = Arc::new(rustls::crypto::ring::default_provider());
    let mut config = rustls::ServerConfig::builder_with_provider(provider)
        .with_safe_default_protocol_versions()
        .context("TLS protocol versions")?
        .with_no_client_auth()
        .with_single_cert(chain, key)
        .with_context(|| {
            format!(
                "{} and {} do not make a usable certificate and key",
                cert_file.display(),
                key_file.display()
            )
        })?;
    config.alpn_protocols = vec![b"h2".to_vec(), b"http/1.1".to_vec()];
    Ok(Some(TlsAcceptor::from(Arc::new(config))))
}

fn certificates(path: &Path) -> anyhow::Result<Vec<CertificateDer<'static>>> {
    let chain = CertificateDer::pem_file_iter(path)
        .and_then(|certs| certs.collect::<Result<Vec<_>, _>>())
        .with_context(|| format!("cannot read certificates from {}", path.display()))?;
    anyhow::ensure!(!chain.is_empty(), "{} holds no certificate", path.display());
    Ok(chain)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn without_a_certificate_it_is_plain_http() {
        assert!(acceptor(&HttpSettings::default()).unwrap().is_none());
    }

    #[test]
    fn unreadable_files_are_named() {
        let dir = tempfile::tempdir().unwrap();
        let cert = dir.path().join("cert.pem");
        let key = dir.path().join("key.pem");
        std::fs::write(&cert, "not a certificate").unwrap();
        std::fs::write(&key, "not a key").unwrap();
        let settings = HttpSettings {
            tls_cert_file: Some(cert.clone()),
            tls_key_file: Some(key.clone()),
            ..HttpSettings::default()
        };
        let err = format!("{:#}", acceptor(&settings).err().unwrap());
        assert!(err.contains("cert.pem"), "{err}");
        let missing = HttpSettings {
            tls_cert_file: Some(dir.path().join("missing.pem")),
            ..settings
        };
        let err = format!("{:#}", acceptor(&missing).err().unwrap());
        assert!(err.contains("missing.pem"), "{err}");
    }
}
