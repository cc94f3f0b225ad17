//! How the app reaches its server safely: `https://` and `wss://` with rustls, trusting the
//! operating system's certificate store plus, optionally, the venue's own CA (a PEM file named
//! in the device configuration). Plain `http://` only to this machine (loopback), unless the
//! device is explicitly set up as insecure (shown on every screen).

use std::net::IpAddr;
use std::path::Path;
use std::sync::Arc;

use rustls::pki_types::pem::PemObject;
use rustls::pki_types::CertificateDer;
use rustls::RootCertStore;

/// Why the trust settings cannot be used.
#[derive(Debug, thiserror::Error)]
pub enum TlsError {
    #[error("cannot read the CA file {path}: {message}")]
    CaFile { path: String, message: String },
    #[error("no trusted certificate authorities: the system store is empty and no ca_file is set")]
    NoRoots,
    #[error("TLS setup: {0}")]
    Setup(String),
}

/// Which servers the app trusts, and whether plain HTTP is allowed beyond loopback. Cheap to
/// clone (the rustls configuration is shared).
#[derive(Clone)]
pub struct TlsTrust {
    config: Arc<rustls::ClientConfig>,
    insecure_http: bool,
}

impl std::fmt::Debug for TlsTrust {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("TlsTrust")
            .field("insecure_http", &self.insecure_http)
            .finish_non_exhaustive()
    }
}

impl TlsTrust {
    /// The operating system's store, plus every certificate in `ca_file` when given.
    pub fn new(ca_file: Option<&Path>, insecure_http: bool) -> Result<Self, TlsError> {
        let mut roots = RootCertStore::empty();
        let native = rustls_native_certs::load_native_certs();
        for e in &native.errors {
            tracing::warn!("skipping part of the system certificate store: {e}");
        }
        let (added, ignored) = roots.add_parsable_certificates(native.certs);
        if ignored > 0 {
            tracing::debug!(added, ignored, "system certificates loaded");
        }
        if let Some(path) = ca_file {
            let ca_error = |message: String| TlsError::CaFile {
                path: path.display().to_string(),
                message,
            };
            let certs = CertificateDer::pem_file_iter(path)
                .and_then(|certs| certs.collect::<Result<Vec<_>, _>>())
                .map_err(|e| ca_error(e.to_string()))?;
            if certs.is_empty() {
                return Err(ca_error("it holds no certificate".into()));
            }
            for cert in certs {
                roots.add(cert).map_err(|e| ca_error(e.to_string()))?;
            }
        }
        if roots.is_empty() {
            return Err(TlsError::NoRoots);
        }
        let provider = Arc::new(rustls::crypto::ring::default_provider());
        let config = rustls::ClientConfig::builder_with_provider(provider)
            .with_safe_default_protocol_versions()
            .map_err(|e| TlsError::Setup(e.to_string()))?
            .with_root_certificates(roots)
            .with_no_client_auth();
        Ok(Self {
            config: Arc::new(config),
            insecure_http,
        })
    }

    /// The system store only, plain HTTP to loopback only.
    pub fn system() -> Result<Self, TlsError> {
        Self::new(None, false)
    }

    /// Whether plain HTTP to other machines is allowed (an explicit device setting).
    pub fn insecure_http(&self) -> bool {
        self.insecure_http
    }

    /// Refuses a server address this trust must not talk to: anything but `https`, `wss`, or
    /// `http`/`ws` to loopback (or anywhere, when insecure HTTP is allowed).
    pub fn check(&self, url: &reqwest::Url) -> Result<(), String> {
        check_scheme(url, self.insecure_http)
    }

    /// A reqwest client builder using this trust (HTTP/1.1; no ALPN offered).
    pub fn http_client(&self) -> reqwest::ClientBuilder {
        reqwest::Client::builder().use_preconfigured_tls((*self.config).clone())
    }

    /// The websocket connector using this trust.
    pub fn ws_connector(&self) -> tokio_tungstenite::Connector {
        tokio_tungstenite::Connector::Rustls(self.config.clone())
    }
}

/// See [`TlsTrust::check`].
pub fn check_scheme(url: &reqwest::Url, insecure_http: bool) -> Result<(), String> {
    match url.scheme() {
        "https" | "wss" => Ok(()),
        "http" | "ws" if insecure_http || is_loopback(url) => Ok(()),
        "http" | "ws" => Err(format!(
            "{url} is not encrypted: use https:// (or set insecure_http = true in device.toml \
             for a trusted network)"
        )),
        other => Err(format!("{other}:// is not a server address")),
    }
}

fn is_loopback(url: &reqwest::Url) -> bool {
    let Some(host) = url.host_str() else {
        return false;
    };
    let host = host.trim_start_matches('[').trim_end_matches(']');
    host.eq_ignore_ascii_case("localhost")
        || host.parse::<IpAddr>().is_ok_and(|ip| ip.is_loopback())
}

/// If `error` (or anything it was caused by) is a refused certificate, what to tell the user.
pub fn certificate_problem(error: &(dyn std::error::Error + 'static)) -> Option<String> {
    let mut current = Some(error);
    while let Some(e) = current {
        if let Some(tls) = e.downcast_ref::<rustls::Error>() {
            return Some(describe(tls));
        }
        current = match e
            .downcast_ref::<std::io::Error>()
            .and_then(|io| io.get_ref())
        {
            // `io::Error::source` skips the error it wraps (which may be another io::Error
            // wrapping the TLS error): step into it instead.
            Some(inner) => Some(inner as &(dyn std::error::Error + 'static)),
            None => e.source(),
        };
    }
    None
}

fn describe(error: &rustls::Error) -> String {
    use rustls::CertificateError as C;
    match error {
        rustls::Error::InvalidCertificate(
            C::NotValidForName | C::NotValidForNameContext { .. },
        ) => {
            format!(
                "the server's certificate is not for this address ({error}): check the server \
                 address in the device settings"
            )
        }
        rustls::Error::InvalidCertificate(C::Expired | C::ExpiredContext { .. }) => {
            format!("the server's certificate has expired ({error}): renew it on the server")
        }
        rustls::Error::InvalidCertificate(_) => format!(
            "the server's certificate is not trusted ({error}): if the venue uses its own \
             certificate authority, name its PEM file as ca_file in device.toml"
        ),
        other => format!("secure connection failed: {other}"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn url(text: &str) -> reqwest::Url {
        reqwest::Url::parse(text).unwrap()
    }

    #[test]
    fn plain_http_only_to_this_machine() {
        for ok in [
            "https://tickets.example.org",
            "http://127.0.0.1:8080",
            "http://127.0.0.2:8080",
            "http://localhost:8080",
            "http://[::1]:8080",
            "ws://127.0.0.1:8080/api/live",
            "wss://tickets.example.org/api/live",
        ] {
            assert!(check_scheme(&url(ok), false).is_ok(), "{ok}");
        }
        for refused in [
            "http://10.0.0.5:8080",
            "http://tickets.example.org",
            "ws://10.0.0.5/api/live",
        ] {
            let err = check_scheme(&url(refused), false).unwrap_err();
            assert!(err.contains("not encrypted"), "{err}");
            assert!(check_scheme(&url(refused), true).is_ok(), "{refused}");
        }
        assert!(check_scheme(&url("ftp://x"), true).is_err());
    }

    #[test]
    fn a_bad_ca_file_is_named() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("venue-ca.pem");
        std::fs::write(&path, "no certificate here").unwrap();
        let err = TlsTrust::new(Some(&path), false).unwrap_err().to_string();
        assert!(err.contains("venue-ca.pem"), "{err}");
        let err = TlsTrust::new(Some(&dir.path().join("missing.pem")), false)
            .unwrap_err()
            .to_string();
        assert!(err.contains("missing.pem"), "{err}");
    }

    #[test]
    fn a_refused_certificate_is_found_inside_io_errors() {
        let inner = rustls::Error::InvalidCertificate(rustls::CertificateError::UnknownIssuer);
        // As hyper hands it over: an io::Error around an io::Error around the TLS error.
        let io = std::io::Error::new(std::io::ErrorKind::InvalidData, inner);
        let io = std::io::Error::other(io);
        let message = certificate_problem(&io).unwrap();
        assert!(
            message.contains("not trusted") && message.contains("ca_file"),
            "{message}"
        );
        let plain = std::io::Error::new(std::io::ErrorKind::ConnectionRefused, "refused");
        assert!(certificate_problem(&plain).is_none());
    }
}
