//! Admin API (role admin only): `/api/admin/venues`, `/shows` (and their cancellation),
//! `/bookings` (JSON or CSV),
//! `/analytics`, `/staff`, `/users`, `/audit`.

use axum::extract::{Path, Query, State};
use axum::http::{header, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::Json;
use chrono::{DateTime, Duration, Utc};
use eventory_shared::api::{
    AnalyticsResponse, AuditView, BookingList, CancelShowRequest, CancellationProgress,
    ShowRequest, StaffRequest, UserProfile, VenueRequest,
};
#[allow(unused_imports)] // named in the OpenAPI annotations
use eventory_shared::ApiErrorBody;
use eventory_shared::{BookingStatus, Channel, Show, ShowId, UserId, Venue, VenueId};
use serde::Deserialize;

use super::json::{JsonBody, PathParam, QueryParams};
#[allow(unused_imports)] // named in the OpenAPI annotations
use super::openapi::{BadInput, BodyErrors, RoleOnly};
use super::ApiError;
use crate::admin;
use crate::http::extract::AdminOnly;
use crate::http::AppState;
use crate::store::BookingFilter;
use axum_extra::extract::WithRejection;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

pub fn routes() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(venues, create_venue))
        .routes(routes!(update_venue))
        .routes(routes!(create_show))
        .routes(routes!(update_show))
        .routes(routes!(cancel_show))
        .routes(routes!(cancellation))
        .routes(routes!(bookings))
        .routes(routes!(analytics))
        .routes(routes!(create_staff))
        .routes(routes!(users))
        .routes(routes!(disable))
        .routes(routes!(enable))
        .routes(routes!(audit))
}

#[utoipa::path(get, path = "/api/admin/venues", tag = "admin",
    responses(RoleOnly, (status = 200, body = Vec<Venue>)), security(("bearer" = [])))]
pub(crate) async fn venues(
    State(state): State<AppState>,
    AdminOnly(_): AdminOnly,
) -> Result<Json<Vec<Venue>>, ApiError> {
    Ok(Json(state.store.venues().await?))
}

#[utoipa::path(post, path = "/api/admin/venues", tag = "admin", request_body = VenueRequest,
    responses(RoleOnly, BodyErrors,
        (status = 201, body = Venue),
        (status = 422, body = ApiErrorBody, description = "validation_failed: no seats, a seat or row twice, two seats in one place, an undeclared category, a name not 1 to 200 characters")),
    security(("bearer" = [])))]
pub(crate) async fn create_venue(
    State(state): State<AppState>,
    AdminOnly(caller): AdminOnly,
    JsonBody(body): JsonBody<VenueRequest>,
) -> Result<(StatusCode, Json<Venue>), ApiError> {
    Ok((
        StatusCode::CREATED,
        Json(state.admin.create_venue(&caller, body).await?),
    ))
}

/// Replaces a venue's name and layout; 409 `seats_taken` listing sold seats the new layout drops.
#[utoipa::path(put, path = "/api/admin/venues/{venue}", tag = "admin",
    params(("venue" = VenueId, Path, description = "venue id")), request_body = VenueRequest,
    responses(RoleOnly, BadInput, BodyErrors,
        (status = 200, body = Venue),
        (status = 404, body = ApiErrorBody, description = "not_found: no such venue"),
        (status = 409, body = ApiErrorBody, description = "seats_taken: sold seats the new layout drops"),
        (status = 422, body = ApiErrorBody, description = "validation_failed: the layout or the name is not acceptable (as for POST)")),
    security(("bearer" = [])))]
pub(crate) async fn update_venue(
    State(state): State<AppState>,
    AdminOnly(caller): AdminOnly,
    WithRejection(Path(venue), _): PathParam<VenueId>,
    JsonBody(body): JsonBody<VenueRequest>,
) -> Result<Json<Venue>, ApiError> {
    Ok(Json(state.admin.update_venue(&caller, venue, body).await?))
}

#[utoipa::path(post, path = "/api/admin/shows", tag = "admin", request_body = ShowRequest,
    responses(RoleOnly, BodyErrors,
        (status = 201, body = Show),
        (status = 404, body = ApiErrorBody, description = "not_found: no such venue"),
        (status = 422, body = ApiErrorBody, description = "validation_failed: sales must open before they close and close by the start; prices non-negative, in one currency, one per category of the venue; a title of 1 to 200 characters")),
    security(("bearer" = [])))]
pub(crate) async fn create_show(
    State(state): State<AppState>,
    AdminOnly(caller): AdminOnly,
    JsonBody(body): JsonBody<ShowRequest>,
) -> Result<(StatusCode, Json<Show>), ApiError> {
    Ok((
        StatusCode::CREATED,
        Json(state.admin.create_show(&caller, body).await?),
    ))
}

#[utoipa::path(put, path = "/api/admin/shows/{show}", tag = "admin",
    params(("show" = ShowId, Path, description = "show id")), request_body = ShowRequest,
    responses(RoleOnly, BadInput, BodyErrors,
        (status = 200, body = Show),
        (status = 404, body = ApiErrorBody, description = "not_found: no such show, or no such venue"),
        (status = 409, body = ApiErrorBody, description = "conflict: a show with sold seats cannot move to another venue"),
        (status = 422, body = ApiErrorBody, description = "validation_failed: as for POST")),
    security(("bearer" = [])))]
pub(crate) async fn update_show(
    State(state): State<AppState>,
    AdminOnly(caller): AdminOnly,
    WithRejection(Path(show), _): PathParam<ShowId>,
    JsonBody(body): JsonBody<ShowRequest>,
) -> Result<Json<Show>, ApiError> {
    Ok(Json(state.admin.update_show(&caller, show, body).await?))
}

/// Cancels the show: it leaves sale, and every sold booking is refunded (the refunds go on
/// after a restart until none is left); answers how far they are. Cancelling again answers
/// the progress.
#[utoipa::path(post, path = "/api/admin/shows/{show}/cancel", tag = "admin",
    params(("show" = ShowId, Path, description = "show id")), request_body = CancelShowRequest,
    responses(RoleOnly, BadInput, BodyErrors,
        (status = 202, body = CancellationProgress, description = "cancelled; refunds under way"),
        (status = 404, body = ApiErrorBody, description = "not_found: no such show"),
        (status = 422, body = ApiErrorBody, description = "validation_failed: no reason")),
    security(("bearer" = [])))]
pub(crate) async fn cancel_show(
    State(state): State<AppState>,
    AdminOnly(caller): AdminOnly,
    WithRejection(Path(show), _): PathParam<ShowId>,
    JsonBody(body): JsonBody<CancelShowRequest>,
) -> Result<(StatusCode, Json<CancellationProgress>), ApiError> {
    state.admin.cancel_show(&caller, show, &body.reason).await?;
    // Every follower of the show, on every instance, hears of it.
    state.feed.announce_cancelled(show).await;
    // Start at once; stopping the server stops this wherever it is, and the reconciler goes
    // on with whatever it leaves (here or on another instance, after a restart too).
    let (sales, stop) = (state.sales.clone(), state.shutdown.clone());
    state.request_tasks.spawn(async move {
        tokio::select! {
            () = stop.cancelled() => {}
            done = crate::sales::cancellation::refund_show(&sales, show) => {
                if let Err(e) = done {
                    tracing::warn!(%show, "refunds of the cancelled show: {e:#}");
                }
            }
        }
    });
    let progress = crate::sales::cancellation::progress(state.store.as_ref(), show).await?;
    Ok((StatusCode::ACCEPTED, Json(progress)))
}

/// How far the refunds of a cancelled show are (n of m refunded).
#[utoipa::path(get, path = "/api/admin/shows/{show}/cancellation", tag = "admin",
    params(("show" = ShowId, Path, description = "show id")),
    responses(RoleOnly, BadInput,
        (status = 200, body = CancellationProgress),
        (status = 404, body = ApiErrorBody, description = "not_found: no such show")),
    security(("bearer" = [])))]
pub(crate) async fn cancellation(
    State(state): State<AppState>,
    AdminOnly(_caller): AdminOnly,
    WithRejection(Path(show), _): PathParam<ShowId>,
) -> Result<Json<CancellationProgress>, ApiError> {
    if state.store.show(show).await?.is_none() {
        return Err(ApiError::NotFound("no such show".into()));
    }
    let progress = crate::sales::cancellation::progress(state.store.as_ref(), show).await?;
    Ok(Json(progress))
}

/// Query of `GET /api/admin/bookings`.
#[derive(Debug, Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
#[serde(deny_unknown_fields)]
pub(crate) struct BookingQuery {
    show_id: Option<ShowId>,
    /// Booked at or after.
    from: Option<DateTime<Utc>>,
    /// Booked before.
    to: Option<DateTime<Utc>>,
    #[param(inline)]
    channel: Option<Channel>,
    #[param(inline)]
    status: Option<BookingStatus>,
    /// At most this many bookings, newest first (default 1000).
    #[param(minimum = 1, maximum = 10000)]
    limit: Option<u32>,
    /// `json` (the default) or `csv` for a CSV export.
    #[param(inline)]
    format: Option<ExportFormat>,
}

/// How `GET /api/admin/bookings` answers.
#[derive(Clone, Copy, Debug, Default, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "lowercase")]
pub(crate) enum ExportFormat {
    #[default]
    Json,
    Csv,
}

/// A `limit` query parameter: `default` when absent, else within `1..=max` (as documented), or
/// 400.
fn limit(given: Option<u32>, default: usize, max: u32) -> Result<usize, ApiError> {
    match given {
        None => Ok(default),
        Some(n) if (1..=max).contains(&n) => Ok(n as usize),
        Some(n) => Err(ApiError::BadRequest(format!(
            "limit must be 1 to {max}, not {n}"
        ))),
    }
}

/// All bookings with filters, newest first; `format=csv` exports them.
#[utoipa::path(get, path = "/api/admin/bookings", tag = "admin", params(BookingQuery),
    responses(RoleOnly, BadInput,
        (status = 200, description = "the bookings (JSON), or with `format=csv` a CSV file",
            content((BookingList = "application/json"), (String = "text/csv")))),
    security(("bearer" = [])))]
pub(crate) async fn bookings(
    State(state): State<AppState>,
    AdminOnly(_): AdminOnly,
    WithRejection(Query(query), _): QueryParams<BookingQuery>,
) -> Result<Response, ApiError> {
    let records = state
        .store
        .bookings(&BookingFilter {
            show_id: query.show_id,
            user_id: None,
            channel: query.channel,
            status: query.status,
            from: query.from,
            to: query.to,
            limit: limit(query.limit, 1000, 10_000)?,
        })
        .await?;
    match query.format.unwrap_or_default() {
        ExportFormat::Json => Ok(Json(BookingList {
            bookings: records.into_iter().map(|r| r.booking).collect(),
        })
        .into_response()),
        ExportFormat::Csv => Ok((
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
    }
}

/// Query of `GET /api/admin/analytics` (default: the last 30 days).
#[derive(Debug, Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
#[serde(deny_unknown_fields)]
pub(crate) struct Period {
    from: Option<DateTime<Utc>>,
    to: Option<DateTime<Utc>>,
}

/// Revenue by day and channel, sales by show, occupancy of upcoming shows, reward redemption.
#[utoipa::path(get, path = "/api/admin/analytics", tag = "admin", params(Period),
    responses(RoleOnly, BadInput,
        (status = 200, body = AnalyticsResponse),
        (status = 422, body = ApiErrorBody, description = "validation_failed: from must be before to")),
    security(("bearer" = [])))]
pub(crate) async fn analytics(
    State(state): State<AppState>,
    AdminOnly(_): AdminOnly,
    WithRejection(Query(period), _): QueryParams<Period>,
) -> Result<Json<AnalyticsResponse>, ApiError> {
    let to = period
        .to
        .unwrap_or_else(|| Utc::now() + Duration::seconds(1));
    let from = period.from.unwrap_or(to - Duration::days(30));
    if from >= to {
        return Err(ApiError::Validation("from must be before to".into()));
    }
    Ok(Json(state.admin.analytics(from, to).await?))
}

/// Creates a cashier or kiosk account.
#[utoipa::path(post, path = "/api/admin/staff", tag = "admin", request_body = StaffRequest,
    responses(RoleOnly, BodyErrors,
        (status = 201, body = UserProfile),
        (status = 409, body = ApiErrorBody, description = "conflict: an account with this email exists"),
        (status = 422, body = ApiErrorBody, description = "validation_failed: an email, password or display name out of bounds")),
    security(("bearer" = [])))]
pub(crate) async fn create_staff(
    State(state): State<AppState>,
    AdminOnly(caller): AdminOnly,
    JsonBody(body): JsonBody<StaffRequest>,
) -> Result<(StatusCode, Json<UserProfile>), ApiError> {
    let user = state.admin.create_staff(&caller, body).await?;
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

#[utoipa::path(get, path = "/api/admin/users", tag = "admin",
    responses(RoleOnly, (status = 200, body = Vec<UserProfile>)), security(("bearer" = [])))]
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
#[utoipa::path(post, path = "/api/admin/users/{user}/disable", tag = "admin",
    params(("user" = UserId, Path, description = "user id")),
    responses(RoleOnly, BadInput,
        (status = 204, description = "disabled"),
        (status = 404, body = ApiErrorBody, description = "not_found: no such user"),
        (status = 409, body = ApiErrorBody, description = "conflict: an admin cannot disable their own account")),
    security(("bearer" = [])))]
pub(crate) async fn disable(
    State(state): State<AppState>,
    AdminOnly(caller): AdminOnly,
    WithRejection(Path(user), _): PathParam<UserId>,
) -> Result<StatusCode, ApiError> {
    state.admin.set_disabled(&caller, user, true).await?;
    Ok(StatusCode::NO_CONTENT)
}

#[utoipa::path(post, path = "/api/admin/users/{user}/enable", tag = "admin",
    params(("user" = UserId, Path, description = "user id")),
    responses(RoleOnly, BadInput,
        (status = 204, description = "enabled"),
        (status = 404, body = ApiErrorBody, description = "not_found: no such user"),
        (status = 409, body = ApiErrorBody, description = "conflict: an admin cannot enable or disable their own account")),
    security(("bearer" = [])))]
pub(crate) async fn enable(
    State(state): State<AppState>,
    AdminOnly(caller): AdminOnly,
    WithRejection(Path(user), _): PathParam<UserId>,
) -> Result<StatusCode, ApiError> {
    state.admin.set_disabled(&caller, user, false).await?;
    Ok(StatusCode::NO_CONTENT)
}

#[derive(Debug, Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
#[serde(deny_unknown_fields)]
pub(crate) struct AuditQuery {
    /// At most this many entries, newest first (default 100).
    #[param(minimum = 1, maximum = 1000)]
    limit: Option<u32>,
}

/// The audit log, newest first.
#[utoipa::path(get, path = "/api/admin/audit", tag = "admin", params(AuditQuery),
    responses(RoleOnly, BadInput, (status = 200, body = Vec<AuditView>)), security(("bearer" = [])))]
pub(crate) async fn audit(
    State(state): State<AppState>,
    AdminOnly(_): AdminOnly,
    WithRejection(Query(query), _): QueryParams<AuditQuery>,
) -> Result<Json<Vec<AuditView>>, ApiError> {
    let entries = state
        .store
        .audit_log(limit(query.limit, 100, 1000)?)
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
