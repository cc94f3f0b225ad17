//! Shared set-up of the integration tests: the same `Config` the server uses, pointed at the
//! real services `.ci/run` starts (overridable with the usual environment variables).

#![allow(dead_code)]

use eventory_server::Config;

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
    Config::from_sources(None, |key| match key {
        "EVENTORY_DATA_DIR" => Some(dir.display().to_string()),
        "EVENTORY_BIND" => Some("127.0.0.1:0".to_owned()),
        _ => None,
    })
    .expect("embedded configuration is valid")
}

/// A Redis seat ledger on the test Redis, under a namespace of its own so concurrent tests
/// (and their sweeps) never see each other's shows.
pub async fn redis_ledger() -> eventory_server::seats::RedisLedger {
    let config = cluster_config();
    let url = config.redis_url.expect("REDIS_URL");
    eventory_server::seats::RedisLedger::connect(&url, test_namespace())
        .await
        .expect("Redis is reachable")
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
    let brokers = cluster_config().kafka_brokers.expect("KAFKA_BROKERS");
    let prefix = format!("eventory-test-{}.", uuid::Uuid::new_v4().simple());
    eventory_server::bus::KafkaBus::connect(&brokers, &prefix)
        .await
        .expect("Kafka is reachable")
}

/// A real server on a real socket (port 0), with its state reachable for set-up.
pub struct TestServer {
    pub base: String,
    pub state: eventory_server::AppState,
    stop: Option<tokio::sync::oneshot::Sender<()>>,
    task: tokio::task::JoinHandle<anyhow::Result<()>>,
}

impl TestServer {
    pub async fn start(config: Config) -> Self {
        let state = eventory_server::AppState::connect(config)
            .await
            .expect("state");
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let base = format!("http://{}", listener.local_addr().unwrap());
        let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
        let task = tokio::spawn(eventory_server::app::serve_on(
            listener,
            state.clone(),
            async {
                let _ = stopped.await;
            },
        ));
        Self {
            base,
            state,
            stop: Some(stop),
            task,
        }
    }

    pub fn url(&self, path: &str) -> String {
        format!("{}{path}", self.base)
    }

    /// A valid access token for a new user of `role`, signed by this server's keys.
    pub fn token(&self, role: eventory_shared::Role) -> String {
        let user = eventory_shared::UserId::from_uuid(uuid::Uuid::new_v4());
        self.state.tokens.issue(user, role).0
    }

    pub async fn shutdown(mut self) {
        self.stop.take().unwrap().send(()).unwrap();
        self.task.await.unwrap().expect("server stops cleanly");
    }
}

/// A MongoDB store on the test server, in a database of its own (migrated).
pub async fn mongo_store() -> eventory_server::store::MongoStore {
    use eventory_server::store::Store;
    let uri = cluster_config().mongodb_uri.expect("MONGODB_URI");
    let database = format!("eventory_test_{}", uuid::Uuid::new_v4().simple());
    let store = eventory_server::store::MongoStore::connect(&uri, &database)
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
