//! Venues and shows in the embedded file; shows are also indexed by start time
//! (`shows_by_start`), so a day's shows and the upcoming ones are one range read.

use async_trait::async_trait;
use chrono::{DateTime, Duration, Utc};
use eventory_shared::api::ShowFilter;
use eventory_shared::{Show, ShowId, ShowStatus, Venue, VenueId};

use super::schema::*;
use super::EmbeddedStore;
use crate::store::{CatalogStore, StoreResult};

impl EmbeddedStore {
    /// The shows whose start is in [from, to) (unbounded above without `to`), by start time,
    /// that `keep` accepts.
    async fn shows_starting(
        &self,
        from: DateTime<Utc>,
        to: Option<DateTime<Utc>>,
        keep: impl Fn(&Show) -> bool + Send + 'static,
    ) -> StoreResult<Vec<Show>> {
        self.read(move |tx| {
            let (index, shows) = (SHOWS_BY_START.read(tx)?, SHOWS.read(tx)?);
            let end = to.map(time_key);
            let mut out = Vec::new();
            index.visit_range(&time_key(from), end.as_deref(), false, |_, id| {
                if let Some(show) = shows.get(&id)? {
                    if keep(&show) {
                        out.push(show);
                    }
                }
                Ok(true)
            })?;
            Ok(out)
        })
        .await
    }
}

#[async_trait]
impl CatalogStore for EmbeddedStore {
    async fn insert_venue(&self, venue: &Venue) -> StoreResult<()> {
        let venue = venue.clone();
        self.write(move |tx| {
            VENUES
                .write(tx)?
                .insert_new(&venue.id.to_string(), &venue, "venue")
        })
        .await
    }

    async fn venue(&self, id: VenueId) -> StoreResult<Option<Venue>> {
        self.read(move |tx| VENUES.read(tx)?.get(&id.to_string()))
            .await
    }

    async fn venues(&self) -> StoreResult<Vec<Venue>> {
        self.read(|tx| VENUES.read(tx)?.all()).await
    }

    async fn update_venue(&self, venue: &Venue) -> StoreResult<bool> {
        let venue = venue.clone();
        self.write(move |tx| {
            let mut venues = VENUES.write(tx)?;
            let key = venue.id.to_string();
            if !venues.contains(&key)? {
                return Ok(false);
            }
            venues.insert(&key, &venue)?;
            Ok(true)
        })
        .await
    }

    async fn insert_show(&self, show: &Show) -> StoreResult<()> {
        let show = show.clone();
        self.write(move |tx| {
            let key = show.id.to_string();
            SHOWS.write(tx)?.insert_new(&key, &show, "show")?;
            SHOWS_BY_START
                .write(tx)?
                .insert(&indexed(None, show.starts_at, &key), &key)
        })
        .await
    }

    async fn show(&self, id: ShowId) -> StoreResult<Option<Show>> {
        self.read(move |tx| SHOWS.read(tx)?.get(&id.to_string()))
            .await
    }

    async fn shows(&self, filter: &ShowFilter) -> StoreResult<Vec<Show>> {
        let venue = filter.venue_id;
        let keep = move |s: &Show| venue.is_none_or(|v| s.venue_id == v);
        match filter.date {
            Some(day) => {
                let start = day_start(day);
                self.shows_starting(start, Some(start + Duration::days(1)), keep)
                    .await
            }
            None => {
                self.shows_starting(DateTime::<Utc>::MIN_UTC, None, keep)
                    .await
            }
        }
    }

    async fn upcoming_shows(&self, now: DateTime<Utc>) -> StoreResult<Vec<Show>> {
        self.shows_starting(now, None, move |s| {
            s.starts_at > now && s.status != ShowStatus::Cancelled
        })
        .await
    }

    async fn cancelled_shows(&self, from: DateTime<Utc>) -> StoreResult<Vec<Show>> {
        self.shows_starting(from, None, |s| s.status == ShowStatus::Cancelled)
            .await
    }

    async fn update_show(&self, show: &Show) -> StoreResult<bool> {
        let show = show.clone();
        self.write(move |tx| {
            let mut shows = SHOWS.write(tx)?;
            let key = show.id.to_string();
            let Some(old) = shows.get(&key)? else {
                return Ok(false);
            };
            shows.insert(&key, &show)?;
            let mut by_start = SHOWS_BY_START.write(tx)?;
            by_start.remove(&indexed(None, old.starts_at, &key))?;
            by_start.insert(&indexed(None, show.starts_at, &key), &key)?;
            Ok(true)
        })
        .await
    }
}
