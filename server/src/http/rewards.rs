//! Rewards and loyalty: `GET /api/bookings/{booking}/reward`,
//! `POST /api/bookings/{booking}/reward/scratch`, `GET /api/me/loyalty` (with the member
//! code), `POST /api/me/rewards/claim` (a printed claim code), and the point of sale's
//! `GET /api/customers/lookup`.

use axum::extract::Query;
use axum::extract::{Path, State};
use axum::Json;
use eventory_shared::api::{
    ClaimRequest, CouponView, CustomerView, LoyaltyView, RewardState, RewardView, ScratchResponse,
};
use eventory_shared::member::{member_code, member_qr, parse_member};
#[allow(unused_imports)] // named in the OpenAPI annotations
use eventory_shared::ApiErrorBody;
use eventory_shared::BookingId;
use eventory_shared::Role;

use super::json::{JsonBody, PathParam, QueryParams};
#[allow(unused_imports)] // named in the OpenAPI annotations
use super::openapi::{BadInput, BodyErrors, RoleOnly, SignedIn};
use super::ApiError;
use crate::http::extract::{AnyUser, PointOfSale};
use crate::http::AppState;
use axum_extra::extract::WithRejection;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

pub fn routes() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(reward))
        .routes(routes!(scratch))
        .routes(routes!(loyalty))
        .routes(routes!(claim))
        .routes(routes!(lookup))
}

fn view_of(card: crate::store::RewardRecord, claim_code: Option<String>) -> RewardView {
    let (state, prize) = match (card.voided, card.revealed) {
        (true, _) => (RewardState::Voided, None),
        (false, true) => (RewardState::Revealed, Some(card.prize)),
        (false, false) => (RewardState::Unscratched, None),
    };
    RewardView {
        state,
        prize,
        claim_code,
    }
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
    let usable = crate::rewards::may_use_card(state.store.as_ref(), &caller, booking).await?;
    let card = match state.store.reward(booking).await? {
        Some(card) if usable => card,
        _ => return Err(ApiError::NotFound("no reward for this booking".into())),
    };
    let claim_code = super::bookings::unclaimed_code(&state, &caller, booking).await?;
    Ok(Json(view_of(card, claim_code)))
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
    let member = (caller.role == Role::Customer).then_some(caller.user_id);
    Ok(Json(LoyaltyView {
        points,
        coupons,
        member_code: member.map(member_code),
        member_qr: member.map(member_qr),
    }))
}

/// A customer collects the scratch card of a sale made without them (the claim code printed
/// on its tickets), once; claiming it again answers the same card.
#[utoipa::path(post, path = "/api/me/rewards/claim", tag = "rewards", request_body = ClaimRequest,
    responses(SignedIn, BodyErrors,
        (status = 200, body = RewardView, description = "the card, now the caller's"),
        (status = 403, body = ApiErrorBody, description = "forbidden: only customer accounts collect cards"),
        (status = 404, body = ApiErrorBody, description = "not_found: no card has this claim code"),
        (status = 409, body = ApiErrorBody, description = "conflict: claimed by someone else, or voided by a refund")),
    security(("bearer" = [])))]
pub(crate) async fn claim(
    State(state): State<AppState>,
    AnyUser(caller): AnyUser,
    JsonBody(body): JsonBody<ClaimRequest>,
) -> Result<Json<RewardView>, ApiError> {
    let card = crate::rewards::claim(state.store.as_ref(), &caller, &body.code).await?;
    Ok(Json(view_of(card, None)))
}

/// `GET /api/customers/lookup?q=`: a member QR payload, a member code, or (counter staff) an
/// email address.
#[derive(Debug, serde::Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub(crate) struct LookupQuery {
    /// What was scanned or typed (without it, nobody is found).
    #[param(min_length = 1, max_length = 320, pattern = r"\S")]
    q: Option<String>,
}

/// The point of sale finds the customer a sale is for: by the member QR they show or its
/// code; counter staff also by email. Kiosks only by QR or code (no browsing by email).
#[utoipa::path(get, path = "/api/customers/lookup", tag = "rewards", params(LookupQuery),
    responses(RoleOnly, BadInput,
        (status = 200, body = CustomerView),
        (status = 404, body = ApiErrorBody, description = "not_found: no enabled customer account matches")),
    security(("bearer" = [])))]
pub(crate) async fn lookup(
    State(state): State<AppState>,
    PointOfSale(caller): PointOfSale,
    WithRejection(Query(query), _): QueryParams<LookupQuery>,
) -> Result<Json<CustomerView>, ApiError> {
    // Nothing scanned or typed names nobody (like an unknown code).
    let typed = query.q.as_deref().map(str::trim).unwrap_or_default();
    if typed.is_empty() || typed.chars().count() > 320 {
        return Err(ApiError::NotFound(
            "scan the member QR, or type a member code or an email (q)".into(),
        ));
    }
    let found = match parse_member(typed) {
        Some(id) => state.store.user(id).await?,
        None if caller.role.is_staff() && typed.contains('@') => {
            state
                .store
                .user_by_email(&crate::store::normalize_email(typed))
                .await?
        }
        None => None,
    };
    let user = found
        .filter(|u| u.role == Role::Customer && !u.disabled)
        .ok_or_else(|| ApiError::NotFound("no customer with this member code or email".into()))?;
    let points = state.store.loyalty_points(user.id).await?;
    let coupons = state
        .store
        .coupons_of_user(user.id)
        .await?
        .into_iter()
        .filter(|c| c.redeemed_by.is_none())
        .map(|c| CouponView {
            code: c.code,
            percent_off: c.percent_off,
            redeemed: false,
        })
        .collect();
    Ok(Json(CustomerView {
        id: user.id,
        display_name: user.display_name,
        member_code: member_code(user.id),
        points,
        coupons,
    }))
}
