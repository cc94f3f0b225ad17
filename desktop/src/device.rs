//! The device configuration: which server this app talks to and which certificates it trusts
//! (the OS store plus an optional venue CA; plain HTTP beyond loopback only when explicitly
//! allowed), whether it is a kiosk, where the staff PIN's hash is (a file of its own, see
//! [`crate::staff_pin`]), where a kiosk keeps its session, and the ticket printer. A TOML
//! file in the platform config dir (`~/.config/eventory/device.toml` on Linux), or in
//! `$EVENTORY_CONFIG_DIR` when set (tests, several instances on one machine).

use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};

/// The server a fresh install talks to.
pub const DEFAULT_SERVER_URL: &str = "http://127.0.0.1:8080";

/// Why the configuration cannot be read, written or changed.
#[derive(Debug, thiserror::Error)]
pub enum DeviceError {
    #[error("cannot read or write {path}: {source}")]
    Io {
        path: PathBuf,
        source: std::io::Error,
    },
    #[error("{path} is not a valid device configuration: {message}")]
    Parse { path: PathBuf, message: String },
    #[error("the server address must start with https:// or http:// ({0:?})")]
    BadServerUrl(String),
    #[error("{0}")]
    Insecure(String),
    #[error(transparent)]
    Tls(#[from] crate::tls::TlsError),
    #[error("no platform config directory; set EVENTORY_CONFIG_DIR")]
    NoConfigDir,
}

/// Where tickets go.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Printer {
    /// Save PDFs only.
    #[default]
    None,
    /// The system's default printer (`lp`).
    Default,
    /// A named CUPS queue (`lp -d <name>`).
    Named(String),
}

/// The device configuration file.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct DeviceConfig {
    pub server_url: String,
    pub kiosk: bool,
    /// The file with the staff PIN's hash (default `/etc/eventory/kiosk-pin`); trusted only
    /// when the app's own account cannot rewrite it.
    pub pin_file: Option<PathBuf>,
    /// Keep the session (refresh token) in this file, readable by its owner only, instead of
    /// the OS keyring: a kiosk without a keyring that survives reboots.
    pub credential_file: Option<PathBuf>,
    pub printer: Printer,
    /// Where ticket PDFs are saved (default: the data dir's `tickets/`).
    pub tickets_dir: Option<PathBuf>,
    /// A PEM file of certificate authorities trusted besides the OS store (a venue's own CA).
    pub ca_file: Option<PathBuf>,
    /// Allows plain `http://` to other machines (a trusted network only; every screen then
    /// says the connection is not encrypted). Loopback is always allowed.
    pub insecure_http: bool,
}

impl Default for DeviceConfig {
    fn default() -> Self {
        Self {
            server_url: DEFAULT_SERVER_URL.into(),
            kiosk: false,
            pin_file: None,
            credential_file: None,
            printer: Printer::None,
            tickets_dir: None,
            ca_file: None,
            insecure_http: false,
        }
    }
}

/// The folder of the configuration (and, beside it, of saved tickets).
pub fn config_dir() -> Result<PathBuf, DeviceError> {
    if let Some(dir) = std::env::var_os("EVENTORY_CONFIG_DIR") {
        return Ok(PathBuf::from(dir));
    }
    directories::ProjectDirs::from("app", "Eventory", "eventory")
        .map(|p| p.config_dir().to_path_buf())
        .ok_or(DeviceError::NoConfigDir)
}

/// Checks and normalises a server address ("https://host", no trailing slash): `https://`, or
/// `http://` to loopback (anywhere with `insecure_http`).
pub fn normalise_server_url(url: &str, insecure_http: bool) -> Result<String, DeviceError> {
    let trimmed = url.trim().trim_end_matches('/');
    let parsed =
        reqwest::Url::parse(trimmed).map_err(|_| DeviceError::BadServerUrl(url.to_owned()))?;
    if !matches!(parsed.scheme(), "http" | "https") || parsed.host_str().is_none() {
        return Err(DeviceError::BadServerUrl(url.to_owned()));
    }
    crate::tls::check_scheme(&parsed, insecure_http).map_err(DeviceError::Insecure)?;
    Ok(trimmed.to_owned())
}

impl DeviceConfig {
    fn file(dir: &Path) -> PathBuf {
        dir.join("device.toml")
    }

    /// Reads the configuration in `dir` (defaults if there is none yet). `EVENTORY_SERVER_URL`
    /// and `EVENTORY_KIOSK=1` override the file (first start of a provisioned device).
    pub fn load(dir: &Path) -> Result<Self, DeviceError> {
        let path = Self::file(dir);
        let mut config = match std::fs::read_to_string(&path) {
            Ok(text) => toml::from_str(&text).map_err(|e| DeviceError::Parse {
                path: path.clone(),
                message: e.to_string(),
            })?,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => DeviceConfig::default(),
            Err(source) => return Err(DeviceError::Io { path, source }),
        };
        if let Ok(url) = std::env::var("EVENTORY_SERVER_URL") {
            config.server_url = normalise_server_url(&url, config.insecure_http)?;
        }
        if std::env::var("EVENTORY_KIOSK").is_ok_and(|v| v == "1" || v == "true") {
            config.kiosk = true;
        }
        Ok(config)
    }

    /// Writes the configuration to `dir` (atomically: a temporary file renamed over it).
    pub fn save(&self, dir: &Path) -> Result<(), DeviceError> {
        let io = |source| DeviceError::Io {
            path: dir.to_path_buf(),
            source,
        };
        std::fs::create_dir_all(dir).map_err(io)?;
        let text = toml::to_string_pretty(self).expect("the device config serialises");
        let tmp = dir.join("device.toml.tmp");
        std::fs::write(&tmp, text).map_err(io)?;
        std::fs::rename(&tmp, Self::file(dir)).map_err(io)
    }

    /// The file of the staff PIN's hash (a relative default is under the config dir).
    pub fn pin_file(&self, config_dir: &Path) -> PathBuf {
        self.pin_file
            .clone()
            .unwrap_or_else(|| config_dir.join(crate::staff_pin::DEFAULT_PIN_FILE))
    }

    /// The certificates this device trusts, and whether it may use plain HTTP beyond loopback.
    pub fn trust(&self) -> Result<crate::tls::TlsTrust, DeviceError> {
        Ok(crate::tls::TlsTrust::new(
            self.ca_file.as_deref(),
            self.insecure_http,
        )?)
    }

    /// Whether this device talks to its server unencrypted over the network (allowed by
    /// `insecure_http`; shown on screen).
    pub fn unencrypted(&self) -> bool {
        reqwest::Url::parse(&self.server_url)
            .is_ok_and(|url| crate::tls::check_scheme(&url, false).is_err())
    }

    /// The folder ticket PDFs are saved in.
    pub fn tickets_dir(&self, config_dir: &Path) -> PathBuf {
        self.tickets_dir
            .clone()
            .unwrap_or_else(|| config_dir.join("tickets"))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn round_trips_through_the_file() {
        let dir = tempfile::tempdir().unwrap();
        let fresh = DeviceConfig::load(dir.path()).unwrap();
        assert_eq!(fresh.server_url, DEFAULT_SERVER_URL);
        let config = DeviceConfig {
            server_url: "https://tickets.example.org".into(),
            kiosk: true,
            printer: Printer::Named("front-desk".into()),
            ..DeviceConfig::default()
        };
        config.save(dir.path()).unwrap();
        let back = DeviceConfig::load(dir.path()).unwrap();
        assert_eq!(back, config);
        assert_eq!(
            back.pin_file(dir.path()),
            dir.path().join(crate::staff_pin::DEFAULT_PIN_FILE)
        );
    }

    #[test]
    fn server_addresses_are_checked() {
        assert_eq!(
            normalise_server_url(" https://tickets.example.org/ ", false).unwrap(),
            "https://tickets.example.org"
        );
        assert_eq!(
            normalise_server_url("http://127.0.0.1:8080/", false).unwrap(),
            "http://127.0.0.1:8080"
        );
        let err = normalise_server_url("http://10.0.0.5:8080", false).unwrap_err();
        assert!(err.to_string().contains("not encrypted"), "{err}");
        assert_eq!(
            normalise_server_url(" http://10.0.0.5:8080/ ", true).unwrap(),
            "http://10.0.0.5:8080"
        );
        assert!(normalise_server_url("ftp://x", true).is_err());
        assert!(normalise_server_url("not a url", true).is_err());
        assert!(normalise_server_url("", true).is_err());
    }

    #[test]
    fn plain_http_beyond_loopback_is_shown_as_unencrypted() {
        let mut config = DeviceConfig::default();
        assert!(!config.unencrypted(), "loopback");
        config.server_url = "https://tickets.example.org".into();
        assert!(!config.unencrypted());
        config.server_url = "http://10.0.0.5:8080".into();
        config.insecure_http = true;
        assert!(config.unencrypted());
    }

    #[test]
    fn a_broken_file_is_a_clear_error() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(dir.path().join("device.toml"), "kiosk = \"maybe\"").unwrap();
        let err = DeviceConfig::load(dir.path()).unwrap_err().to_string();
        assert!(err.contains("device.toml"), "{err}");
    }
}
