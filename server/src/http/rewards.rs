//! Rewards and loyalty: `GET /api/bookings/{booking}/reward`,
//! `POST /api/bookings/{booking}/reward/scratch`, `GET /api/me/loyalty`.

use axum::extract::{Path, State};
use axum::Json;
use eventory_shared::api::{CouponView, LoyaltyView, RewardState, RewardView, ScratchResponse};
#[allow(unused_imports)] // named in the OpenAPI annotations
use eventory_shared::ApiErrorBody;
use eventory_shared::BookingId;

use super::json::PathParam;
#[allow(unused_imports)] // named in the OpenAPI annotations
use super::openapi::{BadInput, SignedIn};
use super::ApiError;
use crate::http::extract::AnyUser;
use crate::http::AppState;
use axum_extra::extract::WithRejection;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

pub fn routes() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(reward))
        .routes(routes!(scratch))
        .routes(routes!(loyalty))
}

/// The booking's scratch card; the prize shows only once scratched.
#[utoipa::path(get, path = "/api/bookings/{booking}/reward", tag = "rewards",
    params(("booking" = BookingId, Path, description = "booking id")),
    responses(SignedIn, BadInput,
        (status = 200, body = RewardView),
        (status = 404, body = ApiErrorBody, description = "not_found: no reward for a booking of the caller's")),
    security(("bearer" = [])))]
pub(crate) async fn reward(
    State(state): State<AppState>,
    AnyUser(caller): AnyUser,
    WithRejection(Path(booking), _): PathParam<BookingId>,
) -> Result<Json<RewardView>, ApiError> {
    let owned = state
        .store
        .booking(booking)
        .await?
        .is_some_and(|r| r.booking.user_id == Some(caller.user_id));
    let card = match state.store.reward(booking).await? {
        Some(card) if owned => card,
        _ => return Err(ApiError::NotFound("no reward for this booking".into())),
    };
    let view = if card.voided {
        RewardView {
            state: RewardState::Voided,
            prize: None,
        }
    } else if card.revealed {
        RewardView {
            state: RewardState::Revealed,
            prize: Some(card.prize),
        }
    } else {
        RewardView {
            state: RewardState::Unscratched,
            prize: None,
        }
    };
    Ok(Json(view))
}

/// Scratches the card: the prize, revealed once; scratching again shows the same prize.
#[utoipa::path(post, path = "/api/bookings/{booking}/reward/scratch", tag = "rewards",
    params(("booking" = BookingId, Path, description = "booking id")),
    responses(SignedIn, BadInput,
        (status = 200, body = ScratchResponse),
        (status = 404, body = ApiErrorBody, description = "not_found: no reward for a booking of the caller's"),
        (status = 409, body = ApiErrorBody, description = "conflict: the card was voided (its booking was refunded)")),
    security(("bearer" = [])))]
pub(crate) async fn scratch(
    State(state): State<AppState>,
    AnyUser(caller): AnyUser,
    WithRejection(Path(booking), _): PathParam<BookingId>,
) -> Result<Json<ScratchResponse>, ApiError> {
    let scratched = crate::rewards::scratch(state.store.as_ref(), &caller, booking).await?;
    Ok(Json(ScratchResponse {
        prize: scratched.prize,
        first_reveal: scratched.first_reveal,
    }))
}

/// The caller's points and coupons.
#[utoipa::path(get, path = "/api/me/loyalty", tag = "rewards",
    responses(SignedIn, (status = 200, body = LoyaltyView)),
    security(("bearer" = [])))]
pub(crate) async fn loyalty(
    State(state): State<AppState>,
    AnyUser(caller): AnyUser,
) -> Result<Json<LoyaltyView>, ApiError> {
    let points = state.store.loyalty_points(caller.user_id).await?;
    let coupons = state
        .store
        .coupons_of_user(caller.user_id)
        .await?
        .into_iter()
        .map(|c| CouponView {
            code: c.code,
            percent_off: c.percent_off,
            redeemed: c.redeemed_by.is_some(),
        })
        .collect();
    Ok(Json(LoyaltyView { points, coupons }))
}
