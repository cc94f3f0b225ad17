//! `MongoStore`: the store in MongoDB (official driver).
//!
//! Collections, keys and indexes are listed in `schema.rs`; ids are BSON UUIDs and times BSON
//! DateTimes everywhere (`codec.rs`). `tickets` has a unique index on (show_id, seat_id): the
//! durable no-double-sale backstop; refunded tickets move to `refunded_tickets`, so the index
//! covers exactly the live ones. Multi-document changes (booking + outbox, booking + tickets)
//! run in transactions (MongoDB is deployed as a replica set), retried on transient
//! transaction errors. Filters are built with `doc!` from typed values only, so no client
//! input can become an operator.
//!
//! One file per capability: `accounts.rs`, `catalog.rs`, `bookings.rs` (with `booking_writes.rs`,
//! the steps it takes inside a transaction), `outbox.rs`, `rewards.rs`, `reports.rs`,
//! `audit.rs`; `migrate.rs` creates the indexes and converts documents of the first layout.

mod accounts;
mod audit;
mod booking_writes;
mod bookings;
mod catalog;
mod codec;
mod migrate;
mod outbox;
mod reports;
mod rewards;
mod schema;

use std::time::Duration;

use async_trait::async_trait;
use futures::TryStreamExt;
use mongodb::bson::{Bson, Document};
use mongodb::error::{ErrorKind, WriteFailure, TRANSIENT_TRANSACTION_ERROR};
use mongodb::{ClientSession, Collection, Database};
use serde::de::DeserializeOwned;
use serde::Serialize;

use super::{Store, StoreError, StoreResult};
use schema::Coll;

/// The MongoDB store.
pub struct MongoStore {
    db: Database,
}

impl From<mongodb::error::Error> for StoreError {
    fn from(e: mongodb::error::Error) -> Self {
        StoreError::Backend(anyhow::Error::new(e).context("mongodb"))
    }
}

/// A unique index refused the write.
fn is_duplicate(e: &mongodb::error::Error) -> bool {
    match e.kind.as_ref() {
        ErrorKind::Write(WriteFailure::WriteError(we)) => we.code == 11000,
        ErrorKind::InsertMany(im) => im
            .write_errors
            .as_ref()
            .is_some_and(|errors| errors.iter().any(|we| we.code == 11000)),
        ErrorKind::Command(ce) => ce.code == 11000,
        _ => e.to_string().contains("E11000"),
    }
}

/// A value that serialises to a plain string (a status, a channel) as a filter operand.
fn string_of<T: Serialize>(value: &T) -> String {
    serde_json::to_value(value)
        .ok()
        .and_then(|v| v.as_str().map(str::to_owned))
        .expect("serialises to a string")
}

impl MongoStore {
    pub async fn connect(uri: &str, database: &str) -> anyhow::Result<Self> {
        Ok(Self {
            db: super::mongo_conn::connect(uri, database).await?,
        })
    }

    fn coll(&self, coll: &Coll) -> Collection<Document> {
        self.db.collection(coll.name)
    }

    /// The record of the first document of `coll` matching `filter`.
    async fn find_one<T: DeserializeOwned>(
        &self,
        coll: &Coll,
        filter: Document,
    ) -> StoreResult<Option<T>> {
        self.coll(coll)
            .find_one(filter)
            .await?
            .map(codec::decode)
            .transpose()
    }

    /// The records of every document of `coll` matching `filter`, optionally sorted and
    /// limited.
    async fn find_all<T: DeserializeOwned>(
        &self,
        coll: &Coll,
        filter: Document,
        sort: Option<Document>,
        limit: Option<i64>,
    ) -> StoreResult<Vec<T>> {
        let collection = self.coll(coll);
        let mut find = collection.find(filter);
        if let Some(sort) = sort {
            find = find.sort(sort);
        }
        if let Some(limit) = limit {
            find = find.limit(limit);
        }
        let docs: Vec<Document> = find.await?.try_collect().await?;
        docs.into_iter().map(codec::decode).collect()
    }

    /// Inserts `record` under `id`; `Duplicate(what)` if a unique key exists already.
    async fn insert_unique<T: Serialize>(
        &self,
        coll: &Coll,
        id: Bson,
        record: &T,
        what: &'static str,
    ) -> StoreResult<()> {
        match self
            .coll(coll)
            .insert_one(codec::encode(coll, id, record)?)
            .await
        {
            Ok(_) => Ok(()),
            Err(e) if is_duplicate(&e) => Err(StoreError::Duplicate(what)),
            Err(e) => Err(e.into()),
        }
    }

    /// Runs `body` in a transaction, retrying it on transient transaction errors (write
    /// conflicts between concurrent transactions).
    async fn in_transaction<T, F>(&self, mut body: F) -> StoreResult<T>
    where
        F: for<'s> FnMut(
            &'s Self,
            &'s mut ClientSession,
        ) -> futures::future::BoxFuture<'s, StoreResult<T>>,
    {
        let mut attempt = 0;
        loop {
            attempt += 1;
            let mut session = self.db.client().start_session().await?;
            session.start_transaction().await?;
            let result = body(self, &mut session).await;
            let outcome = match result {
                Ok(value) => match session.commit_transaction().await {
                    Ok(()) => return Ok(value),
                    Err(e) => Err(e),
                },
                Err(StoreError::Backend(e)) => {
                    let _ = session.abort_transaction().await;
                    match e.downcast::<mongodb::error::Error>() {
                        Ok(me) => Err(me),
                        Err(other) => return Err(StoreError::Backend(other)),
                    }
                }
                Err(other) => {
                    let _ = session.abort_transaction().await;
                    return Err(other);
                }
            };
            match outcome {
                Err(e) if e.contains_label(TRANSIENT_TRANSACTION_ERROR) && attempt < 60 => {
                    // Jittered and growing, so transactions contending for one document spread
                    // out instead of colliding again in lockstep.
                    let ceiling = (2 * attempt).min(50);
                    tokio::time::sleep(Duration::from_millis(rand::random::<u64>() % ceiling + 1))
                        .await;
                }
                Err(e) if is_duplicate(&e) => return Err(StoreError::Duplicate("record")),
                Err(e) => return Err(e.into()),
                Ok(()) => unreachable!(),
            }
        }
    }
}

#[async_trait]
impl Store for MongoStore {
    fn backend(&self) -> &'static str {
        "mongodb"
    }

    async fn ping(&self) -> StoreResult<()> {
        Ok(super::mongo_conn::ping(&self.db).await?)
    }

    async fn migrate(&self) -> StoreResult<()> {
        migrate::migrate(self).await
    }
}
