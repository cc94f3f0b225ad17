//! Shared set-up of the integration tests: the same `Config` the server uses, pointed at the
//! real services `.ci/run` starts (overridable with the usual environment variables).

#![allow(dead_code)]

use eventory_server::Config;
use secrecy::ExposeSecret;

/// Where the test services listen unless the environment says otherwise.
pub const DEFAULT_REDIS_URL: &str = "redis://127.0.0.1:6379";
pub const DEFAULT_MONGODB_URI: &str = "mongodb://127.0.0.1:27017";
pub const DEFAULT_KAFKA_BROKERS: &str = "127.0.0.1:9092";

/// A configuration using the real Redis, MongoDB-compatible server and Kafka-compatible broker,
/// built by the server's own loader from the process environment plus defaults.
pub fn cluster_config() -> Config {
    // Each configuration gets its own Redis keys, Kafka topics and database, so servers of
    // tests running in parallel (and their workers) never see each other's data.
    let namespace = test_namespace();
    let unique = uuid::Uuid::new_v4().simple().to_string();
    Config::from_sources(None, move |key| {
        match key {
            "EVENTORY_REDIS_NAMESPACE" => return Some(namespace.clone()),
            "EVENTORY_KAFKA_TOPIC_PREFIX" => return Some(format!("eventory-test-{unique}.")),
            "MONGODB_DATABASE" => return Some(format!("eventory_test_{unique}")),
            "EVENTORY_CARD_LATENCY_MS" => return Some("5".into()),
            _ => {}
        }
        let default = match key {
            "REDIS_URL" => Some(DEFAULT_REDIS_URL),
            "MONGODB_URI" => Some(DEFAULT_MONGODB_URI),
            "KAFKA_BROKERS" => Some(DEFAULT_KAFKA_BROKERS),
            "MONGODB_DATABASE" => Some("eventory_test"),
            "EVENTORY_JWT_SECRET" => Some("test-secret-test-secret-test-secret!"),
            "EVENTORY_BIND" => Some("127.0.0.1:0"),
            _ => None,
        };
        std::env::var(key)
            .ok()
            .filter(|v| !v.is_empty())
            .or(default.map(str::to_owned))
    })
    .expect("test configuration is valid")
}

/// The embedded single-node configuration, with its data in `dir`.
pub fn embedded_config(dir: &std::path::Path) -> Config {
    embedded_config_with(dir, &[])
}

/// [`embedded_config`] with some environment variables set (`("EVENTORY_HOLD_TTL_SECS", "5")`).
pub fn embedded_config_with(dir: &std::path::Path, vars: &[(&str, &str)]) -> Config {
    Config::from_sources(None, |key| {
        if let Some((_, value)) = vars.iter().find(|(var, _)| *var == key) {
            return Some((*value).to_owned());
        }
        match key {
            "EVENTORY_DATA_DIR" => Some(dir.display().to_string()),
            "EVENTORY_BIND" => Some("127.0.0.1:0".to_owned()),
            _ => None,
        }
    })
    .expect("embedded configuration is valid")
}

/// A Redis seat ledger on the test Redis, under a namespace of its own so concurrent tests
/// (and their sweeps) never see each other's shows.
pub async fn redis_ledger() -> eventory_server::seats::RedisLedger {
    let config = cluster_config();
    let url = config.ledger.redis_url.expect("REDIS_URL");
    eventory_server::seats::RedisLedger::connect(url.expose_secret(), test_namespace())
        .await
        .expect("Redis is reachable")
}

/// The test Redis's URL (as the cluster configuration has it).
pub fn redis_url() -> String {
    let url = cluster_config().ledger.redis_url.expect("REDIS_URL");
    url.expose_secret().to_owned()
}

/// A fresh key namespace for one test.
pub fn test_namespace() -> String {
    format!("eventory-test:{}", uuid::Uuid::new_v4().simple())
}

/// Seat ids from their names.
pub fn seats(names: &[&str]) -> Vec<eventory_shared::SeatId> {
    names.iter().map(|s| s.parse().expect("seat id")).collect()
}

/// Every seat of a `rows` x `per_row` grid, in order.
pub fn grid_seats(rows: u32, per_row: u16) -> Vec<eventory_shared::SeatId> {
    (0..rows)
        .flat_map(|r| {
            let label = eventory_shared::seat::row_label(r);
            (1..=per_row).map(move |n| eventory_shared::SeatId::new(&label, n).expect("seat"))
        })
        .collect()
}

/// A Kafka event bus on the test broker, with topics of its own (a fresh prefix).
pub async fn kafka_bus() -> eventory_server::bus::KafkaBus {
    let brokers = cluster_config().bus.kafka_brokers.expect("KAFKA_BROKERS");
    let prefix = format!("eventory-test-{}.", uuid::Uuid::new_v4().simple());
    eventory_server::bus::KafkaBus::connect(&brokers, &prefix)
        .await
        .expect("Kafka is reachable")
}

pub use eventory_testkit::{booking_reaches, cash_payment, wait_until, TestApi, TestServer, WAIT};

/// The status of booking `id` in the store (read behind the API).
pub async fn booking_status(
    state: &eventory_server::AppState,
    id: eventory_shared::BookingId,
) -> eventory_shared::BookingStatus {
    let record = state.store.booking(id).await.expect("store answers");
    record.expect("booking exists").booking.status
}

/// A MongoDB store on the test server, in a database of its own (migrated).
pub async fn mongo_store() -> eventory_server::store::MongoStore {
    use eventory_server::store::Store;
    let uri = cluster_config().store.mongodb_uri.expect("MONGODB_URI");
    let uri = uri.expose_secret();
    let database = format!("eventory_test_{}", uuid::Uuid::new_v4().simple());
    let store = eventory_server::store::MongoStore::connect(uri, &database)
        .await
        .expect("MongoDB is reachable");
    store.migrate().await.expect("migrate");
    store
}

/// An embedded store in a fresh temporary folder (kept alive by the returned guard).
pub async fn embedded_store() -> (eventory_server::store::EmbeddedStore, tempfile::TempDir) {
    use eventory_server::store::Store;
    let dir = tempfile::tempdir().unwrap();
    let store = eventory_server::store::EmbeddedStore::open(&dir.path().join("test.redb")).unwrap();
    store.migrate().await.expect("migrate");
    (store, dir)
}
