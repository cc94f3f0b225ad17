//! The outbox and consumer idempotency in MongoDB. Unsent entries carry `pending: true`,
//! indexed with their creation time, so the relay reads the oldest ones from the index.

use async_trait::async_trait;
use chrono::{DateTime, Utc};
use mongodb::bson::doc;
use uuid::Uuid;

use super::codec::{date, uuid};
use super::schema::{OUTBOX, PROCESSED_EVENTS};
use super::{is_duplicate, MongoStore};
use crate::store::{OutboxEntry, OutboxStore, StoreResult};

#[async_trait]
impl OutboxStore for MongoStore {
    async fn pending_outbox(&self, limit: usize) -> StoreResult<Vec<OutboxEntry>> {
        self.find_all(
            &OUTBOX,
            doc! { "pending": true },
            Some(doc! { "created_at": 1, "_id": 1 }),
            Some(limit as i64),
        )
        .await
    }

    async fn mark_outbox_sent(&self, ids: &[Uuid], at: DateTime<Utc>) -> StoreResult<()> {
        if ids.is_empty() {
            return Ok(());
        }
        let ids: Vec<_> = ids.iter().map(uuid).collect();
        self.coll(&OUTBOX)
            .update_many(
                doc! { "_id": { "$in": ids }, "pending": true },
                doc! { "$set": { "pending": false, "sent_at": date(at) } },
            )
            .await?;
        Ok(())
    }

    async fn mark_event_processed(&self, consumer: &str, event: Uuid) -> StoreResult<bool> {
        let key = doc! { "_id": { "consumer": consumer, "event_id": uuid(&event) } };
        match self.coll(&PROCESSED_EVENTS).insert_one(key).await {
            Ok(_) => Ok(true),
            Err(e) if is_duplicate(&e) => Ok(false),
            Err(e) => Err(e.into()),
        }
    }
}
