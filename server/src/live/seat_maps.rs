//! The production [`SeatMaps`]: the layout of the show's venue (from the store) plus the seat
//! states and version (from the ledger).

use std::sync::Arc;
use std::time::Duration;

use async_trait::async_trait;
use eventory_shared::{SeatMap, ShowId, VenueLayout};

use super::SeatMaps;
use crate::seats::SeatLedger;

/// Where a show's venue layout comes from.
#[async_trait]
pub trait LayoutSource: Send + Sync + 'static {
    async fn layout(&self, show: ShowId) -> anyhow::Result<Option<VenueLayout>>;
}

/// How long a cached layout is trusted. An edit on this instance forgets it at once
/// ([`LedgerSeatMaps::forget`]); an edit made through another instance is seen after this.
pub const LAYOUT_TTL: Duration = Duration::from_secs(30);

/// Seat maps from a layout source and the ledger. Layouts are cached (moka, bounded, expiring
/// after [`LAYOUT_TTL`]): they change only by an admin edit.
pub struct LedgerSeatMaps {
    ledger: Arc<dyn SeatLedger>,
    layouts: Arc<dyn LayoutSource>,
    /// Rebuilds a show the ledger does not know (sold seats first) before its map is served.
    store: Option<Arc<dyn crate::store::Store>>,
    cache: moka::sync::Cache<ShowId, Arc<VenueLayout>>,
}

impl LedgerSeatMaps {
    pub fn new(ledger: Arc<dyn SeatLedger>, layouts: Arc<dyn LayoutSource>) -> Self {
        Self {
            ledger,
            layouts,
            store: None,
            cache: moka::sync::Cache::builder()
                .max_capacity(10_000)
                .time_to_live(LAYOUT_TTL)
                .build(),
        }
    }

    /// Seat maps that rebuild unknown shows from `store` on demand.
    pub fn with_rebuild(mut self, store: Arc<dyn crate::store::Store>) -> Self {
        self.store = Some(store);
        self
    }

    /// Drops a cached layout (after a layout edit).
    pub fn forget(&self, show: ShowId) {
        self.cache.invalidate(&show);
    }

    async fn layout(&self, show: ShowId) -> anyhow::Result<Option<Arc<VenueLayout>>> {
        if let Some(layout) = self.cache.get(&show) {
            return Ok(Some(layout));
        }
        let Some(layout) = self.layouts.layout(show).await? else {
            return Ok(None);
        };
        let layout = Arc::new(layout);
        self.cache.insert(show, layout.clone());
        Ok(Some(layout))
    }
}

#[async_trait]
impl SeatMaps for LedgerSeatMaps {
    async fn seat_map(&self, show: ShowId) -> anyhow::Result<Option<SeatMap>> {
        let Some(layout) = self.layout(show).await? else {
            return Ok(None);
        };
        // A show the ledger does not know (not yet registered, or lost with Redis) is never
        // served as an empty map: only the rebuild, which restores sold seats from the store
        // first, may register it; without a store it is an error.
        let snapshot = match (self.ledger.snapshot(show).await, &self.store) {
            (Err(crate::seats::LedgerError::UnknownShow(_)), Some(store)) => {
                crate::seats::rebuild::rebuild_show(store.as_ref(), self.ledger.as_ref(), show)
                    .await?;
                self.ledger.snapshot(show).await?
            }
            (result, _) => result?,
        };
        Ok(Some(SeatMap {
            show_id: show,
            version: snapshot.version,
            layout: (*layout).clone(),
            states: snapshot.seats,
        }))
    }
}

/// Layouts from the store: the show's venue's layout.
pub struct StoreLayouts(pub Arc<dyn crate::store::Store>);

#[async_trait]
impl LayoutSource for StoreLayouts {
    async fn layout(&self, show: ShowId) -> anyhow::Result<Option<VenueLayout>> {
        let Some(show) = self.0.show(show).await? else {
            return Ok(None);
        };
        Ok(self.0.venue(show.venue_id).await?.map(|v| v.layout))
    }
}
