//! Reports computed by MongoDB: sales are aggregated from the confirmed bookings of the period
//! (a DateTime range on `created_at`); reward figures are counts.

use anyhow::anyhow;
use async_trait::async_trait;
use chrono::{DateTime, Utc};
use eventory_shared::{BookingStatus, Channel, ShowId};
use futures::TryStreamExt;
use mongodb::bson::{self, doc, Bson, Document};

use super::codec::{self, date};
use super::schema::{BOOKINGS, REWARDS};
use super::{string_of, MongoStore};
use crate::store::records::*;
use crate::store::{ReportStore, StoreError, StoreResult};

/// A count or sum of an aggregation, whatever number type the server chose.
fn number(d: &Document, key: &str) -> i64 {
    match d.get(key) {
        Some(Bson::Int32(n)) => i64::from(*n),
        Some(Bson::Int64(n)) => *n,
        Some(Bson::Double(n)) => *n as i64,
        _ => 0,
    }
}

fn malformed(e: impl std::fmt::Display) -> StoreError {
    StoreError::Backend(anyhow!("sales aggregation: {e}"))
}

impl MongoStore {
    /// The confirmed bookings of [from, to), grouped by `key`, with their count, seats and
    /// revenue.
    async fn sales_grouped(
        &self,
        from: DateTime<Utc>,
        to: DateTime<Utc>,
        key: Bson,
    ) -> StoreResult<Vec<Document>> {
        let confirmed = doc! {
            "status": string_of(&BookingStatus::Confirmed),
            "created_at": { "$gte": date(from), "$lt": date(to) },
        };
        let groups = self
            .coll(&BOOKINGS)
            .aggregate([
                doc! { "$match": confirmed },
                doc! { "$group": {
                    "_id": key,
                    "bookings": { "$sum": 1 },
                    "seats": { "$sum": { "$size": "$seats" } },
                    "revenue": { "$sum": "$amount.amount_minor" },
                } },
            ])
            .await?
            .try_collect()
            .await?;
        Ok(groups)
    }
}

#[async_trait]
impl ReportStore for MongoStore {
    async fn sales_report(
        &self,
        from: DateTime<Utc>,
        to: DateTime<Utc>,
    ) -> StoreResult<SalesReport> {
        let day = doc! { "$dateToString": { "format": "%Y-%m-%d", "date": "$created_at" } };
        let by_day = self
            .sales_grouped(
                from,
                to,
                Bson::Document(doc! { "day": day, "channel": "$channel" }),
            )
            .await?;
        let by_show = self
            .sales_grouped(from, to, Bson::String("$show_id".into()))
            .await?;
        let mut report = SalesReport::default();
        for d in by_day {
            let group = d.get_document("_id").map_err(malformed)?;
            let channel: Channel =
                bson::from_bson(group.get("channel").cloned().unwrap_or(Bson::Null))
                    .map_err(malformed)?;
            report.by_day.push(DayRevenue {
                day: group.get_str("day").unwrap_or_default().to_owned(),
                channel,
                bookings: number(&d, "bookings") as u64,
                seats: number(&d, "seats") as u64,
                revenue_minor: number(&d, "revenue"),
            });
        }
        for d in by_show {
            let Some(id) = d.get("_id").and_then(codec::uuid_of) else {
                continue;
            };
            report.by_show.push(ShowSales {
                show_id: ShowId::from_uuid(id),
                bookings: number(&d, "bookings") as u64,
                seats: number(&d, "seats") as u64,
                revenue_minor: number(&d, "revenue"),
            });
        }
        // Seats per ticket type: counted from the period's confirmed bookings (the types of a
        // booking are a map of its non-adult seats).
        let confirmed = doc! {
            "status": string_of(&BookingStatus::Confirmed),
            "created_at": { "$gte": date(from), "$lt": date(to) },
        };
        let projection = doc! { "seats": 1, "ticket_types": 1 };
        let mut cursor = self
            .coll(&BOOKINGS)
            .find(confirmed)
            .projection(projection)
            .await?;
        while let Some(d) = cursor.try_next().await? {
            let seats = d.get_array("seats").map_or(0, |s| s.len()) as u64;
            let mut typed = 0;
            if let Ok(types) = d.get_document("ticket_types") {
                for kind in types.values().filter_map(Bson::as_str) {
                    *report.by_ticket_type.entry(kind.to_owned()).or_default() += 1;
                    typed += 1;
                }
            }
            if seats > typed {
                *report
                    .by_ticket_type
                    .entry(eventory_shared::DEFAULT_TICKET_TYPE.to_owned())
                    .or_default() += seats - typed;
            }
        }
        report.by_day.sort_by(|a, b| {
            (&a.day, serde_json::to_string(&a.channel).ok())
                .cmp(&(&b.day, serde_json::to_string(&b.channel).ok()))
        });
        report
            .by_show
            .sort_by(|a, b| b.seats.cmp(&a.seats).then(a.show_id.cmp(&b.show_id)));
        Ok(report)
    }

    async fn reward_stats(&self) -> StoreResult<RewardStats> {
        let rewards = self.coll(&REWARDS);
        let count = |filter: Document| {
            let rewards = rewards.clone();
            async move { Ok::<_, StoreError>(rewards.count_documents(filter).await?) }
        };
        Ok(RewardStats {
            issued: count(doc! {}).await?,
            revealed: count(doc! { "revealed": true }).await?,
            voided: count(doc! { "voided": true }).await?,
        })
    }
}
