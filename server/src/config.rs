//! One validated configuration for every command of the server.
//!
//! Values come from an optional TOML file and then from environment variables, which win.
//! Everything is checked once, at start, so a typo fails loudly before anything listens.
//! Nothing else in the server reads the environment.

use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::time::Duration;

use serde::Deserialize;

/// The server's configuration, validated.
#[derive(Clone, PartialEq)]
pub struct Config {
    /// Address the HTTP API listens on.
    pub bind: SocketAddr,
    /// Folder of the embedded store (single-box default).
    pub data_dir: PathBuf,
    /// Redis for the seat ledger and live fan-out; in-process when unset.
    pub redis_url: Option<String>,
    /// Prefix of every Redis key, so several deployments can share one Redis.
    pub redis_namespace: String,
    /// MongoDB for the store; the embedded store in `data_dir` when unset.
    pub mongodb_uri: Option<String>,
    pub mongodb_database: String,
    /// Kafka bootstrap servers ("host:port,host:port") for the event bus; in-process when unset.
    pub kafka_brokers: Option<String>,
    /// Prefix of every topic name, so several deployments (or test runs) can share one cluster.
    pub kafka_topic_prefix: String,
    /// How long a hold lasts unless payment starts.
    pub hold_ttl: Duration,
    /// Most seats one hold may ask for.
    pub max_seats_per_hold: usize,
    /// Requests taking longer are answered 408.
    pub request_timeout: Duration,
    /// Larger request bodies are answered 413.
    pub body_limit_bytes: usize,
    pub log_format: LogFormat,
    /// Secret signing access tokens; every instance must share it. Unset: a random one per
    /// process (single node only; sign-ins do not survive a restart).
    pub jwt_secret: Option<String>,
    pub access_token_ttl: Duration,
    pub refresh_token_ttl: Duration,
    /// Simulated card terminal: time a charge takes.
    pub card_latency: Duration,
    /// Simulated card terminal: share of bookings declined, 0.0..=1.0.
    pub card_decline_rate: f64,
    /// Whether `serve` also runs the outbox relay and the payment/booking workers (the
    /// single-box default); turn off when `eventory-server worker` runs them separately.
    pub run_workers: bool,
    /// Scratch-card prizes and weights ("cashback_10:20,popcorn_combo:25,...").
    pub prize_table: crate::rewards::PrizeTable,
    /// Reverse proxies whose `X-Forwarded-For` is believed (for per-address sign-in limits);
    /// empty: the TCP peer is the client.
    pub trusted_proxies: Vec<std::net::IpAddr>,
    /// How often the reconciler looks for bookings that stopped moving.
    pub reconcile_interval: Duration,
    /// How long a booking may sit unchanged before the reconciler re-drives it.
    pub reconcile_grace: Duration,
    /// On SIGTERM: how long in-flight work may take to finish before the process exits.
    pub shutdown_grace: Duration,
    /// Simulated gateways: a JSON-lines file recording every charge and refund decision
    /// (and the answers they replay after a restart); unset: `<data_dir>/payments.jsonl` with
    /// the embedded store, in memory with MongoDB.
    pub payment_journal: Option<PathBuf>,
}

/// `user:password@` of a connection URL shown as `user:***@`.
fn redact_url(url: &str) -> String {
    match (url.find("://"), url.rfind('@')) {
        (Some(scheme), Some(at)) if at > scheme => {
            let userinfo = &url[scheme + 3..at];
            let user = userinfo.split(':').next().unwrap_or("");
            format!("{}{user}:***{}", &url[..scheme + 3], &url[at..])
        }
        _ => url.to_owned(),
    }
}

/// Secrets never reach logs or `check-config` output: the JWT secret shows only its length,
/// connection URLs lose their passwords.
impl std::fmt::Debug for Config {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Config")
            .field("bind", &self.bind)
            .field("data_dir", &self.data_dir)
            .field("redis_url", &self.redis_url.as_deref().map(redact_url))
            .field("redis_namespace", &self.redis_namespace)
            .field("mongodb_uri", &self.mongodb_uri.as_deref().map(redact_url))
            .field("mongodb_database", &self.mongodb_database)
            .field("kafka_brokers", &self.kafka_brokers)
            .field("kafka_topic_prefix", &self.kafka_topic_prefix)
            .field("hold_ttl", &self.hold_ttl)
            .field("max_seats_per_hold", &self.max_seats_per_hold)
            .field("request_timeout", &self.request_timeout)
            .field("body_limit_bytes", &self.body_limit_bytes)
            .field("log_format", &self.log_format)
            .field(
                "jwt_secret",
                &self
                    .jwt_secret
                    .as_ref()
                    .map(|s| format!("<redacted, {} characters>", s.len())),
            )
            .field("access_token_ttl", &self.access_token_ttl)
            .field("refresh_token_ttl", &self.refresh_token_ttl)
            .field("card_latency", &self.card_latency)
            .field("card_decline_rate", &self.card_decline_rate)
            .field("run_workers", &self.run_workers)
            .field("prize_table", &self.prize_table)
            .field("trusted_proxies", &self.trusted_proxies)
            .field("reconcile_interval", &self.reconcile_interval)
            .field("reconcile_grace", &self.reconcile_grace)
            .field("shutdown_grace", &self.shutdown_grace)
            .field("payment_journal", &self.payment_journal)
            .finish()
    }
}

/// How logs are written.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum LogFormat {
    /// Human-readable lines.
    Text,
    /// One JSON object per line, for log collectors.
    Json,
}

/// Why the configuration is not usable.
#[derive(Debug, thiserror::Error)]
pub enum ConfigError {
    #[error("cannot read config file {path}: {source}")]
    Read {
        path: PathBuf,
        source: std::io::Error,
    },
    #[error("config file {path}: {source}")]
    Parse {
        path: PathBuf,
        source: Box<toml::de::Error>,
    },
    #[error("{key}: {message}")]
    Invalid { key: &'static str, message: String },
}

/// The file's shape: every key optional, names as in the table of the README.
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
struct FileConfig {
    bind: Option<String>,
    data_dir: Option<PathBuf>,
    redis_url: Option<String>,
    redis_namespace: Option<String>,
    mongodb_uri: Option<String>,
    mongodb_database: Option<String>,
    kafka_brokers: Option<String>,
    kafka_topic_prefix: Option<String>,
    hold_ttl_secs: Option<u64>,
    max_seats_per_hold: Option<usize>,
    request_timeout_secs: Option<u64>,
    body_limit_bytes: Option<usize>,
    log_format: Option<String>,
    jwt_secret: Option<String>,
    access_token_ttl_secs: Option<u64>,
    refresh_token_ttl_secs: Option<u64>,
    card_latency_ms: Option<u64>,
    card_decline_rate: Option<f64>,
    run_workers: Option<bool>,
    prize_table: Option<String>,
    trusted_proxies: Option<String>,
    reconcile_interval_secs: Option<u64>,
    reconcile_grace_secs: Option<u64>,
    shutdown_grace_secs: Option<u64>,
    payment_journal: Option<PathBuf>,
}

/// Environment variable for each key.
pub const ENV_VARS: [(&str, &str); 25] = [
    ("bind", "EVENTORY_BIND"),
    ("data_dir", "EVENTORY_DATA_DIR"),
    ("redis_url", "REDIS_URL"),
    ("redis_namespace", "EVENTORY_REDIS_NAMESPACE"),
    ("mongodb_uri", "MONGODB_URI"),
    ("mongodb_database", "MONGODB_DATABASE"),
    ("kafka_brokers", "KAFKA_BROKERS"),
    ("kafka_topic_prefix", "EVENTORY_KAFKA_TOPIC_PREFIX"),
    ("hold_ttl_secs", "EVENTORY_HOLD_TTL_SECS"),
    ("max_seats_per_hold", "EVENTORY_MAX_SEATS_PER_HOLD"),
    ("request_timeout_secs", "EVENTORY_REQUEST_TIMEOUT_SECS"),
    ("body_limit_bytes", "EVENTORY_BODY_LIMIT_BYTES"),
    ("log_format", "EVENTORY_LOG_FORMAT"),
    ("jwt_secret", "EVENTORY_JWT_SECRET"),
    ("access_token_ttl_secs", "EVENTORY_ACCESS_TOKEN_TTL_SECS"),
    ("refresh_token_ttl_secs", "EVENTORY_REFRESH_TOKEN_TTL_SECS"),
    ("card_latency_ms", "EVENTORY_CARD_LATENCY_MS"),
    ("card_decline_rate", "EVENTORY_CARD_DECLINE_RATE"),
    ("run_workers", "EVENTORY_RUN_WORKERS"),
    ("prize_table", "EVENTORY_PRIZE_TABLE"),
    ("trusted_proxies", "EVENTORY_TRUSTED_PROXIES"),
    (
        "reconcile_interval_secs",
        "EVENTORY_RECONCILE_INTERVAL_SECS",
    ),
    ("reconcile_grace_secs", "EVENTORY_RECONCILE_GRACE_SECS"),
    ("shutdown_grace_secs", "EVENTORY_SHUTDOWN_GRACE_SECS"),
    ("payment_journal", "EVENTORY_PAYMENT_JOURNAL"),
];

/// Environment variable naming an optional TOML file.
pub const CONFIG_FILE_VAR: &str = "EVENTORY_CONFIG";

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
        let file: FileConfig = match file {
            Some((path, text)) => toml::from_str(text).map_err(|source| ConfigError::Parse {
                path: path.to_owned(),
                source: Box::new(source),
            })?,
            None => FileConfig::default(),
        };
        let var = |key: &str| {
            let name = ENV_VARS
                .iter()
                .find(|(k, _)| *k == key)
                .map(|(_, v)| *v)
                .expect("every key has an env var");
            env(name).filter(|v| !v.trim().is_empty())
        };

        let bind = var("bind")
            .or(file.bind)
            .unwrap_or_else(|| "127.0.0.1:8080".to_owned());
        let bind: SocketAddr = bind.parse().map_err(|_| {
            invalid(
                "bind",
                format!("{bind:?} is not an address like 127.0.0.1:8080"),
            )
        })?;

        let redis_url = var("redis_url").or(file.redis_url);
        if let Some(url) = &redis_url {
            if !(url.starts_with("redis://") || url.starts_with("rediss://")) {
                return Err(invalid(
                    "redis_url",
                    "must start with redis:// or rediss://",
                ));
            }
        }
        let redis_namespace = var("redis_namespace")
            .or(file.redis_namespace)
            .unwrap_or_else(|| "eventory".to_owned());
        if redis_namespace.is_empty()
            || !redis_namespace
                .chars()
                .all(|c| c.is_ascii_alphanumeric() || matches!(c, '_' | '-' | ':' | '.'))
        {
            return Err(invalid(
                "redis_namespace",
                "letters, digits and _ - : . only (no braces: they would break hash tags)",
            ));
        }
        let mongodb_uri = var("mongodb_uri").or(file.mongodb_uri);
        if let Some(uri) = &mongodb_uri {
            if !(uri.starts_with("mongodb://") || uri.starts_with("mongodb+srv://")) {
                return Err(invalid(
                    "mongodb_uri",
                    "must start with mongodb:// or mongodb+srv://",
                ));
            }
        }
        let mongodb_database = var("mongodb_database")
            .or(file.mongodb_database)
            .unwrap_or_else(|| "eventory".to_owned());
        if mongodb_database.is_empty()
            || !mongodb_database
                .chars()
                .all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '-')
        {
            return Err(invalid(
                "mongodb_database",
                "letters, digits, '_' and '-' only",
            ));
        }
        let kafka_brokers = var("kafka_brokers").or(file.kafka_brokers);
        if let Some(brokers) = &kafka_brokers {
            let ok = brokers.split(',').all(|b| {
                let b = b.trim();
                matches!(b.rsplit_once(':'), Some((host, port)) if !host.is_empty() && port.parse::<u16>().is_ok())
            });
            if !ok {
                return Err(invalid("kafka_brokers", "must be host:port[,host:port...]"));
            }
        }

        let kafka_topic_prefix = var("kafka_topic_prefix")
            .or(file.kafka_topic_prefix)
            .unwrap_or_else(|| "eventory.".to_owned());
        if !kafka_topic_prefix
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '_' | '-' | '.'))
        {
            return Err(invalid(
                "kafka_topic_prefix",
                "letters, digits and _ - . only",
            ));
        }

        let hold_ttl_secs = number(
            var("hold_ttl_secs"),
            file.hold_ttl_secs,
            300,
            "hold_ttl_secs",
        )?;
        if !(5..=3600).contains(&hold_ttl_secs) {
            return Err(invalid("hold_ttl_secs", "must be between 5 and 3600"));
        }
        let max_seats_per_hold = number(
            var("max_seats_per_hold"),
            file.max_seats_per_hold,
            10,
            "max_seats_per_hold",
        )?;
        if !(1..=100).contains(&max_seats_per_hold) {
            return Err(invalid("max_seats_per_hold", "must be between 1 and 100"));
        }
        let request_timeout_secs = number(
            var("request_timeout_secs"),
            file.request_timeout_secs,
            10,
            "request_timeout_secs",
        )?;
        if !(1..=300).contains(&request_timeout_secs) {
            return Err(invalid("request_timeout_secs", "must be between 1 and 300"));
        }
        let body_limit_bytes = number(
            var("body_limit_bytes"),
            file.body_limit_bytes,
            64 * 1024,
            "body_limit_bytes",
        )?;
        if !(1024..=16 * 1024 * 1024).contains(&body_limit_bytes) {
            return Err(invalid(
                "body_limit_bytes",
                "must be between 1 KiB and 16 MiB",
            ));
        }
        let log_format = match var("log_format").or(file.log_format).as_deref() {
            None | Some("text") => LogFormat::Text,
            Some("json") => LogFormat::Json,
            Some(other) => {
                return Err(invalid(
                    "log_format",
                    format!("{other:?} is not text or json"),
                ))
            }
        };

        let jwt_secret = var("jwt_secret").or(file.jwt_secret);
        if let Some(secret) = &jwt_secret {
            if secret.len() < 32 {
                return Err(invalid("jwt_secret", "must be at least 32 characters"));
            }
        } else if redis_url.is_some() {
            // Several instances behind a load balancer must verify each other's tokens.
            return Err(invalid(
                "jwt_secret",
                "must be set when REDIS_URL is (several instances share it)",
            ));
        }
        let access_token_ttl_secs = number(
            var("access_token_ttl_secs"),
            file.access_token_ttl_secs,
            900,
            "access_token_ttl_secs",
        )?;
        if !(30..=86_400).contains(&access_token_ttl_secs) {
            return Err(invalid(
                "access_token_ttl_secs",
                "must be between 30 and 86400",
            ));
        }
        let refresh_token_ttl_secs = number(
            var("refresh_token_ttl_secs"),
            file.refresh_token_ttl_secs,
            30 * 86_400,
            "refresh_token_ttl_secs",
        )?;
        if !(300..=365 * 86_400).contains(&refresh_token_ttl_secs) {
            return Err(invalid(
                "refresh_token_ttl_secs",
                "must be between 300 and 31536000",
            ));
        }

        let card_latency_ms = number(
            var("card_latency_ms"),
            file.card_latency_ms,
            150,
            "card_latency_ms",
        )?;
        if card_latency_ms > 30_000 {
            return Err(invalid("card_latency_ms", "must be at most 30000"));
        }
        let card_decline_rate = number(
            var("card_decline_rate"),
            file.card_decline_rate,
            0.0,
            "card_decline_rate",
        )?;
        if !(0.0..=1.0).contains(&card_decline_rate) {
            return Err(invalid("card_decline_rate", "must be between 0 and 1"));
        }
        let run_workers = match var("run_workers").as_deref() {
            None => file.run_workers.unwrap_or(true),
            Some("true" | "1" | "yes") => true,
            Some("false" | "0" | "no") => false,
            Some(other) => {
                return Err(invalid(
                    "run_workers",
                    format!("{other:?} is not true or false"),
                ))
            }
        };

        let prize_table = match var("prize_table").or(file.prize_table) {
            None => crate::rewards::PrizeTable::default(),
            Some(text) => text
                .parse()
                .map_err(|e| invalid("prize_table", format!("{e}")))?,
        };

        let trusted_proxies = match var("trusted_proxies").or(file.trusted_proxies) {
            None => Vec::new(),
            Some(text) => text
                .split(',')
                .map(str::trim)
                .filter(|t| !t.is_empty())
                .map(|t| {
                    t.parse::<std::net::IpAddr>().map_err(|_| {
                        invalid("trusted_proxies", format!("{t:?} is not an IP address"))
                    })
                })
                .collect::<Result<_, _>>()?,
        };

        let reconcile_interval_secs = number(
            var("reconcile_interval_secs"),
            file.reconcile_interval_secs,
            5,
            "reconcile_interval_secs",
        )?;
        if !(1..=3600).contains(&reconcile_interval_secs) {
            return Err(invalid(
                "reconcile_interval_secs",
                "must be between 1 and 3600",
            ));
        }
        let reconcile_grace_secs = number(
            var("reconcile_grace_secs"),
            file.reconcile_grace_secs,
            20,
            "reconcile_grace_secs",
        )?;
        if !(1..=86_400).contains(&reconcile_grace_secs) {
            return Err(invalid(
                "reconcile_grace_secs",
                "must be between 1 and 86400",
            ));
        }
        if reconcile_grace_secs * 1000 <= card_latency_ms {
            return Err(invalid(
                "reconcile_grace_secs",
                "must be longer than a card charge takes (card_latency_ms)",
            ));
        }
        let shutdown_grace_secs = number(
            var("shutdown_grace_secs"),
            file.shutdown_grace_secs,
            10,
            "shutdown_grace_secs",
        )?;
        if shutdown_grace_secs > 600 {
            return Err(invalid("shutdown_grace_secs", "must be at most 600"));
        }

        Ok(Config {
            reconcile_interval: Duration::from_secs(reconcile_interval_secs),
            reconcile_grace: Duration::from_secs(reconcile_grace_secs),
            shutdown_grace: Duration::from_secs(shutdown_grace_secs),
            payment_journal: var("payment_journal")
                .map(PathBuf::from)
                .or(file.payment_journal),
            bind,
            data_dir: var("data_dir")
                .map(PathBuf::from)
                .or(file.data_dir)
                .unwrap_or_else(|| PathBuf::from("eventory-data")),
            redis_url,
            redis_namespace,
            mongodb_uri,
            mongodb_database,
            kafka_brokers,
            kafka_topic_prefix,
            hold_ttl: Duration::from_secs(hold_ttl_secs),
            max_seats_per_hold,
            request_timeout: Duration::from_secs(request_timeout_secs),
            body_limit_bytes,
            log_format,
            jwt_secret,
            access_token_ttl: Duration::from_secs(access_token_ttl_secs),
            refresh_token_ttl: Duration::from_secs(refresh_token_ttl_secs),
            card_latency: Duration::from_millis(card_latency_ms),
            card_decline_rate,
            run_workers,
            prize_table,
            trusted_proxies,
        })
    }

    /// One line saying which implementation serves each port, for the first log line.
    pub fn describe_backends(&self) -> String {
        let ledger = if self.redis_url.is_some() {
            "redis"
        } else {
            "in-process"
        };
        let store = if self.mongodb_uri.is_some() {
            "mongodb".to_owned()
        } else {
            format!("embedded ({})", self.data_dir.display())
        };
        let bus = if self.kafka_brokers.is_some() {
            "kafka"
        } else {
            "in-process"
        };
        let mode = if self.redis_url.is_none()
            && self.mongodb_uri.is_none()
            && self.kafka_brokers.is_none()
        {
            "embedded single-node default"
        } else {
            "cluster services"
        };
        format!("{mode}: seat ledger {ledger}, store {store}, event bus {bus}")
    }
}

fn invalid(key: &'static str, message: impl Into<String>) -> ConfigError {
    ConfigError::Invalid {
        key,
        message: message.into(),
    }
}

fn number<T: std::str::FromStr>(
    env: Option<String>,
    file: Option<T>,
    default: T,
    key: &'static str,
) -> Result<T, ConfigError> {
    match env {
        Some(text) => text
            .trim()
            .parse()
            .map_err(|_| invalid(key, format!("{text:?} is not a number"))),
        None => Ok(file.unwrap_or(default)),
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn secrets_stay_out_of_debug_output() {
        let config = Config::from_sources(None, |key| match key {
            "EVENTORY_JWT_SECRET" => Some("a-very-secret-signing-key-0123456789abcdef".into()),
            "MONGODB_URI" => Some("mongodb://app:hunter2@db.example:27017/?replicaSet=rs0".into()),
            "REDIS_URL" => Some("redis://:s3cret@cache:6379".into()),
            _ => None,
        })
        .unwrap();
        let shown = format!("{config:?}");
        assert!(!shown.contains("a-very-secret"), "{shown}");
        assert!(
            !shown.contains("hunter2") && !shown.contains("s3cret"),
            "{shown}"
        );
        assert!(
            shown.contains("app:***@db.example") && shown.contains("<redacted, 42 characters>")
        );
    }

    use super::*;
    use std::collections::HashMap;

    fn env(pairs: &[(&str, &str)]) -> impl Fn(&str) -> Option<String> {
        let map: HashMap<String, String> = pairs
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect();
        move |k| map.get(k).cloned()
    }

    #[test]
    fn defaults_are_the_embedded_single_node() {
        let config = Config::from_sources(None, env(&[])).unwrap();
        assert_eq!(config.bind, "127.0.0.1:8080".parse().unwrap());
        assert_eq!(config.redis_url, None);
        assert_eq!(config.hold_ttl, Duration::from_secs(300));
        assert_eq!(config.max_seats_per_hold, 10);
        assert!(config
            .describe_backends()
            .starts_with("embedded single-node default"));
    }

    #[test]
    fn environment_overrides_the_file() {
        let file =
            "bind = \"0.0.0.0:9000\"\nhold_ttl_secs = 60\nredis_url = \"redis://file:6379\"\n";
        let config = Config::from_sources(
            Some((Path::new("eventory.toml"), file)),
            env(&[
                ("REDIS_URL", "redis://env:6379"),
                ("EVENTORY_HOLD_TTL_SECS", ""),
                ("EVENTORY_JWT_SECRET", "0123456789abcdef0123456789abcdef"),
            ]),
        )
        .unwrap();
        assert_eq!(config.bind, "0.0.0.0:9000".parse().unwrap());
        assert_eq!(config.redis_url.as_deref(), Some("redis://env:6379"));
        assert_eq!(
            config.hold_ttl,
            Duration::from_secs(60),
            "empty env var is unset"
        );
        assert!(config.describe_backends().contains("seat ledger redis"));
    }

    #[test]
    fn rejects_bad_values_with_the_key_named() {
        for (var, value, key) in [
            ("EVENTORY_BIND", "localhost", "bind"),
            ("REDIS_URL", "http://x", "redis_url"),
            ("MONGODB_URI", "mongo://x", "mongodb_uri"),
            ("EVENTORY_REDIS_NAMESPACE", "a{b}", "redis_namespace"),
            ("MONGODB_DATABASE", "a.b", "mongodb_database"),
            ("KAFKA_BROKERS", "localhost", "kafka_brokers"),
            ("EVENTORY_HOLD_TTL_SECS", "abc", "hold_ttl_secs"),
            ("EVENTORY_HOLD_TTL_SECS", "0", "hold_ttl_secs"),
            ("EVENTORY_MAX_SEATS_PER_HOLD", "1000", "max_seats_per_hold"),
            ("EVENTORY_BODY_LIMIT_BYTES", "10", "body_limit_bytes"),
            ("EVENTORY_LOG_FORMAT", "xml", "log_format"),
            ("EVENTORY_JWT_SECRET", "short", "jwt_secret"),
            ("EVENTORY_CARD_DECLINE_RATE", "1.5", "card_decline_rate"),
            ("EVENTORY_RUN_WORKERS", "maybe", "run_workers"),
            (
                "EVENTORY_TRUSTED_PROXIES",
                "10.0.0.1,proxy",
                "trusted_proxies",
            ),
            ("EVENTORY_PRIZE_TABLE", "caviar:1", "prize_table"),
        ] {
            let err = Config::from_sources(None, env(&[(var, value)])).unwrap_err();
            assert!(
                matches!(&err, ConfigError::Invalid { key: k, .. } if *k == key),
                "{var}={value}: {err}"
            );
        }
    }

    #[test]
    fn a_cluster_needs_a_shared_token_secret() {
        let err = Config::from_sources(None, env(&[("REDIS_URL", "redis://x:6379")])).unwrap_err();
        assert!(
            matches!(
                err,
                ConfigError::Invalid {
                    key: "jwt_secret",
                    ..
                }
            ),
            "{err}"
        );
    }

    #[test]
    fn rejects_unknown_file_keys() {
        let err =
            Config::from_sources(Some((Path::new("x.toml"), "redis = 1")), env(&[])).unwrap_err();
        assert!(matches!(err, ConfigError::Parse { .. }), "{err}");
    }

    #[test]
    fn accepts_broker_lists() {
        let config =
            Config::from_sources(None, env(&[("KAFKA_BROKERS", "a:9092, b:9093")])).unwrap();
        assert_eq!(config.kafka_brokers.as_deref(), Some("a:9092, b:9093"));
    }
}
