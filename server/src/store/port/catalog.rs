//! `CatalogStore`: venues and shows.

use async_trait::async_trait;
use chrono::{DateTime, Utc};
use eventory_shared::api::ShowFilter;
use eventory_shared::{Show, ShowId, Venue, VenueId};

use crate::store::StoreResult;

/// What is on: venues (with their seat layouts) and shows.
#[async_trait]
pub trait CatalogStore: Send + Sync + 'static {
    async fn insert_venue(&self, venue: &Venue) -> StoreResult<()>;
    async fn venue(&self, id: VenueId) -> StoreResult<Option<Venue>>;
    async fn venues(&self) -> StoreResult<Vec<Venue>>;
    /// Replaces a venue's name and layout; `false` if there is no such venue.
    async fn update_venue(&self, venue: &Venue) -> StoreResult<bool>;
    async fn insert_show(&self, show: &Show) -> StoreResult<()>;
    async fn show(&self, id: ShowId) -> StoreResult<Option<Show>>;
    /// Shows starting on `filter.date` (UTC) and/or in `filter.venue_id`, by start time.
    async fn shows(&self, filter: &ShowFilter) -> StoreResult<Vec<Show>>;
    /// Shows not yet started (and not cancelled) at `now`.
    async fn upcoming_shows(&self, now: DateTime<Utc>) -> StoreResult<Vec<Show>>;
    /// Cancelled shows starting at or after `from`, by start time (their bookings are
    /// refunded by the reconciler).
    async fn cancelled_shows(&self, from: DateTime<Utc>) -> StoreResult<Vec<Show>>;
    /// Replaces a show; `false` if there is no such show.
    async fn update_show(&self, show: &Show) -> StoreResult<bool>;
}
