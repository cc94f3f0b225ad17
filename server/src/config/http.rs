//! Settings of the HTTP API: where it listens and how it treats requests.

use std::net::{IpAddr, SocketAddr};
use std::path::PathBuf;
use std::time::Duration;

use serde::Deserialize;

use super::{invalid, parse, within, ConfigError};

/// The HTTP listener and its request limits.
#[derive(Clone, Debug, Deserialize)]
#[serde(default)]
pub struct HttpSettings {
    /// Address the HTTP API listens on.
    #[serde(deserialize_with = "parse::socket_addr")]
    pub bind: SocketAddr,
    /// Requests taking longer are answered 408.
    #[serde(rename = "request_timeout_secs", deserialize_with = "parse::secs")]
    pub request_timeout: Duration,
    /// Larger request bodies are answered 413.
    pub body_limit_bytes: usize,
    /// Reverse proxies whose `X-Forwarded-For` is believed (for per-address sign-in limits);
    /// empty: the TCP peer is the client. Written comma-separated.
    #[serde(deserialize_with = "parse::ip_list")]
    pub trusted_proxies: Vec<IpAddr>,
    /// A client must send a request's headers within this time (slowloris).
    #[serde(rename = "header_read_timeout_secs", deserialize_with = "parse::secs")]
    pub header_read_timeout: Duration,
    /// Most connections open at once; more wait in the listen backlog.
    pub max_connections: usize,
    /// Serve `/metrics` on this address only (e.g. a management network) instead of on `bind`.
    #[serde(deserialize_with = "parse::optional_socket_addr")]
    pub metrics_bind: Option<SocketAddr>,
    /// PEM certificate chain: with `tls_key_file`, the API is served over HTTPS/WSS itself
    /// (single-box venues). Without both it speaks plain HTTP, for a TLS proxy in front.
    pub tls_cert_file: Option<PathBuf>,
    /// PEM private key of `tls_cert_file`.
    pub tls_key_file: Option<PathBuf>,
}

impl Default for HttpSettings {
    fn default() -> Self {
        Self {
            bind: SocketAddr::from(([127, 0, 0, 1], 8080)),
            request_timeout: Duration::from_secs(10),
            body_limit_bytes: 64 * 1024,
            trusted_proxies: Vec::new(),
            header_read_timeout: Duration::from_secs(10),
            max_connections: 10_000,
            metrics_bind: None,
            tls_cert_file: None,
            tls_key_file: None,
        }
    }
}

impl HttpSettings {
    pub(super) fn validate(&self) -> Result<(), ConfigError> {
        within(
            "request_timeout_secs",
            self.request_timeout.as_secs(),
            1..=300,
        )?;
        within(
            "header_read_timeout_secs",
            self.header_read_timeout.as_secs(),
            1..=120,
        )?;
        within("max_connections", self.max_connections, 1..=1_000_000)?;
        if self.metrics_bind == Some(self.bind) {
            return Err(invalid("metrics_bind", "must differ from bind"));
        }
        match (&self.tls_cert_file, &self.tls_key_file) {
            (Some(_), None) => return Err(invalid("tls_cert_file", "needs tls_key_file too")),
            (None, Some(_)) => return Err(invalid("tls_key_file", "needs tls_cert_file too")),
            _ => {}
        }
        if !(1024..=16 * 1024 * 1024).contains(&self.body_limit_bytes) {
            return Err(invalid(
                "body_limit_bytes",
                "must be between 1 KiB and 16 MiB",
            ));
        }
        Ok(())
    }
}
