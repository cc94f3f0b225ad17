//! Admin API (role admin only): `/api/admin/venues`, `/shows`, `/bookings` (JSON or CSV),
//! `/analytics`, `/staff`, `/users`, `/audit`.

use axum::extract::{Path, Query, State};
use axum::http::{header, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post, put};
use axum::{Json, Router};
use chrono::{DateTime, Duration, Utc};
use eventory_shared::api::{
    AnalyticsResponse, AuditView, BookingList, ShowRequest, StaffRequest, UserProfile, VenueRequest,
};
#[allow(unused_imports)] // named in the OpenAPI annotations
use eventory_shared::ApiErrorBody;
use eventory_shared::{BookingStatus, Channel, Show, ShowId, UserId, Venue, VenueId};
use serde::Deserialize;

use super::json::ApiJson;
use super::ApiError;
use crate::admin;
use crate::app::AppState;
use crate::auth::extract::AdminOnly;
use crate::store::BookingFilter;

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/api/admin/venues", get(venues).post(create_venue))
        .route("/api/admin/venues/{venue}", put(update_venue))
        .route("/api/admin/shows", post(create_show))
        .route("/api/admin/shows/{show}", put(update_show))
        .route("/api/admin/bookings", get(bookings))
        .route("/api/admin/analytics", get(analytics))
        .route("/api/admin/staff", post(create_staff))
        .route("/api/admin/users", get(users))
        .route("/api/admin/users/{user}/disable", post(disable))
        .route("/api/admin/users/{user}/enable", post(enable))
        .route("/api/admin/audit", get(audit))
}

#[utoipa::path(get, path = "/api/admin/venues", tag = "admin", responses((status = 200, body = Vec<Venue>), (status = 403, body = ApiErrorBody)), security(("bearer" = [])))]
pub(crate) async fn venues(
    State(state): State<AppState>,
    AdminOnly(_): AdminOnly,
) -> Result<Json<Vec<Venue>>, ApiError> {
    Ok(Json(state.store.venues().await?))
}

#[utoipa::path(post, path = "/api/admin/venues", tag = "admin", request_body = VenueRequest,
    responses((status = 201, body = Venue), (status = 422, body = ApiErrorBody), (status = 403, body = ApiErrorBody)), security(("bearer" = [])))]
pub(crate) async fn create_venue(
    State(state): State<AppState>,
    AdminOnly(caller): AdminOnly,
    ApiJson(body): ApiJson<VenueRequest>,
) -> Result<(StatusCode, Json<Venue>), ApiError> {
    Ok((
        StatusCode::CREATED,
        Json(admin::create_venue(&state, &caller, body).await?),
    ))
}

/// Replaces a venue's name and layout; 409 `seats_taken` listing sold seats the new layout drops.
#[utoipa::path(put, path = "/api/admin/venues/{venue}", tag = "admin", params(("venue" = String, Path)), request_body = VenueRequest,
    responses((status = 200, body = Venue), (status = 409, body = ApiErrorBody), (status = 404, body = ApiErrorBody)), security(("bearer" = [])))]
pub(crate) async fn update_venue(
    State(state): State<AppState>,
    AdminOnly(caller): AdminOnly,
    Path(venue): Path<VenueId>,
    ApiJson(body): ApiJson<VenueRequest>,
) -> Result<Json<Venue>, ApiError> {
    Ok(Json(
        admin::update_venue(&state, &caller, venue, body).await?,
    ))
}

#[utoipa::path(post, path = "/api/admin/shows", tag = "admin", request_body = ShowRequest,
    responses((status = 201, body = Show), (status = 422, body = ApiErrorBody)), security(("bearer" = [])))]
pub(crate) async fn create_show(
    State(state): State<AppState>,
    AdminOnly(caller): AdminOnly,
    ApiJson(body): ApiJson<ShowRequest>,
) -> Result<(StatusCode, Json<Show>), ApiError> {
    Ok((
        StatusCode::CREATED,
        Json(admin::create_show(&state, &caller, body).await?),
    ))
}

#[utoipa::path(put, path = "/api/admin/shows/{show}", tag = "admin", params(("show" = String, Path)), request_body = ShowRequest,
    responses((status = 200, body = Show), (status = 409, body = ApiErrorBody), (status = 404, body = ApiErrorBody)), security(("bearer" = [])))]
pub(crate) async fn update_show(
    State(state): State<AppState>,
    AdminOnly(caller): AdminOnly,
    Path(show): Path<ShowId>,
    ApiJson(body): ApiJson<ShowRequest>,
) -> Result<Json<Show>, ApiError> {
    Ok(Json(admin::update_show(&state, &caller, show, body).await?))
}

/// Query of `GET /api/admin/bookings`.
#[derive(Debug, Deserialize, utoipa::IntoParams)]
#[serde(deny_unknown_fields)]
pub(crate) struct BookingQuery {
    show_id: Option<ShowId>,
    from: Option<DateTime<Utc>>,
    to: Option<DateTime<Utc>>,
    channel: Option<Channel>,
    status: Option<BookingStatus>,
    limit: Option<usize>,
    /// "csv" for a CSV export.
    format: Option<String>,
}

/// All bookings with filters, newest first; `format=csv` exports them.
#[utoipa::path(get, path = "/api/admin/bookings", tag = "admin", params(BookingQuery),
    responses((status = 200, body = BookingList), (status = 400, body = ApiErrorBody)), security(("bearer" = [])))]
pub(crate) async fn bookings(
    State(state): State<AppState>,
    AdminOnly(_): AdminOnly,
    query: Result<Query<BookingQuery>, axum::extract::rejection::QueryRejection>,
) -> Result<Response, ApiError> {
    let Query(query) = query?;
    let records = state
        .store
        .bookings(&BookingFilter {
            show_id: query.show_id,
            user_id: None,
            channel: query.channel,
            status: query.status,
            from: query.from,
            to: query.to,
            limit: query.limit.unwrap_or(1000).min(10_000),
        })
        .await?;
    match query.format.as_deref() {
        None | Some("json") => Ok(Json(BookingList {
            bookings: records.into_iter().map(|r| r.booking).collect(),
        })
        .into_response()),
        Some("csv") => Ok((
            [
                (header::CONTENT_TYPE, "text/csv; charset=utf-8"),
                (
                    header::CONTENT_DISPOSITION,
                    "attachment; filename=\"bookings.csv\"",
                ),
            ],
            admin::bookings_csv(&records),
        )
            .into_response()),
        Some(other) => Err(ApiError::BadRequest(format!(
            "unknown format {other:?}: json or csv"
        ))),
    }
}

/// Query of `GET /api/admin/analytics` (default: the last 30 days).
#[derive(Debug, Deserialize, utoipa::IntoParams)]
#[serde(deny_unknown_fields)]
pub(crate) struct Period {
    from: Option<DateTime<Utc>>,
    to: Option<DateTime<Utc>>,
}

/// Revenue by day and channel, sales by show, occupancy of upcoming shows, reward redemption.
#[utoipa::path(get, path = "/api/admin/analytics", tag = "admin", params(Period),
    responses((status = 200, body = AnalyticsResponse)), security(("bearer" = [])))]
pub(crate) async fn analytics(
    State(state): State<AppState>,
    AdminOnly(_): AdminOnly,
    query: Result<Query<Period>, axum::extract::rejection::QueryRejection>,
) -> Result<Json<AnalyticsResponse>, ApiError> {
    let Query(period) = query?;
    let to = period
        .to
        .unwrap_or_else(|| Utc::now() + Duration::seconds(1));
    let from = period.from.unwrap_or(to - Duration::days(30));
    if from >= to {
        return Err(ApiError::Validation("from must be before to".into()));
    }
    Ok(Json(admin::analytics(&state, from, to).await?))
}

/// Creates a cashier or kiosk account.
#[utoipa::path(post, path = "/api/admin/staff", tag = "admin", request_body = StaffRequest,
    responses((status = 201, body = UserProfile), (status = 409, body = ApiErrorBody), (status = 422, body = ApiErrorBody)), security(("bearer" = [])))]
pub(crate) async fn create_staff(
    State(state): State<AppState>,
    AdminOnly(caller): AdminOnly,
    ApiJson(body): ApiJson<StaffRequest>,
) -> Result<(StatusCode, Json<UserProfile>), ApiError> {
    let user = admin::create_staff(&state, &caller, body).await?;
    Ok((
        StatusCode::CREATED,
        Json(UserProfile {
            id: user.id,
            email: user.email,
            display_name: user.display_name,
            role: user.role,
        }),
    ))
}

#[utoipa::path(get, path = "/api/admin/users", tag = "admin", responses((status = 200, body = Vec<UserProfile>)), security(("bearer" = [])))]
pub(crate) async fn users(
    State(state): State<AppState>,
    AdminOnly(_): AdminOnly,
) -> Result<Json<Vec<UserProfile>>, ApiError> {
    let users = state.store.users().await?;
    Ok(Json(
        users
            .into_iter()
            .map(|u| UserProfile {
                id: u.id,
                email: u.email,
                display_name: u.display_name,
                role: u.role,
            })
            .collect(),
    ))
}

/// Disables an account: it can no longer sign in or refresh.
#[utoipa::path(post, path = "/api/admin/users/{user}/disable", tag = "admin", params(("user" = String, Path)),
    responses((status = 204), (status = 404, body = ApiErrorBody)), security(("bearer" = [])))]
pub(crate) async fn disable(
    State(state): State<AppState>,
    AdminOnly(caller): AdminOnly,
    Path(user): Path<UserId>,
) -> Result<StatusCode, ApiError> {
    admin::set_disabled(&state, &caller, user, true).await?;
    Ok(StatusCode::NO_CONTENT)
}

#[utoipa::path(post, path = "/api/admin/users/{user}/enable", tag = "admin", params(("user" = String, Path)),
    responses((status = 204), (status = 404, body = ApiErrorBody)), security(("bearer" = [])))]
pub(crate) async fn enable(
    State(state): State<AppState>,
    AdminOnly(caller): AdminOnly,
    Path(user): Path<UserId>,
) -> Result<StatusCode, ApiError> {
    admin::set_disabled(&state, &caller, user, false).await?;
    Ok(StatusCode::NO_CONTENT)
}

#[derive(Debug, Deserialize, utoipa::IntoParams)]
#[serde(deny_unknown_fields)]
pub(crate) struct AuditQuery {
    limit: Option<usize>,
}

/// The audit log, newest first.
#[utoipa::path(get, path = "/api/admin/audit", tag = "admin", params(AuditQuery), responses((status = 200, body = Vec<AuditView>)), security(("bearer" = [])))]
pub(crate) async fn audit(
    State(state): State<AppState>,
    AdminOnly(_): AdminOnly,
    query: Result<Query<AuditQuery>, axum::extract::rejection::QueryRejection>,
) -> Result<Json<Vec<AuditView>>, ApiError> {
    let Query(query) = query?;
    let entries = state
        .store
        .audit_log(query.limit.unwrap_or(100).min(1000))
        .await?;
    Ok(Json(
        entries
            .into_iter()
            .map(|e| AuditView {
                at: e.at,
                actor: e.actor,
                action: e.action,
                subject: e.subject,
                detail: e.detail,
            })
            .collect(),
    ))
}
