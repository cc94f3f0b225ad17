//! The admin endpoints: bookings by filter (and their CSV export), analytics, audit log,
//! venues and shows, cancelling a show.

use chrono::Utc;
use eventory_shared::api::{
    AnalyticsResponse, AuditView, BookingList, CancelShowRequest, CancellationProgress,
    ShowRequest, VenueRequest,
};
use eventory_shared::{Booking, Show, ShowId, Venue};
use eventory_ui::protocol::BookingQuery;
use reqwest::Method;
use serde::Serialize;

use super::{ApiClient, ClientError};

/// The wire text of a snake_case enum ("confirmed").
fn enum_text<T: Serialize>(value: &T) -> String {
    serde_json::to_value(value)
        .ok()
        .and_then(|v| v.as_str().map(str::to_owned))
        .unwrap_or_default()
}

impl ApiClient {
    /// Admin: bookings by filter; `csv` asks for the CSV export instead of JSON.
    fn admin_bookings_path(query: &BookingQuery, csv: bool) -> String {
        let mut params = vec![format!("limit={}", if csv { 10_000 } else { 500 })];
        if let Some(show) = query.show_id {
            params.push(format!("show_id={show}"));
        }
        if let Some(status) = query.status {
            params.push(format!("status={}", enum_text(&status)));
        }
        if let Some(channel) = query.channel {
            params.push(format!("channel={}", enum_text(&channel)));
        }
        if let Some(days) = query.days {
            let from = Utc::now() - chrono::Duration::days(i64::from(days));
            params.push(format!("from={}", from.format("%Y-%m-%dT%H:%M:%SZ")));
        }
        if csv {
            params.push("format=csv".into());
        }
        format!("/api/admin/bookings?{}", params.join("&"))
    }

    pub async fn admin_bookings(&self, query: &BookingQuery) -> Result<Vec<Booking>, ClientError> {
        let list: BookingList = self
            .authed::<(), _>(Method::GET, &Self::admin_bookings_path(query, false), None)
            .await?;
        Ok(list.bookings)
    }

    /// Admin: the CSV export of the bookings matching `query`.
    pub async fn admin_bookings_csv(&self, query: &BookingQuery) -> Result<String, ClientError> {
        let token = self.access_token().await?;
        let response = self
            .request::<()>(
                Method::GET,
                &Self::admin_bookings_path(query, true),
                Some(&token),
                None,
                None,
            )
            .await?;
        Ok(response.text().await?)
    }

    pub async fn admin_analytics(&self) -> Result<AnalyticsResponse, ClientError> {
        self.authed::<(), _>(Method::GET, "/api/admin/analytics", None)
            .await
    }

    pub async fn admin_audit(&self) -> Result<Vec<AuditView>, ClientError> {
        self.authed::<(), _>(Method::GET, "/api/admin/audit?limit=200", None)
            .await
    }

    pub async fn admin_venues(&self) -> Result<Vec<Venue>, ClientError> {
        self.authed::<(), _>(Method::GET, "/api/admin/venues", None)
            .await
    }

    pub async fn admin_create_show(&self, request: &ShowRequest) -> Result<Show, ClientError> {
        self.authed(Method::POST, "/api/admin/shows", Some(request))
            .await
    }

    /// Admin: cancels a show (its sold bookings are refunded by the server); how far it is.
    pub async fn admin_cancel_show(
        &self,
        show: ShowId,
        reason: &str,
    ) -> Result<CancellationProgress, ClientError> {
        let body = CancelShowRequest {
            reason: reason.to_owned(),
        };
        self.authed_once(
            Method::POST,
            &format!("/api/admin/shows/{show}/cancel"),
            Some(&body),
            Some(&super::action_key("cancel-show", &[&show.to_string()])),
        )
        .await
    }

    /// Admin: how far the refunds of a cancelled show are.
    pub async fn admin_cancellation(
        &self,
        show: ShowId,
    ) -> Result<CancellationProgress, ClientError> {
        self.authed::<(), _>(
            Method::GET,
            &format!("/api/admin/shows/{show}/cancellation"),
            None,
        )
        .await
    }

    pub async fn admin_create_venue(&self, request: &VenueRequest) -> Result<Venue, ClientError> {
        self.authed(Method::POST, "/api/admin/venues", Some(request))
            .await
    }
}
