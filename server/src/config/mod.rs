//! One validated configuration for every command of the server.
//!
//! Values come from an optional TOML file and then from environment variables, which win;
//! [figment] merges the two layers over the defaults and reads them into one settings struct
//! per port or capability ([`HttpSettings`], [`LedgerSettings`], ...). Each key is written
//! once: a serde field of its settings struct, with its default in that struct's `Default`
//! and its range check in its `validate`. The file uses the same flat key names as before
//! (`hold_ttl_secs = 60`); the environment variable of a key is [`env_var`] of it.
//!
//! Everything is checked once, at start, so a typo fails loudly before anything listens: an
//! unknown file key, a value of the wrong type or out of range is an error naming the key and
//! where the value came from. Nothing else in the server reads the environment.

mod auth;
mod bus;
mod http;
mod ledger;
mod limits;
mod log;
mod parse;
pub mod prizes;
mod process;
mod rewards;
mod sales;
mod secret;
mod sources;
mod store;
#[cfg(test)]
mod tests;

use std::path::{Path, PathBuf};
use std::sync::LazyLock;

use figment::{Figment, Profile};
use serde::de::DeserializeOwned;

pub use auth::AuthSettings;
pub use bus::BusSettings;
pub use http::HttpSettings;
pub use ledger::LedgerSettings;
pub use limits::LimitSettings;
pub use log::{LogFormat, LogSettings};
pub use process::ProcessSettings;
pub use rewards::RewardSettings;
pub use sales::SalesSettings;
pub use secret::{Secret, SecretUrl};
pub use sources::env_var;
pub use store::StoreSettings;

use sources::{keys_of, Layer};

/// The server's configuration, validated: one settings struct per port or capability, each
/// handed to the part of the server it configures. `Debug` (and so `check-config`) shows
/// secrets redacted: the JWT secret as its length, connection URLs without passwords.
#[derive(Clone, Debug)]
pub struct Config {
    pub http: HttpSettings,
    pub ledger: LedgerSettings,
    pub store: StoreSettings,
    pub bus: BusSettings,
    pub auth: AuthSettings,
    pub sales: SalesSettings,
    pub limits: LimitSettings,
    pub rewards: RewardSettings,
    pub log: LogSettings,
    pub process: ProcessSettings,
}

/// Why the configuration is not usable.
#[derive(Debug, thiserror::Error)]
pub enum ConfigError {
    #[error("cannot read config file {path}: {source}")]
    Read {
        path: PathBuf,
        source: std::io::Error,
    },
    /// Not TOML, or a key no setting has.
    #[error("config file {path}: {message}")]
    Parse { path: PathBuf, message: String },
    /// A value of the wrong type or out of range; `origin` says where it was set (a file, an
    /// environment variable), `None` for a default.
    #[error("{key}: {message}{}", from_note(.origin))]
    Invalid {
        key: &'static str,
        message: String,
        origin: Option<String>,
    },
}

/// Environment variable naming an optional TOML file.
pub const CONFIG_FILE_VAR: &str = "EVENTORY_CONFIG";

/// Every configuration key, settings struct by settings struct.
static KEYS: LazyLock<Vec<&'static str>> = LazyLock::new(|| {
    [
        keys_of::<HttpSettings>(),
        keys_of::<LedgerSettings>(),
        keys_of::<StoreSettings>(),
        keys_of::<BusSettings>(),
        keys_of::<AuthSettings>(),
        keys_of::<SalesSettings>(),
        keys_of::<LimitSettings>(),
        keys_of::<RewardSettings>(),
        keys_of::<LogSettings>(),
        keys_of::<ProcessSettings>(),
    ]
    .concat()
});

/// Every configuration key (as written in the file).
pub fn keys() -> &'static [&'static str] {
    &KEYS
}

/// Every key with its environment variable (`("redis_url", "REDIS_URL")`, ...).
pub fn env_vars() -> Vec<(&'static str, String)> {
    keys().iter().map(|key| (*key, env_var(key))).collect()
}

impl Config {
    /// Loads from `file` (if given) and the process environment.
    pub fn load(file: Option<&Path>) -> Result<Self, ConfigError> {
        let text = match file {
            Some(path) => Some((
                path.to_owned(),
                std::fs::read_to_string(path).map_err(|source| ConfigError::Read {
                    path: path.to_owned(),
                    source,
                })?,
            )),
            None => None,
        };
        Self::from_sources(
            text.as_ref().map(|(p, t)| (p.as_path(), t.as_str())),
            |key| std::env::var(key).ok(),
        )
    }

    /// Builds from a file's text and an environment lookup (testable without touching the
    /// process environment). An empty environment variable counts as unset.
    pub fn from_sources(
        file: Option<(&Path, &str)>,
        env: impl Fn(&str) -> Option<String>,
    ) -> Result<Self, ConfigError> {
        let mut figment = Figment::new();
        if let Some((path, text)) = file {
            figment = figment.merge(Layer::file(path, text, keys())?);
        }
        let figment = figment.merge(Layer::env(keys(), env));

        let config = Config {
            http: section(&figment)?,
            ledger: section(&figment)?,
            store: section(&figment)?,
            bus: section(&figment)?,
            auth: section(&figment)?,
            sales: section(&figment)?,
            limits: section(&figment)?,
            rewards: section(&figment)?,
            log: section(&figment)?,
            process: section(&figment)?,
        };
        config
            .validate()
            .map_err(|e| e.with_origin_from(&figment))?;
        Ok(config)
    }

    /// Range and format checks of every section, then the rules that span sections.
    fn validate(&self) -> Result<(), ConfigError> {
        self.http.validate()?;
        self.ledger.validate()?;
        self.store.validate()?;
        self.bus.validate()?;
        self.auth.validate()?;
        self.sales.validate()?;
        self.limits.validate(self.sales.hold_ttl)?;
        self.process.validate()?;
        if self.auth.jwt_secret.is_none() && self.ledger.redis_url.is_some() {
            // Several instances behind a load balancer must verify each other's tokens.
            return Err(invalid(
                "jwt_secret",
                "must be set when REDIS_URL is (several instances share it)",
            ));
        }
        Ok(())
    }

    /// One line saying which implementation serves each port, for the first log line.
    pub fn describe_backends(&self) -> String {
        let redis = self.ledger.redis_url.is_some();
        let mongo = self.store.mongodb_uri.is_some();
        let kafka = self.bus.kafka_brokers.is_some();
        let ledger = if redis { "redis" } else { "in-process" };
        let store = if mongo {
            "mongodb".to_owned()
        } else {
            format!("embedded ({})", self.store.data_dir.display())
        };
        let bus = if kafka { "kafka" } else { "in-process" };
        let mode = if !redis && !mongo && !kafka {
            "embedded single-node default"
        } else {
            "cluster services"
        };
        format!("{mode}: seat ledger {ledger}, store {store}, event bus {bus}")
    }
}

/// One settings struct read from the merged layers; a value that does not read is an error
/// naming its key and the layer it came from.
fn section<T: DeserializeOwned>(figment: &Figment) -> Result<T, ConfigError> {
    figment.extract_lossy().map_err(|e| {
        let key = e
            .path
            .last()
            .and_then(|k| keys().iter().find(|known| **known == k.as_str()))
            .copied()
            .unwrap_or("config");
        ConfigError::Invalid {
            key,
            message: e.kind.to_string(),
            origin: e
                .metadata
                .as_ref()
                .map(|m| m.interpolate(&Profile::Default, &e.path)),
        }
    })
}

impl ConfigError {
    /// An [`ConfigError::Invalid`] told which layer set its key.
    fn with_origin_from(self, figment: &Figment) -> Self {
        match self {
            ConfigError::Invalid {
                key,
                message,
                origin: None,
            } => ConfigError::Invalid {
                key,
                message,
                origin: figment
                    .find_metadata(key)
                    .map(|m| m.interpolate(&Profile::Default, &[key])),
            },
            other => other,
        }
    }
}

/// " (from environment variable X)", or nothing for a default.
fn from_note(origin: &Option<String>) -> String {
    origin
        .as_ref()
        .map(|o| format!(" (from {o})"))
        .unwrap_or_default()
}

fn invalid(key: &'static str, message: impl Into<String>) -> ConfigError {
    ConfigError::Invalid {
        key,
        message: message.into(),
        origin: None,
    }
}

/// `value` of `key` within `range` (both ends included).
fn within<T: PartialOrd + std::fmt::Display>(
    key: &'static str,
    value: T,
    range: std::ops::RangeInclusive<T>,
) -> Result<(), ConfigError> {
    if range.contains(&value) {
        Ok(())
    } else {
        Err(invalid(
            key,
            format!("must be between {} and {}", range.start(), range.end()),
        ))
    }
}
