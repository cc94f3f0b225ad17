//! Holds: `POST /api/shows/{show}/holds`, `GET|DELETE /api/holds/{hold}`,
//! `POST /api/holds/{hold}/extend`.

use super::json::ApiJson;
use axum::extract::{Path, State};
use axum::http::{HeaderMap, StatusCode};
use axum::routing::{get, post};
use axum::{Json, Router};
use eventory_shared::api::{CreateHoldRequest, HoldResponse};
#[allow(unused_imports)] // named in the OpenAPI annotations
use eventory_shared::ApiErrorBody;
use eventory_shared::{HoldId, ShowId};

use super::ApiError;
use crate::app::AppState;
use crate::auth::extract::Seller;
use crate::seats::Hold;

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/api/shows/{show}/holds", post(create))
        .route("/api/holds/{hold}", get(fetch).delete(release))
        .route("/api/holds/{hold}/extend", post(extend))
}

fn response(hold: Hold) -> HoldResponse {
    HoldResponse {
        hold_id: hold.id,
        show_id: hold.show_id,
        seats: hold.seats,
        expires_at: hold.expires_at,
    }
}

/// The `Idempotency-Key` header, if any.
pub fn idempotency_key(headers: &HeaderMap) -> Result<Option<String>, ApiError> {
    headers
        .get("idempotency-key")
        .map(|v| {
            v.to_str()
                .map(str::to_owned)
                .map_err(|_| ApiError::BadRequest("Idempotency-Key must be visible ASCII".into()))
        })
        .transpose()
}

/// Holds all requested seats or none: 201 with the hold, or 409 `seats_taken` listing the
/// seats that are not available.
#[utoipa::path(post, path = "/api/shows/{show}/holds", tag = "holds",
    params(
        ("show" = String, Path, description = "show id"),
        ("Idempotency-Key" = Option<String>, Header, description = "a retry with the same key returns the same hold"),
    ),
    request_body = CreateHoldRequest,
    responses(
        (status = 201, body = HoldResponse, description = "all seats held"),
        (status = 409, body = ApiErrorBody, description = "seats_taken (with the seats) or idempotency_conflict"),
        (status = 422, body = ApiErrorBody, description = "unknown_seat, too_many_seats, validation_failed"),
        (status = 400, body = ApiErrorBody), (status = 401, body = ApiErrorBody), (status = 404, body = ApiErrorBody),
    ),
    security(("bearer" = [])))]
pub(crate) async fn create(
    State(state): State<AppState>,
    Seller(caller): Seller,
    Path(show): Path<ShowId>,
    headers: HeaderMap,
    ApiJson(body): ApiJson<CreateHoldRequest>,
) -> Result<(StatusCode, Json<HoldResponse>), ApiError> {
    let key = idempotency_key(&headers)?;
    let hold = state.holds.hold(&caller, show, body.seats, key).await?;
    Ok((StatusCode::CREATED, Json(response(hold))))
}

/// The caller's hold.
#[utoipa::path(get, path = "/api/holds/{hold}", tag = "holds",
    params(("hold" = String, Path, description = "hold id")),
    responses((status = 200, body = HoldResponse), (status = 401, body = ApiErrorBody), (status = 404, body = ApiErrorBody)),
    security(("bearer" = [])))]
pub(crate) async fn fetch(
    State(state): State<AppState>,
    Seller(caller): Seller,
    Path(hold): Path<HoldId>,
) -> Result<Json<HoldResponse>, ApiError> {
    Ok(Json(response(state.holds.get(&caller, hold).await?)))
}

/// Gives the caller's hold another full TTL.
#[utoipa::path(post, path = "/api/holds/{hold}/extend", tag = "holds",
    params(("hold" = String, Path, description = "hold id")),
    responses((status = 200, body = HoldResponse), (status = 410, body = ApiErrorBody, description = "hold_expired"), (status = 409, body = ApiErrorBody, description = "payment started"), (status = 401, body = ApiErrorBody), (status = 404, body = ApiErrorBody)),
    security(("bearer" = [])))]
pub(crate) async fn extend(
    State(state): State<AppState>,
    Seller(caller): Seller,
    Path(hold): Path<HoldId>,
) -> Result<Json<HoldResponse>, ApiError> {
    Ok(Json(response(state.holds.extend(&caller, hold).await?)))
}

/// Releases the caller's hold: its seats are for sale again.
#[utoipa::path(delete, path = "/api/holds/{hold}", tag = "holds",
    params(("hold" = String, Path, description = "hold id")),
    responses((status = 204), (status = 401, body = ApiErrorBody), (status = 404, body = ApiErrorBody)),
    security(("bearer" = [])))]
pub(crate) async fn release(
    State(state): State<AppState>,
    Seller(caller): Seller,
    Path(hold): Path<HoldId>,
) -> Result<StatusCode, ApiError> {
    state.holds.release(&caller, hold).await?;
    Ok(StatusCode::NO_CONTENT)
}
