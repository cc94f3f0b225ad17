//! Holds: `POST /api/shows/{show}/holds`, `GET|DELETE /api/holds/{hold}`,
//! `POST /api/holds/{hold}/extend`.

use axum::extract::{Path, State};
use axum::http::{HeaderMap, StatusCode};
use axum::Json;
use eventory_shared::api::{CreateHoldRequest, HoldResponse};
#[allow(unused_imports)] // named in the OpenAPI annotations
use eventory_shared::ApiErrorBody;
use eventory_shared::{HoldId, ShowId};

use super::json::{JsonBody, PathParam};
#[allow(unused_imports)] // named in the OpenAPI annotations
use super::openapi::{BadInput, BodyErrors, RateLimited, SignedIn};
use super::ApiError;
use crate::http::extract::{ClientIp, Seller};
use crate::http::AppState;
use crate::seats::Hold;
use axum_extra::extract::WithRejection;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

pub fn routes() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(create))
        .routes(routes!(fetch, release))
        .routes(routes!(extend))
}

fn response(hold: Hold) -> HoldResponse {
    HoldResponse {
        hold_id: hold.id,
        show_id: hold.show_id,
        seats: hold.seats,
        expires_at: hold.expires_at,
    }
}

/// The `Idempotency-Key` header, if any: 1 to 128 visible ASCII characters (the pattern the
/// OpenAPI document gives it, [`IDEMPOTENCY_KEY_PATTERN`]), else 400.
pub fn idempotency_key(headers: &HeaderMap) -> Result<Option<String>, ApiError> {
    headers
        .get("idempotency-key")
        .map(|v| {
            let key = v.to_str().unwrap_or_default();
            let ok = (1..=128).contains(&key.len()) && key.bytes().all(|b| b.is_ascii_graphic());
            ok.then(|| key.to_owned()).ok_or_else(|| {
                ApiError::BadRequest(
                    "Idempotency-Key must be 1 to 128 visible ASCII characters".into(),
                )
            })
        })
        .transpose()
}

/// What [`idempotency_key`] accepts, as the OpenAPI document says it.
pub const IDEMPOTENCY_KEY_PATTERN: &str = "^[!-~]{1,128}$";

/// Holds all requested seats or none: 201 with the hold, or 409 `seats_taken` listing the
/// seats that are not available.
#[utoipa::path(post, path = "/api/shows/{show}/holds", tag = "holds",
    params(
        ("show" = ShowId, Path, description = "show id"),
        ("Idempotency-Key" = Option<String>, Header, pattern = "^[!-~]{1,128}$",
            description = "1 to 128 visible ASCII characters; a retry with the same key returns the same hold"),
    ),
    request_body = CreateHoldRequest,
    responses(
        SignedIn, BodyErrors, RateLimited,
        (status = 201, body = HoldResponse, description = "all seats held"),
        (status = 400, body = ApiErrorBody, description = "bad_request: a show id that is not a UUID, a bad Idempotency-Key, a body that does not parse"),
        (status = 404, body = ApiErrorBody, description = "not_found: no such show"),
        (status = 409, body = ApiErrorBody, description = "seats_taken (with the seats), hold_limit_reached (the account holds the most seats of this show it may), idempotency_conflict, conflict (the show is not on sale)"),
        (status = 422, body = ApiErrorBody, description = "unknown_seat (with the seats), too_many_seats, validation_failed"),
    ),
    security(("bearer" = [])))]
pub(crate) async fn create(
    State(state): State<AppState>,
    Seller(caller): Seller,
    ClientIp(client): ClientIp,
    WithRejection(Path(show), _): PathParam<ShowId>,
    headers: HeaderMap,
    JsonBody(body): JsonBody<CreateHoldRequest>,
) -> Result<(StatusCode, Json<HoldResponse>), ApiError> {
    let key = idempotency_key(&headers)?;
    let hold = state
        .holds
        .hold(&caller, client, show, body.seats, key)
        .await?;
    Ok((StatusCode::CREATED, Json(response(hold))))
}

/// The caller's hold.
#[utoipa::path(get, path = "/api/holds/{hold}", tag = "holds",
    params(("hold" = HoldId, Path, description = "hold id")),
    responses(SignedIn, BadInput,
        (status = 200, body = HoldResponse),
        (status = 404, body = ApiErrorBody, description = "not_found: no such hold of the caller's")),
    security(("bearer" = [])))]
pub(crate) async fn fetch(
    State(state): State<AppState>,
    Seller(caller): Seller,
    WithRejection(Path(hold), _): PathParam<HoldId>,
) -> Result<Json<HoldResponse>, ApiError> {
    Ok(Json(response(state.holds.get(&caller, hold).await?)))
}

/// Gives the caller's hold another full TTL.
#[utoipa::path(post, path = "/api/holds/{hold}/extend", tag = "holds",
    params(("hold" = HoldId, Path, description = "hold id")),
    responses(SignedIn, BadInput, RateLimited,
        (status = 200, body = HoldResponse),
        (status = 404, body = ApiErrorBody, description = "not_found: no such hold of the caller's"),
        (status = 409, body = ApiErrorBody, description = "conflict (payment for this hold has started) or hold_lifetime_reached (the hold lives no longer)"),
        (status = 410, body = ApiErrorBody, description = "hold_expired")),
    security(("bearer" = [])))]
pub(crate) async fn extend(
    State(state): State<AppState>,
    Seller(caller): Seller,
    ClientIp(client): ClientIp,
    WithRejection(Path(hold), _): PathParam<HoldId>,
) -> Result<Json<HoldResponse>, ApiError> {
    Ok(Json(response(
        state.holds.extend(&caller, client, hold).await?,
    )))
}

/// Releases the caller's hold: its seats are for sale again.
#[utoipa::path(delete, path = "/api/holds/{hold}", tag = "holds",
    params(("hold" = HoldId, Path, description = "hold id")),
    responses(SignedIn, BadInput,
        (status = 204, description = "released"),
        (status = 404, body = ApiErrorBody, description = "not_found: no such hold of the caller's"),
        (status = 409, body = ApiErrorBody, description = "conflict: payment for this hold has started"),
        (status = 410, body = ApiErrorBody, description = "hold_expired")),
    security(("bearer" = [])))]
pub(crate) async fn release(
    State(state): State<AppState>,
    Seller(caller): Seller,
    WithRejection(Path(hold), _): PathParam<HoldId>,
) -> Result<StatusCode, ApiError> {
    state.holds.release(&caller, hold).await?;
    Ok(StatusCode::NO_CONTENT)
}
