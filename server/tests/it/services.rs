//! Proves the real backing services answer through the same configuration and connection code
//! the server uses, so a broken service setup fails CI loudly instead of tests silently
//! falling back to in-process stand-ins.

use secrecy::ExposeSecret;

use eventory_server::bus::kafka_conn::KafkaProbe;
use eventory_server::health::Backends;
use eventory_server::seats::redis_conn;
use eventory_server::store::mongo_conn;

#[tokio::test]
async fn redis_answers_ping() {
    let config = crate::support::cluster_config();
    let url = config.ledger.redis_url.as_ref().expect("REDIS_URL");
    let url = url.expose_secret();
    let mut conn = redis_conn::connect(url)
        .await
        .unwrap_or_else(|e| panic!("Redis at {url} is not reachable: {e}"));
    redis_conn::ping(&mut conn).await.expect("PING");
}

#[tokio::test]
async fn mongodb_answers_ping() {
    let config = crate::support::cluster_config();
    let uri = config.store.mongodb_uri.as_ref().expect("MONGODB_URI");
    let uri = uri.expose_secret();
    let db = mongo_conn::connect(uri, &config.store.mongodb_database)
        .await
        .expect("MongoDB URI parses");
    mongo_conn::ping(&db)
        .await
        .unwrap_or_else(|e| panic!("MongoDB at {uri} is not reachable: {e}"));
}

#[tokio::test]
async fn kafka_returns_metadata() {
    let config = crate::support::cluster_config();
    let brokers = config.bus.kafka_brokers.as_deref().expect("KAFKA_BROKERS");
    let probe = KafkaProbe::new(brokers).expect("Kafka client");
    let count = probe
        .brokers()
        .await
        .unwrap_or_else(|e| panic!("Kafka at {brokers} is not reachable: {e}"));
    assert!(count >= 1, "metadata lists no broker");
}

#[tokio::test]
async fn readiness_reports_every_cluster_service_up() {
    let config = crate::support::cluster_config();
    let ledger = eventory_server::seats::connect(&config.ledger)
        .await
        .expect("ledger");
    let store = eventory_server::store::connect(&config.store)
        .await
        .expect("store");
    let bus = eventory_server::bus::connect(&config.bus, &config.store.data_dir)
        .await
        .expect("bus");
    let backends = Backends::new(ledger, store, bus);
    let report = backends.check().await;
    assert!(report.ready, "{report:#?}");
    let backend = |port: &str| report.services[port].backend.clone();
    assert_eq!(backend("seat_ledger"), "redis");
    assert_eq!(backend("store"), "mongodb");
    assert_eq!(backend("event_bus"), "kafka");
}

#[tokio::test]
async fn readiness_reports_a_dead_service() {
    let mut config = crate::support::cluster_config();
    // Nothing listens on port 1: the store must be reported down, not assumed up.
    config.store.mongodb_uri = Some("mongodb://127.0.0.1:1/?serverSelectionTimeoutMS=500".into());
    let ledger = eventory_server::seats::connect(&config.ledger)
        .await
        .expect("ledger");
    let bus = eventory_server::bus::connect(&config.bus, &config.store.data_dir)
        .await
        .expect("bus");
    // The driver connects lazily: the store exists, and its ping must fail.
    let uri = config.store.mongodb_uri.as_ref().unwrap().expose_secret();
    let store = eventory_server::store::MongoStore::connect(uri, "eventory_dead")
        .await
        .expect("the URI parses");
    let backends = Backends::new(ledger, std::sync::Arc::new(store), bus);
    let report = backends.check().await;
    assert!(!report.ready);
    assert!(!report.services["store"].ok);
    assert!(report.services["seat_ledger"].ok);
}
