//! Indexes and document layout of the MongoDB store, brought up to date at every connect and
//! by `eventory-server migrate`.
//!
//! Layout 1 (no `meta` document) keyed records by their id as a string, stored ids inside
//! records as generic binary, times as RFC 3339 strings next to millisecond shadow fields
//! (`created_ms`, `starts_ms`, `at_ms`) and the sales aggregation's `day`, `seat_count` and
//! `amount_minor`. Layout 2 is the one of `codec.rs`: BSON UUIDs and DateTimes, nothing else.
//!
//! The conversion visits every document once and rewrites the ones still in layout 1, each
//! in a transaction of its own that re-reads it first: it is idempotent, can be interrupted
//! and resumed, and several instances starting together can run it at once (a document
//! converted by one is left alone by the others; a write conflict retries). Documents whose id
//! changes are deleted and re-inserted in that transaction, so unique indexes (a user's email)
//! never see both copies. It assumes no instance of the old version is still writing.

use futures::TryStreamExt;
use mongodb::bson::{doc, Bson, Document};

use super::codec::{dates_in, uuid, uuids_in};
use super::schema::{self, Coll, ALL, META};
use super::MongoStore;
use crate::store::{StoreError, StoreResult};

/// The layout this code writes.
const LAYOUT: i64 = 2;

/// Fields of layout 1 that layout 2 derives instead of storing.
const SHADOW_FIELDS: [&str; 6] = [
    "created_ms",
    "starts_ms",
    "at_ms",
    "day",
    "seat_count",
    "amount_minor",
];

/// Creates the indexes, converts documents of layout 1, and records the layout.
pub async fn migrate(store: &MongoStore) -> StoreResult<()> {
    for (collection, index) in schema::indexes() {
        store
            .db
            .collection::<Document>(collection)
            .create_index(index)
            .await?;
    }
    let meta = store.coll(&META).find_one(doc! { "_id": "schema" }).await?;
    let layout = meta
        .and_then(|d| d.get("version").and_then(Bson::as_i64))
        .unwrap_or(1);
    if layout >= LAYOUT {
        return Ok(());
    }
    for coll in ALL {
        convert_collection(store, coll).await?;
    }
    for (collection, index) in schema::OLD_INDEXES {
        // Absent on databases created by this version: nothing to drop.
        let _ = store
            .db
            .collection::<Document>(collection)
            .drop_index(index)
            .await;
    }
    store
        .coll(&META)
        .update_one(
            doc! { "_id": "schema" },
            doc! { "$set": { "version": LAYOUT } },
        )
        .upsert(true)
        .await?;
    Ok(())
}

/// Converts every document of `coll` still in layout 1.
async fn convert_collection(store: &MongoStore, coll: &'static Coll) -> StoreResult<()> {
    let mut cursor = store.coll(coll).find(doc! {}).await?;
    let mut stale = Vec::new();
    while let Some(doc) = cursor.try_next().await? {
        if upgrade(coll, &doc)?.is_some() {
            stale.extend(doc.get("_id").cloned());
        }
    }
    for id in stale {
        convert_one(store, coll, id).await?;
    }
    Ok(())
}

/// Re-reads the document under `id` and, if it is still in layout 1, rewrites it.
async fn convert_one(store: &MongoStore, coll: &'static Coll, id: Bson) -> StoreResult<()> {
    let result = store
        .in_transaction(|store, session| {
            let id = id.clone();
            Box::pin(async move {
                let collection = store.coll(coll);
                let filter = doc! { "_id": id };
                let Some(current) = collection
                    .find_one(filter.clone())
                    .session(&mut *session)
                    .await?
                else {
                    return Ok(());
                };
                let Some(new) = upgrade(coll, &current)? else {
                    return Ok(());
                };
                if new.get("_id") == current.get("_id") {
                    collection
                        .replace_one(filter, new)
                        .session(&mut *session)
                        .await?;
                } else {
                    collection.delete_one(filter).session(&mut *session).await?;
                    collection.insert_one(new).session(&mut *session).await?;
                }
                Ok(())
            })
        })
        .await;
    match result {
        // The layout 2 twin exists already (written by hand or by a newer instance): keep it.
        Err(StoreError::Duplicate(_)) => {
            tracing::warn!(
                collection = coll.name,
                "layout 1 document has a layout 2 twin"
            );
            Ok(())
        }
        other => other,
    }
}

/// The layout 2 form of a document, or `None` if it is in layout 2 already.
fn upgrade(coll: &Coll, doc: &Document) -> StoreResult<Option<Document>> {
    let mut new = doc.clone();
    if let Some(Bson::String(old)) = doc.get("_id") {
        if let Some(id) = new_id(coll, old)? {
            new.insert("_id", id);
        }
    }
    // Ids kept as strings inside index documents.
    for field in ["booking_id", "user"] {
        if let Some(Bson::String(text)) = new.get(field) {
            if matches!(
                coll.name,
                "booking_codes" | "booking_idempotency" | "loyalty_entries"
            ) {
                let id = parse(coll, text)?;
                new.insert(field, uuid(&id));
            }
        }
    }
    new.iter_mut().for_each(|(_, v)| uuids_in(v));
    dates_in(&mut new, coll.dates)?;
    for field in SHADOW_FIELDS {
        new.remove(field);
    }
    Ok((new != *doc).then_some(new))
}

/// The layout 2 `_id` of a layout 1 string key; `None` where the key stays a string.
fn new_id(coll: &Coll, old: &str) -> StoreResult<Option<Bson>> {
    Ok(match coll.name {
        "refresh_tokens" | "coupons" | "booking_codes" | "loyalty_entries" => None,
        "booking_idempotency" => {
            let (user, key) = old.split_once('\n').ok_or_else(|| malformed(coll, old))?;
            Some(Bson::Document(
                doc! { "user_id": uuid(&parse(coll, user)?), "key": key },
            ))
        }
        "processed_events" => {
            let (consumer, event) = old.rsplit_once('|').ok_or_else(|| malformed(coll, old))?;
            Some(Bson::Document(
                doc! { "consumer": consumer, "event_id": uuid(&parse(coll, event)?) },
            ))
        }
        _ => Some(uuid(&parse(coll, old)?)),
    })
}

fn parse(coll: &Coll, text: &str) -> StoreResult<uuid::Uuid> {
    text.parse().map_err(|_| malformed(coll, text))
}

fn malformed(coll: &Coll, text: &str) -> StoreError {
    StoreError::Backend(anyhow::anyhow!(
        "migrate {}: {text:?} is not a layout 1 key",
        coll.name
    ))
}
