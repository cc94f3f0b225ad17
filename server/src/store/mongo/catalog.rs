//! Venues and shows in MongoDB; shows are found by start time (a DateTime range on the
//! `starts_at` index).

use async_trait::async_trait;
use chrono::{DateTime, Duration, Utc};
use eventory_shared::api::ShowFilter;
use eventory_shared::{Show, ShowId, ShowStatus, Venue, VenueId};
use mongodb::bson::doc;

use super::codec::{self, date, uuid};
use super::schema::{SHOWS, VENUES};
use super::{string_of, MongoStore};
use crate::store::{CatalogStore, StoreResult};

#[async_trait]
impl CatalogStore for MongoStore {
    async fn insert_venue(&self, venue: &Venue) -> StoreResult<()> {
        self.insert_unique(&VENUES, uuid(venue.id.as_uuid()), venue, "venue")
            .await
    }

    async fn venue(&self, id: VenueId) -> StoreResult<Option<Venue>> {
        self.find_one(&VENUES, doc! { "_id": uuid(id.as_uuid()) })
            .await
    }

    async fn venues(&self) -> StoreResult<Vec<Venue>> {
        self.find_all(&VENUES, doc! {}, None, None).await
    }

    async fn update_venue(&self, venue: &Venue) -> StoreResult<bool> {
        let id = uuid(venue.id.as_uuid());
        let result = self
            .coll(&VENUES)
            .replace_one(
                doc! { "_id": id.clone() },
                codec::encode(&VENUES, id, venue)?,
            )
            .await?;
        Ok(result.matched_count == 1)
    }

    async fn insert_show(&self, show: &Show) -> StoreResult<()> {
        self.insert_unique(&SHOWS, uuid(show.id.as_uuid()), show, "show")
            .await
    }

    async fn show(&self, id: ShowId) -> StoreResult<Option<Show>> {
        self.find_one(&SHOWS, doc! { "_id": uuid(id.as_uuid()) })
            .await
    }

    async fn shows(&self, filter: &ShowFilter) -> StoreResult<Vec<Show>> {
        let mut query = doc! {};
        if let Some(day) = filter.date {
            let start = day.and_time(chrono::NaiveTime::MIN).and_utc();
            query.insert(
                "starts_at",
                doc! { "$gte": date(start), "$lt": date(start + Duration::days(1)) },
            );
        }
        if let Some(venue) = filter.venue_id {
            query.insert("venue_id", uuid(venue.as_uuid()));
        }
        self.find_all(&SHOWS, query, Some(doc! { "starts_at": 1, "_id": 1 }), None)
            .await
    }

    async fn upcoming_shows(&self, now: DateTime<Utc>) -> StoreResult<Vec<Show>> {
        let query = doc! {
            "starts_at": { "$gt": date(now) },
            "status": { "$ne": string_of(&ShowStatus::Cancelled) },
        };
        self.find_all(&SHOWS, query, Some(doc! { "starts_at": 1, "_id": 1 }), None)
            .await
    }

    async fn cancelled_shows(&self, from: DateTime<Utc>) -> StoreResult<Vec<Show>> {
        let query = doc! {
            "starts_at": { "$gte": date(from) },
            "status": string_of(&ShowStatus::Cancelled),
        };
        self.find_all(&SHOWS, query, Some(doc! { "starts_at": 1, "_id": 1 }), None)
            .await
    }

    async fn update_show(&self, show: &Show) -> StoreResult<bool> {
        let id = uuid(show.id.as_uuid());
        let result = self
            .coll(&SHOWS)
            .replace_one(doc! { "_id": id.clone() }, codec::encode(&SHOWS, id, show)?)
            .await?;
        Ok(result.matched_count == 1)
    }
}
