//! Readiness of the backing services: each port reports which implementation serves it and
//! whether that implementation answers right now.

use std::collections::BTreeMap;
use std::time::Instant;

use eventory_shared::api::{ReadyResponse, ServiceReport};
use std::sync::Arc;

use crate::bus::EventBus;
use crate::sales::reconciler::ReconcilerStatus;
use crate::seats::SeatLedger;
use crate::store::Store;

/// The backing service of each port, as configured.
#[derive(Clone)]
pub struct Backends {
    ledger: Arc<dyn SeatLedger>,
    store: Arc<dyn Store>,
    bus: Arc<dyn EventBus>,
    lifecycle: Option<Arc<ReconcilerStatus>>,
}

impl Backends {
    /// The ports to report on.
    pub fn new(ledger: Arc<dyn SeatLedger>, store: Arc<dyn Store>, bus: Arc<dyn EventBus>) -> Self {
        Self {
            ledger,
            store,
            bus,
            lifecycle: None,
        }
    }

    /// Also reports what the reconciler last saw.
    pub fn with_lifecycle(mut self, status: Arc<ReconcilerStatus>) -> Self {
        self.lifecycle = Some(status);
        self
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
            lifecycle: self.lifecycle.as_ref().map(|s| s.report()),
        }
    }

    async fn check_ledger(&self) -> ServiceReport {
        match self.ledger.backend() {
            "in-process" => in_process("in-process"),
            backend => probe(backend, self.ledger.ping()).await,
        }
    }

    async fn check_store(&self) -> ServiceReport {
        probe(self.store.backend(), self.store.ping()).await
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
