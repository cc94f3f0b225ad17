//! Analytics: sales by day and channel, occupancy of upcoming shows, rewards handed out.

use super::{AdminDesk, AdminError};
use chrono::{DateTime, Utc};
use eventory_shared::api::{AnalyticsResponse, ShowOccupancy};

impl AdminDesk {
    pub async fn analytics(
        &self,
        from: DateTime<Utc>,
        to: DateTime<Utc>,
    ) -> Result<AnalyticsResponse, AdminError> {
        let sales = self.store.sales_report(from, to).await?;
        let rewards = self.store.reward_stats().await?;
        let mut occupancy = Vec::new();
        for show in self
            .store
            .upcoming_shows(Utc::now())
            .await?
            .into_iter()
            .take(200)
        {
            let capacity = match self.store.venue(show.venue_id).await? {
                Some(v) => v.layout.capacity() as u64,
                None => continue,
            };
            let sold = self.store.live_tickets_of_show(show.id).await?.len() as u64;
            occupancy.push(ShowOccupancy {
                show_id: show.id,
                title: show.title,
                starts_at: show.starts_at,
                sold,
                capacity,
            });
        }
        Ok(AnalyticsResponse {
            from,
            to,
            sales,
            occupancy,
            rewards,
        })
    }
}
