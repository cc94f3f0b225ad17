//! Set-up of one chaos run: a temp folder, a free port, the server's environment (the same
//! settings for this process's store connection and for every start of the child), and the
//! world prepared straight through the store port: a show on sale, an admin, cashiers.

use std::collections::BTreeMap;
use std::net::SocketAddr;
use std::path::PathBuf;

use anyhow::{bail, Context};
use chrono::Utc;
use eventory_shared::{Role, SeatId, ShowId, UserId};
use rand::distr::{Alphanumeric, SampleString};
use uuid::Uuid;

use super::client::Credentials;
use super::{ChaosLoad, Mode};
use crate::auth::password::hash_password;
use crate::store::UserRecord;
use crate::Config;

/// Fixed, so access tokens stay valid across restarts.
const JWT_SECRET: &str = "eventory-chaos-loadtest-secret-0123456789";
/// Short enough that expiries happen during the run and are over soon after it.
pub const HOLD_TTL_SECS: u64 = 6;
/// The cluster settings; set for `--mode cluster`, removed for embedded.
const CLUSTER_VARS: [&str; 3] = ["REDIS_URL", "MONGODB_URI", "KAFKA_BROKERS"];

/// Where the cluster mode keeps this run's data (its Redis keys are deleted at the end unless
/// `--keep`).
#[derive(Clone, Debug)]
pub struct ClusterData {
    pub redis_url: String,
    pub redis_namespace: String,
    pub mongodb_database: String,
    pub topic_prefix: String,
}

/// Everything a run needs to know about its world.
pub struct World {
    pub dir: PathBuf,
    pub address: SocketAddr,
    /// Environment of the server process: `Some` sets a variable, `None` removes it; the rest
    /// of this process's environment passes through.
    pub env: BTreeMap<String, Option<String>>,
    pub journal: PathBuf,
    pub log: PathBuf,
    pub show: ShowId,
    pub seats: Vec<SeatId>,
    pub admin: Credentials,
    pub cashiers: Vec<Credentials>,
    /// The staff desk (refunds and exchanges): a cashier account of its own.
    pub desk: Credentials,
    pub cluster: Option<ClusterData>,
}

impl World {
    /// The configuration the server will load: [`Config::load`] with this run's environment.
    pub fn config(&self) -> anyhow::Result<Config> {
        Config::from_sources(None, |key| match self.env.get(key) {
            Some(value) => value.clone(),
            None => std::env::var(key).ok(),
        })
        .context("the chaos run's configuration is invalid")
    }
}

fn free_port() -> anyhow::Result<SocketAddr> {
    // Bound and released at once; the server binds it again (SO_REUSEADDR) at every start.
    let listener = std::net::TcpListener::bind("127.0.0.1:0")?;
    Ok(listener.local_addr()?)
}

fn account(email: String) -> Credentials {
    Credentials {
        email,
        password: Alphanumeric.sample_string(&mut rand::rng(), 20),
    }
}

/// Creates the folder, the environment and the world.
pub async fn prepare(options: &ChaosLoad) -> anyhow::Result<World> {
    let run = Uuid::new_v4().simple().to_string();
    let dir = std::env::temp_dir().join(format!("eventory-chaos-{}", &run[..12]));
    std::fs::create_dir_all(&dir).with_context(|| format!("cannot create {}", dir.display()))?;
    let address = free_port()?;
    let journal = dir.join("payments.jsonl");
    let log = dir.join("server.log");

    let mut env: BTreeMap<String, Option<String>> = [
        ("EVENTORY_BIND", address.to_string()),
        ("EVENTORY_DATA_DIR", dir.join("data").display().to_string()),
        ("EVENTORY_JWT_SECRET", JWT_SECRET.to_owned()),
        ("EVENTORY_HOLD_TTL_SECS", HOLD_TTL_SECS.to_string()),
        ("EVENTORY_CARD_LATENCY_MS", "300".to_owned()),
        ("EVENTORY_CARD_DECLINE_RATE", "0.2".to_owned()),
        ("EVENTORY_PAYMENT_JOURNAL", journal.display().to_string()),
        ("EVENTORY_RECONCILE_INTERVAL_SECS", "2".to_owned()),
        ("EVENTORY_RECONCILE_GRACE_SECS", "5".to_owned()),
        ("EVENTORY_RUN_WORKERS", "true".to_owned()),
        ("EVENTORY_LOG_FORMAT", "text".to_owned()),
        // A log file, not a terminal: no colour codes.
        ("NO_COLOR", "1".to_owned()),
    ]
    .into_iter()
    .map(|(k, v)| (k.to_owned(), Some(v)))
    .collect();
    // The run is configured by its environment alone, not by a file someone has lying around.
    env.insert("EVENTORY_CONFIG".into(), None);

    let cluster = match options.mode {
        Mode::Embedded => {
            for var in CLUSTER_VARS {
                env.insert(var.into(), None);
            }
            None
        }
        Mode::Cluster => {
            let from_env = |var: &str| {
                std::env::var(var)
                    .ok()
                    .filter(|v| !v.trim().is_empty())
                    .with_context(|| format!("--mode cluster needs {var} in the environment"))
            };
            let data = ClusterData {
                redis_url: from_env("REDIS_URL")?,
                redis_namespace: format!("eventory-loadtest:{run}"),
                mongodb_database: format!("eventory_loadtest_{run}"),
                topic_prefix: format!("eventory-loadtest-{run}."),
            };
            from_env("MONGODB_URI")?;
            from_env("KAFKA_BROKERS")?;
            for (var, value) in [
                ("EVENTORY_REDIS_NAMESPACE", &data.redis_namespace),
                ("MONGODB_DATABASE", &data.mongodb_database),
                ("EVENTORY_KAFKA_TOPIC_PREFIX", &data.topic_prefix),
            ] {
                env.insert(var.into(), Some(value.clone()));
            }
            Some(data)
        }
    };

    let mut world = World {
        dir,
        address,
        env,
        journal,
        log,
        show: ShowId::from_uuid(Uuid::nil()),
        seats: crate::admin::seed::grid(options.rows, options.per_row),
        admin: account("chaos-admin@eventory.test".into()),
        cashiers: (1..=options.cashiers)
            .map(|i| account(format!("chaos-cashier-{i}@eventory.test")))
            .collect(),
        desk: account("chaos-desk@eventory.test".into()),
        cluster,
    };
    let config = world.config()?;
    match (options.mode, config.ledger.redis_url.is_some()) {
        (Mode::Embedded, true) => bail!("embedded mode must not have REDIS_URL"),
        (Mode::Cluster, false) => bail!("cluster mode needs REDIS_URL"),
        _ => {}
    }

    // The redb file takes one process at a time: this store is dropped before the server
    // starts.
    let store = crate::store::connect(&config.store).await?;
    world.show =
        crate::store::test_support::show_on_sale(store.as_ref(), options.rows, options.per_row)
            .await;
    let mut accounts = vec![(Role::Admin, world.admin.clone())];
    accounts.extend(world.cashiers.iter().map(|c| (Role::Cashier, c.clone())));
    accounts.push((Role::Cashier, world.desk.clone()));
    for (role, credentials) in accounts {
        let password = credentials.password.clone();
        let password_hash = tokio::task::spawn_blocking(move || hash_password(&password))
            .await
            .context("hashing task")??;
        store
            .insert_user(&UserRecord {
                id: UserId::from_uuid(Uuid::new_v4()),
                email: credentials.email.clone(),
                display_name: format!("Chaos {role}"),
                password_hash,
                role,
                disabled: false,
                created_at: Utc::now(),
            })
            .await?;
    }
    drop(store);
    Ok(world)
}

/// Deletes this run's Redis keys (SCAN + DEL, only under its namespace: the Redis is shared).
/// Returns how many keys went.
pub async fn delete_redis_keys(data: &ClusterData) -> anyhow::Result<usize> {
    let client = redis::Client::open(data.redis_url.as_str())?;
    let mut conn = client.get_multiplexed_async_connection().await?;
    let pattern = format!("{}*", data.redis_namespace);
    let mut cursor: u64 = 0;
    let mut deleted = 0;
    loop {
        let (next, keys): (u64, Vec<String>) = redis::cmd("SCAN")
            .arg(cursor)
            .arg("MATCH")
            .arg(&pattern)
            .arg("COUNT")
            .arg(500)
            .query_async(&mut conn)
            .await?;
        if !keys.is_empty() {
            let n: usize = redis::cmd("DEL").arg(&keys).query_async(&mut conn).await?;
            deleted += n;
        }
        if next == 0 {
            return Ok(deleted);
        }
        cursor = next;
    }
}

/// Removes what the run left behind: its Redis keys (cluster), and the temp folder unless
/// `keep_dir`. Its MongoDB database (`eventory_loadtest_…`) is left in place: dropping a
/// database blocks every other client of the MongoDB-compatible test server for minutes
/// (it deletes key by key under one lock), and that server keeps its data in memory only.
pub async fn clean_up(world: &World, keep_dir: bool) -> anyhow::Result<()> {
    if let Some(data) = &world.cluster {
        delete_redis_keys(data).await?;
    }
    if !keep_dir {
        std::fs::remove_dir_all(&world.dir)?;
    }
    Ok(())
}
