//! `EmbeddedStore`: the store in one redb file in the data folder (the single-box default).
//!
//! redb is a pure-Rust, ACID, copy-on-write B-tree database in a single file, maintained and
//! widely used; no server to run, crash-safe commits. Each record is JSON under its key
//! (`table.rs`); the unique indexes (email, live seat, idempotency key, payment per booking,
//! ...) and the range indexes (a show's tickets, a user's bookings, shows by start) are tables
//! of their own (`schema.rs`), checked and written in the same write transaction as the record.
//! redb runs one write transaction at a time, so every operation here is atomic and
//! conditional updates are race-free by construction.
//!
//! One file per capability: `accounts.rs`, `catalog.rs`, `bookings.rs`, `outbox.rs`,
//! `rewards.rs`, `reports.rs`, `audit.rs`; `writes.rs` holds the steps several of them take
//! inside one transaction; `migrate.rs` brings files of older layouts up to date on open.

mod accounts;
mod audit;
mod bookings;
mod catalog;
mod migrate;
mod outbox;
mod reports;
mod rewards;
mod schema;
mod table;
mod writes;

use std::path::Path;
use std::sync::Arc;

use anyhow::anyhow;
use async_trait::async_trait;
use redb::{Database, ReadTransaction, WriteTransaction};

use super::{Store, StoreResult};
use table::backend;

/// The embedded store.
#[derive(Clone)]
pub struct EmbeddedStore {
    db: Arc<Database>,
}

impl EmbeddedStore {
    /// Opens (or creates) the database file and brings its layout up to date (a file written by
    /// an older version gets its new indexes built here, once).
    pub fn open(path: &Path) -> anyhow::Result<Self> {
        let db =
            Database::create(path).map_err(|e| anyhow!("cannot open {}: {e}", path.display()))?;
        migrate::migrate_file(&db)
            .map_err(|e| anyhow!("cannot migrate {}: {e}", path.display()))?;
        Ok(Self { db: Arc::new(db) })
    }

    /// Runs `f` in a write transaction, committed if it returns `Ok` (an error drops, so
    /// aborts, the transaction).
    async fn write<T, F>(&self, f: F) -> StoreResult<T>
    where
        T: Send + 'static,
        F: FnOnce(&WriteTransaction) -> StoreResult<T> + Send + 'static,
    {
        let db = self.db.clone();
        tokio::task::spawn_blocking(move || {
            let tx = db.begin_write()?;
            let out = f(&tx)?;
            tx.commit()?;
            Ok(out)
        })
        .await
        .map_err(|e| backend(format!("store task: {e}")))?
    }

    /// Runs `f` in a read transaction (a consistent snapshot).
    async fn read<T, F>(&self, f: F) -> StoreResult<T>
    where
        T: Send + 'static,
        F: FnOnce(&ReadTransaction) -> StoreResult<T> + Send + 'static,
    {
        let db = self.db.clone();
        tokio::task::spawn_blocking(move || f(&db.begin_read()?))
            .await
            .map_err(|e| backend(format!("store task: {e}")))?
    }
}

#[async_trait]
impl Store for EmbeddedStore {
    fn backend(&self) -> &'static str {
        "embedded"
    }

    async fn ping(&self) -> StoreResult<()> {
        self.read(|tx| schema::USERS.read(tx).map(|_| ())).await
    }

    async fn migrate(&self) -> StoreResult<()> {
        let db = self.db.clone();
        tokio::task::spawn_blocking(move || migrate::migrate_file(&db))
            .await
            .map_err(|e| backend(format!("store task: {e}")))?
    }
}
