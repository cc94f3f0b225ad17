//! Readiness of the backing services: each port reports which implementation serves it and
//! whether that implementation answers right now.

use std::collections::BTreeMap;
use std::path::PathBuf;
use std::time::Instant;

use eventory_shared::api::{ReadyResponse, ServiceReport};
use std::sync::Arc;

use crate::bus::EventBus;
use crate::config::Config;
use crate::seats::SeatLedger;
use crate::store::mongo_conn;

/// The backing service of each port, as configured.
#[derive(Clone)]
pub struct Backends {
    ledger: Arc<dyn SeatLedger>,
    store: StoreBackend,
    bus: Arc<dyn EventBus>,
}

#[derive(Clone)]
enum StoreBackend {
    Mongo(mongodb::Database),
    Embedded(PathBuf),
}

impl Backends {
    /// Connects to every configured service. Fails if a configured service cannot even be
    /// addressed (bad URL, Redis refusing the first connection), so a misconfigured server does
    /// not start; services that later go away show up in [`Backends::check`].
    pub async fn connect(
        config: &Config,
        ledger: Arc<dyn SeatLedger>,
        bus: Arc<dyn EventBus>,
    ) -> anyhow::Result<Self> {
        let store = match &config.mongodb_uri {
            Some(uri) => StoreBackend::Mongo(
                mongo_conn::connect(uri, &config.mongodb_database)
                    .await
                    .map_err(|e| anyhow::anyhow!("MongoDB: {e}"))?,
            ),
            None => {
                std::fs::create_dir_all(&config.data_dir).map_err(|e| {
                    anyhow::anyhow!("data folder {}: {e}", config.data_dir.display())
                })?;
                StoreBackend::Embedded(config.data_dir.clone())
            }
        };
        Ok(Self { ledger, store, bus })
    }

    /// Checks every port now.
    pub async fn check(&self) -> ReadyResponse {
        let (ledger, store, bus) =
            tokio::join!(self.check_ledger(), self.check_store(), self.check_bus());
        let services = BTreeMap::from([
            ("seat_ledger".to_owned(), ledger),
            ("store".to_owned(), store),
            ("event_bus".to_owned(), bus),
        ]);
        ReadyResponse {
            ready: services.values().all(|s| s.ok),
            services,
        }
    }

    async fn check_ledger(&self) -> ServiceReport {
        match self.ledger.backend() {
            "in-process" => in_process("in-process"),
            backend => probe(backend, self.ledger.ping()).await,
        }
    }

    async fn check_store(&self) -> ServiceReport {
        match &self.store {
            StoreBackend::Mongo(db) => probe("mongodb", mongo_conn::ping(db)).await,
            StoreBackend::Embedded(dir) => {
                let ok = dir.is_dir();
                ServiceReport {
                    backend: "embedded".into(),
                    ok,
                    detail: if ok {
                        format!("data in {}", dir.display())
                    } else {
                        format!("data folder {} is missing", dir.display())
                    },
                }
            }
        }
    }

    async fn check_bus(&self) -> ServiceReport {
        match self.bus.backend() {
            "in-process" => in_process("in-process"),
            backend => probe(backend, self.bus.ping()).await,
        }
    }
}

fn in_process(backend: &str) -> ServiceReport {
    report(backend, true, "in this process".into())
}

fn report(backend: &str, ok: bool, detail: String) -> ServiceReport {
    ServiceReport {
        backend: backend.to_owned(),
        ok,
        detail,
    }
}

/// Runs one check, reporting its round-trip time or its error.
async fn probe<E: std::fmt::Display>(
    backend: &str,
    check: impl std::future::Future<Output = Result<(), E>>,
) -> ServiceReport {
    let started = Instant::now();
    match check.await {
        Ok(()) => report(
            backend,
            true,
            format!("{} ms", started.elapsed().as_millis()),
        ),
        Err(e) => report(backend, false, e.to_string()),
    }
}
