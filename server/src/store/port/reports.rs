//! `ReportStore`: figures the store computes for the admin.

use async_trait::async_trait;
use chrono::{DateTime, Utc};

use crate::store::{RewardStats, SalesReport, StoreResult};

/// Aggregates over many records, computed where the records are.
#[async_trait]
pub trait ReportStore: Send + Sync + 'static {
    /// Revenue of confirmed bookings created in [from, to), grouped by day and channel, and
    /// seats sold and revenue per show; computed by the store.
    async fn sales_report(
        &self,
        from: DateTime<Utc>,
        to: DateTime<Utc>,
    ) -> StoreResult<SalesReport>;
    /// How many rewards were issued, revealed and voided.
    async fn reward_stats(&self) -> StoreResult<RewardStats>;
}
