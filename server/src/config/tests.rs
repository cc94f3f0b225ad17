//! The configuration's layering (defaults, file, environment), validation and redaction.

use std::collections::HashMap;
use std::path::Path;
use std::time::Duration;

use secrecy::ExposeSecret;

use super::*;

fn env(pairs: &[(&str, &str)]) -> impl Fn(&str) -> Option<String> {
    let map: HashMap<String, String> = pairs
        .iter()
        .map(|(k, v)| (k.to_string(), v.to_string()))
        .collect();
    move |k| map.get(k).cloned()
}

fn from_file(text: &str, vars: &[(&str, &str)]) -> Result<Config, ConfigError> {
    Config::from_sources(Some((Path::new("eventory.toml"), text)), env(vars))
}

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
    assert!(shown.contains("app:***@db.example") && shown.contains("<redacted, 42 characters>"));
    let pretty = format!("{config:#?}");
    assert!(!pretty.contains("hunter2") && !pretty.contains("a-very-secret"));
}

#[test]
fn defaults_are_the_embedded_single_node() {
    let config = Config::from_sources(None, env(&[])).unwrap();
    assert_eq!(config.http.bind, "127.0.0.1:8080".parse().unwrap());
    assert!(config.ledger.redis_url.is_none());
    assert_eq!(config.sales.hold_ttl, Duration::from_secs(300));
    assert_eq!(config.sales.max_seats_per_hold, 10);
    assert_eq!(config.sales.card_latency, Duration::from_millis(150));
    assert_eq!(
        config.auth.refresh_token_ttl,
        Duration::from_secs(30 * 86_400)
    );
    assert_eq!(config.store.data_dir, Path::new("eventory-data"));
    assert_eq!(config.bus.kafka_topic_prefix, "eventory.");
    assert_eq!(config.log.log_format, LogFormat::Text);
    assert!(config.process.run_workers);
    assert!(config
        .describe_backends()
        .starts_with("embedded single-node default"));
}

#[test]
fn environment_overrides_the_file() {
    let file = "bind = \"0.0.0.0:9000\"\nhold_ttl_secs = 60\nredis_url = \"redis://file:6379\"\n";
    let config = from_file(
        file,
        &[
            ("REDIS_URL", "redis://env:6379"),
            ("EVENTORY_HOLD_TTL_SECS", ""),
            ("EVENTORY_JWT_SECRET", "0123456789abcdef0123456789abcdef"),
        ],
    )
    .unwrap();
    assert_eq!(config.http.bind, "0.0.0.0:9000".parse().unwrap());
    assert_eq!(
        config.ledger.redis_url.as_ref().map(|u| u.expose_secret()),
        Some("redis://env:6379")
    );
    assert_eq!(
        config.sales.hold_ttl,
        Duration::from_secs(60),
        "empty env var is unset"
    );
    assert!(config.describe_backends().contains("seat ledger redis"));
}

#[test]
fn every_layer_fills_in_what_the_one_above_leaves_unset() {
    let file = "\
        max_seats_per_hold = 4\n\
        card_latency_ms = 40\n\
        run_workers = false\n\
        trusted_proxies = \"10.0.0.1, 10.0.0.2\"\n\
        log_format = \"json\"\n\
        payment_journal = \"/var/lib/eventory/journal.jsonl\"\n";
    let config = from_file(
        file,
        &[
            ("EVENTORY_MAX_SEATS_PER_HOLD", " 6 "),
            ("EVENTORY_CARD_DECLINE_RATE", "0.15"),
            ("EVENTORY_SHUTDOWN_GRACE_SECS", "0"),
        ],
    )
    .unwrap();
    assert_eq!(config.sales.max_seats_per_hold, 6, "env (trimmed) wins");
    assert_eq!(config.sales.card_latency, Duration::from_millis(40), "file");
    assert_eq!(config.sales.card_decline_rate, 0.15, "read exactly");
    assert!(!config.process.run_workers);
    assert_eq!(config.process.shutdown_grace, Duration::ZERO);
    assert_eq!(config.http.trusted_proxies.len(), 2);
    assert_eq!(config.log.log_format, LogFormat::Json);
    assert_eq!(
        config.sales.payment_journal.as_deref(),
        Some(Path::new("/var/lib/eventory/journal.jsonl"))
    );
    assert_eq!(config.sales.hold_ttl, Duration::from_secs(300), "default");
}

#[test]
fn run_workers_reads_the_usual_spellings() {
    for (text, expected) in [
        ("true", true),
        ("1", true),
        ("yes", true),
        ("false", false),
        ("0", false),
        ("no", false),
    ] {
        let config = Config::from_sources(None, env(&[("EVENTORY_RUN_WORKERS", text)])).unwrap();
        assert_eq!(config.process.run_workers, expected, "{text}");
    }
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
        (
            "EVENTORY_JWT_SECRET",
            "dev-only-secret-change-me-0123456789abcdef",
            "jwt_secret",
        ),
        (
            "EVENTORY_HOLD_MAX_LIFETIME_SECS",
            "10",
            "hold_max_lifetime_secs",
        ),
        (
            "EVENTORY_MAX_SEATS_HELD_PER_SHOW",
            "0",
            "max_seats_held_per_show",
        ),
        (
            "EVENTORY_HEADER_READ_TIMEOUT_SECS",
            "0",
            "header_read_timeout_secs",
        ),
        ("EVENTORY_METRICS_BIND", "nowhere", "metrics_bind"),
        (
            "EVENTORY_TLS_CERT_FILE",
            "/etc/eventory/cert.pem",
            "tls_cert_file",
        ),
        (
            "EVENTORY_TLS_KEY_FILE",
            "/etc/eventory/key.pem",
            "tls_key_file",
        ),
        (
            "EVENTORY_REFRESH_FAMILY_LIFETIME_SECS",
            "400",
            "refresh_family_lifetime_secs",
        ),
        ("EVENTORY_CARD_DECLINE_RATE", "1.5", "card_decline_rate"),
        ("EVENTORY_CARD_DECLINE_RATE", "often", "card_decline_rate"),
        ("EVENTORY_CARD_LATENCY_MS", "30001", "card_latency_ms"),
        ("EVENTORY_RUN_WORKERS", "maybe", "run_workers"),
        (
            "EVENTORY_TRUSTED_PROXIES",
            "10.0.0.1,proxy",
            "trusted_proxies",
        ),
        ("EVENTORY_PRIZE_TABLE", "caviar:1", "prize_table"),
        ("EVENTORY_RECONCILE_GRACE_SECS", "0", "reconcile_grace_secs"),
        ("EVENTORY_SHUTDOWN_GRACE_SECS", "601", "shutdown_grace_secs"),
    ] {
        let err = Config::from_sources(None, env(&[(var, value)])).unwrap_err();
        assert!(
            matches!(&err, ConfigError::Invalid { key: k, .. } if *k == key),
            "{var}={value}: {err}"
        );
        assert!(
            err.to_string()
                .contains(&format!("environment variable {var}")),
            "names where the value came from: {err}"
        );
    }
}

#[test]
fn errors_name_the_file_when_the_file_set_the_value() {
    for (text, key) in [
        ("hold_ttl_secs = 1", "hold_ttl_secs"),
        ("hold_ttl_secs = \"soon\"", "hold_ttl_secs"),
        ("bind = 8080", "bind"),
    ] {
        let err = from_file(text, &[]).unwrap_err();
        assert!(
            matches!(&err, ConfigError::Invalid { key: k, .. } if *k == key),
            "{text}: {err}"
        );
        assert!(
            err.to_string().contains("config file eventory.toml"),
            "{err}"
        );
    }
}

#[test]
fn cross_section_rules_hold() {
    let err = Config::from_sources(
        None,
        env(&[
            ("EVENTORY_CARD_LATENCY_MS", "5000"),
            ("EVENTORY_RECONCILE_GRACE_SECS", "5"),
        ]),
    )
    .unwrap_err();
    assert!(
        matches!(
            err,
            ConfigError::Invalid {
                key: "reconcile_grace_secs",
                ..
            }
        ),
        "{err}"
    );
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
    let err = from_file("redis = 1", &[]).unwrap_err();
    assert!(matches!(err, ConfigError::Parse { .. }), "{err}");
    assert!(err.to_string().contains("redis"), "{err}");
    let err = from_file("[http]\nbind = \"0.0.0.0:1\"", &[]).unwrap_err();
    assert!(matches!(err, ConfigError::Parse { .. }), "sections: {err}");
}

#[test]
fn rejects_files_that_are_not_toml() {
    let err = from_file("bind = ", &[]).unwrap_err();
    assert!(matches!(err, ConfigError::Parse { .. }), "{err}");
}

#[test]
fn a_missing_file_is_an_error() {
    let err = Config::load(Some(Path::new("/nonexistent/eventory.toml"))).unwrap_err();
    assert!(matches!(err, ConfigError::Read { .. }), "{err}");
}

#[test]
fn accepts_broker_lists() {
    let config = Config::from_sources(None, env(&[("KAFKA_BROKERS", "a:9092, b:9093")])).unwrap();
    assert_eq!(config.bus.kafka_brokers.as_deref(), Some("a:9092, b:9093"));
}

#[test]
fn every_key_has_one_environment_variable() {
    let vars = env_vars();
    assert_eq!(vars.len(), 44);
    let unique: std::collections::BTreeSet<_> = vars.iter().map(|(_, v)| v.clone()).collect();
    assert_eq!(unique.len(), vars.len());
    for (key, var) in [
        ("redis_url", "REDIS_URL"),
        ("mongodb_uri", "MONGODB_URI"),
        ("mongodb_database", "MONGODB_DATABASE"),
        ("kafka_brokers", "KAFKA_BROKERS"),
        ("hold_ttl_secs", "EVENTORY_HOLD_TTL_SECS"),
        ("card_latency_ms", "EVENTORY_CARD_LATENCY_MS"),
        ("data_dir", "EVENTORY_DATA_DIR"),
    ] {
        assert!(vars.contains(&(key, var.to_owned())), "{key} -> {var}");
    }
    // Only the listed names are read: no `EVENTORY_` alias of an unprefixed one.
    let config =
        Config::from_sources(None, env(&[("EVENTORY_REDIS_URL", "redis://x:6379")])).unwrap();
    assert!(config.ledger.redis_url.is_none());
}
