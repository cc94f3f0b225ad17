//! `ShowCatalog`: shows as the hot path needs them, cached for a few seconds. Every hold
//! checks its show is on sale; asking the database each time would put it on the path of the
//! 100,000-attempts-a-second hot seat.

use std::collections::HashMap;
use std::sync::{Arc, RwLock};
use std::time::{Duration, Instant};

use eventory_shared::{Show, ShowId};

use super::{Store, StoreResult};

/// How long a cached show (or a known absence) is trusted.
pub const CATALOG_TTL: Duration = Duration::from_secs(5);

/// When a show was read, and what was found (`None`: no such show).
type CachedShow = (Instant, Option<Arc<Show>>);

/// Cached shows by id.
pub struct ShowCatalog {
    store: Arc<dyn Store>,
    ttl: Duration,
    cache: RwLock<HashMap<ShowId, CachedShow>>,
}

impl ShowCatalog {
    pub fn new(store: Arc<dyn Store>, ttl: Duration) -> Self {
        Self {
            store,
            ttl,
            cache: RwLock::new(HashMap::new()),
        }
    }

    /// The show, from the cache if fresh.
    pub async fn show(&self, id: ShowId) -> StoreResult<Option<Arc<Show>>> {
        if let Some((at, show)) = self.cache.read().expect("catalog lock").get(&id) {
            if at.elapsed() < self.ttl {
                return Ok(show.clone());
            }
        }
        let show = self.store.show(id).await?.map(Arc::new);
        let mut cache = self.cache.write().expect("catalog lock");
        if cache.len() > 10_000 {
            cache.retain(|_, (at, _)| at.elapsed() < self.ttl);
        }
        cache.insert(id, (Instant::now(), show.clone()));
        Ok(show)
    }

    /// Drops a show from the cache (after an admin edit).
    pub fn forget(&self, id: ShowId) {
        self.cache.write().expect("catalog lock").remove(&id);
    }
}
