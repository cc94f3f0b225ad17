//! `OutboxStore`: events waiting to be published, and which events each consumer processed.

use async_trait::async_trait;
use chrono::{DateTime, Utc};
use uuid::Uuid;

use crate::store::{OutboxEntry, StoreResult};

/// The outbox (written by the other capabilities in their own transactions, drained by the
/// relay) and consumer idempotency.
#[async_trait]
pub trait OutboxStore: Send + Sync + 'static {
    /// Unsent entries, oldest first, at most `limit`.
    async fn pending_outbox(&self, limit: usize) -> StoreResult<Vec<OutboxEntry>>;
    async fn mark_outbox_sent(&self, ids: &[Uuid], at: DateTime<Utc>) -> StoreResult<()>;
    /// Records that `consumer` processed `event`; `false` if it had already.
    async fn mark_event_processed(&self, consumer: &str, event: Uuid) -> StoreResult<bool>;
}
