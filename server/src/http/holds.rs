//! Holds: `POST /api/shows/{show}/holds`, `GET|DELETE /api/holds/{hold}`,
//! `POST /api/holds/{hold}/extend`.

use super::json::ApiJson;
use axum::extract::{Path, State};
use axum::http::{HeaderMap, StatusCode};
use axum::routing::{get, post};
use axum::{Json, Router};
use eventory_shared::api::{CreateHoldRequest, HoldResponse};
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
async fn create(
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

async fn fetch(
    State(state): State<AppState>,
    Seller(caller): Seller,
    Path(hold): Path<HoldId>,
) -> Result<Json<HoldResponse>, ApiError> {
    Ok(Json(response(state.holds.get(&caller, hold).await?)))
}

async fn extend(
    State(state): State<AppState>,
    Seller(caller): Seller,
    Path(hold): Path<HoldId>,
) -> Result<Json<HoldResponse>, ApiError> {
    Ok(Json(response(state.holds.extend(&caller, hold).await?)))
}

async fn release(
    State(state): State<AppState>,
    Seller(caller): Seller,
    Path(hold): Path<HoldId>,
) -> Result<StatusCode, ApiError> {
    state.holds.release(&caller, hold).await?;
    Ok(StatusCode::NO_CONTENT)
}
