//! The outbox and consumer idempotency in the embedded file. Unsent entries are queued in
//! `outbox_pending` by creation time, so the relay reads the oldest ones without a scan.

use async_trait::async_trait;
use chrono::{DateTime, Utc};
use uuid::Uuid;

use super::schema::*;
use super::EmbeddedStore;
use crate::store::{OutboxEntry, OutboxStore, StoreResult};

#[async_trait]
impl OutboxStore for EmbeddedStore {
    async fn pending_outbox(&self, limit: usize) -> StoreResult<Vec<OutboxEntry>> {
        self.read(move |tx| {
            let (pending, outbox) = (OUTBOX_PENDING.read(tx)?, OUTBOX.read(tx)?);
            let mut out = Vec::new();
            if limit == 0 {
                return Ok(out);
            }
            pending.visit_range("", None, false, |_, id| {
                if let Some(entry) = outbox.get(&id)? {
                    out.push(entry);
                }
                Ok(out.len() < limit)
            })?;
            Ok(out)
        })
        .await
    }

    async fn mark_outbox_sent(&self, ids: &[Uuid], at: DateTime<Utc>) -> StoreResult<()> {
        let ids = ids.to_vec();
        self.write(move |tx| {
            let (mut outbox, mut pending) = (OUTBOX.write(tx)?, OUTBOX_PENDING.write(tx)?);
            for id in ids {
                let key = id.to_string();
                let Some(mut entry) = outbox.get(&key)? else {
                    continue;
                };
                pending.remove(&format!("{}|{key}", millis_key(entry.created_at)))?;
                if entry.sent_at.is_none() {
                    entry.sent_at = Some(at);
                    outbox.insert(&key, &entry)?;
                }
            }
            Ok(())
        })
        .await
    }

    async fn mark_event_processed(&self, consumer: &str, event: Uuid) -> StoreResult<bool> {
        let key = format!("{consumer}|{event}");
        self.write(move |tx| {
            let mut processed = PROCESSED_EVENTS.write(tx)?;
            if processed.contains(&key)? {
                return Ok(false);
            }
            processed.insert(&key, &())?;
            Ok(true)
        })
        .await
    }
}
