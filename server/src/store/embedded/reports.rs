//! Reports over the embedded file: sales read the [from, to) range of `bookings_by_time`
//! only; reward figures count the rewards.

use std::collections::{BTreeMap, HashMap};

use async_trait::async_trait;
use chrono::{DateTime, Utc};
use eventory_shared::{BookingStatus, ShowId};

use super::schema::*;
use super::table::backend;
use super::EmbeddedStore;
use crate::store::records::*;
use crate::store::{ReportStore, StoreResult};

#[async_trait]
impl ReportStore for EmbeddedStore {
    async fn sales_report(
        &self,
        from: DateTime<Utc>,
        to: DateTime<Utc>,
    ) -> StoreResult<SalesReport> {
        let bookings: Vec<BookingRecord> = self
            .read(move |tx| {
                let bookings = BOOKINGS.read(tx)?;
                let mut out = Vec::new();
                BOOKINGS_BY_TIME.read(tx)?.visit_range(
                    &time_key(from),
                    Some(&time_key(to)),
                    false,
                    |_, id| {
                        out.extend(bookings.get(&id)?);
                        Ok(true)
                    },
                )?;
                Ok(out)
            })
            .await?;
        let mut by_day: BTreeMap<(String, String), DayRevenue> = BTreeMap::new();
        let mut by_show: HashMap<ShowId, ShowSales> = HashMap::new();
        let mut by_ticket_type: BTreeMap<String, u64> = BTreeMap::new();
        for record in bookings {
            let b = record.booking;
            if b.status != BookingStatus::Confirmed || b.created_at < from || b.created_at >= to {
                continue;
            }
            for seat in &b.seats {
                *by_ticket_type
                    .entry(b.ticket_type(seat).to_owned())
                    .or_default() += 1;
            }
            let day = b.created_at.format("%Y-%m-%d").to_string();
            let channel = serde_json::to_string(&b.channel).map_err(backend)?;
            let entry = by_day.entry((day.clone(), channel)).or_insert(DayRevenue {
                day,
                channel: b.channel,
                bookings: 0,
                seats: 0,
                revenue_minor: 0,
            });
            entry.bookings += 1;
            entry.seats += b.seats.len() as u64;
            entry.revenue_minor += b.amount.amount_minor;
            let show = by_show.entry(b.show_id).or_insert(ShowSales {
                show_id: b.show_id,
                bookings: 0,
                seats: 0,
                revenue_minor: 0,
            });
            show.bookings += 1;
            show.seats += b.seats.len() as u64;
            show.revenue_minor += b.amount.amount_minor;
        }
        let mut by_show: Vec<ShowSales> = by_show.into_values().collect();
        by_show.sort_by(|a, b| b.seats.cmp(&a.seats).then(a.show_id.cmp(&b.show_id)));
        Ok(SalesReport {
            by_day: by_day.into_values().collect(),
            by_show,
            by_ticket_type,
        })
    }

    async fn reward_stats(&self) -> StoreResult<RewardStats> {
        let rewards = self.read(|tx| REWARDS.read(tx)?.all()).await?;
        Ok(RewardStats {
            issued: rewards.len() as u64,
            revealed: rewards.iter().filter(|r| r.revealed).count() as u64,
            voided: rewards.iter().filter(|r| r.voided).count() as u64,
        })
    }
}
