//! `ShowCatalog`: shows as the hot path needs them, cached for a few seconds (moka: bounded,
//! entries expire). Every hold checks its show is on sale; asking the database each time would
//! put it on the path of the 100,000-attempts-a-second hot seat.

use std::sync::Arc;
use std::time::Duration;

use eventory_shared::{Show, ShowId};

use super::{Store, StoreResult};

/// How long a cached show (or a known absence) is trusted.
pub const CATALOG_TTL: Duration = Duration::from_secs(5);

/// Cached shows by id.
pub struct ShowCatalog {
    store: Arc<dyn Store>,
    /// What was found for each show (`None`: no such show), for `ttl` after it was read.
    cache: moka::sync::Cache<ShowId, Option<Arc<Show>>>,
}

impl ShowCatalog {
    pub fn new(store: Arc<dyn Store>, ttl: Duration) -> Self {
        Self {
            store,
            cache: moka::sync::Cache::builder()
                .max_capacity(10_000)
                .time_to_live(ttl)
                .build(),
        }
    }

    /// The show, from the cache if fresh.
    pub async fn show(&self, id: ShowId) -> StoreResult<Option<Arc<Show>>> {
        if let Some(show) = self.cache.get(&id) {
            return Ok(show);
        }
        let show = self.store.show(id).await?.map(Arc::new);
        self.cache.insert(id, show.clone());
        Ok(show)
    }

    /// Drops a show from the cache (after an admin edit).
    pub fn forget(&self, id: ShowId) {
        self.cache.invalidate(&id);
    }
}
