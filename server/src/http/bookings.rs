//! Checkout and bookings: `POST /api/holds/{hold}/checkout`, `GET /api/bookings/{booking}`,
//! `GET /api/bookings/mine`.

use axum::extract::{Path, State};
use axum::http::{HeaderMap, StatusCode};
use axum::Json;
use eventory_shared::api::{
    BookingList, BookingTickets, CheckoutRequest, CheckoutResponse, ExchangeRequest, RefundRequest,
    TicketView,
};
#[allow(unused_imports)] // named in the OpenAPI annotations
use eventory_shared::ApiErrorBody;
use eventory_shared::{Booking, BookingId, HoldId};

use super::holds::idempotency_key;
use super::json::{JsonBody, PathParam};
#[allow(unused_imports)] // named in the OpenAPI annotations
use super::openapi::{BadInput, BodyErrors, RoleOnly, SignedIn};
use super::ApiError;
use crate::auth::Caller;
use crate::http::extract::{AnyUser, Seller, Staff};
use crate::http::AppState;
use crate::store::BookingFilter;
use axum_extra::extract::WithRejection;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

pub fn routes() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(checkout))
        .routes(routes!(mine))
        .routes(routes!(fetch))
        .routes(routes!(by_code))
        .routes(routes!(tickets))
        .routes(routes!(refund))
        .routes(routes!(exchange))
}

/// Starts paying for a hold: the booking exists (pending) when this answers 202; follow it on
/// the live feed or with `GET /api/bookings/{booking}`.
#[utoipa::path(post, path = "/api/holds/{hold}/checkout", tag = "bookings",
    params(
        ("hold" = HoldId, Path, description = "hold id"),
        ("Idempotency-Key" = Option<String>, Header, pattern = "^[!-~]{1,128}$",
            description = "1 to 128 visible ASCII characters; a retry with the same key returns the same booking"),
    ),
    request_body = CheckoutRequest,
    responses(
        SignedIn, BodyErrors,
        (status = 202, body = CheckoutResponse, description = "booking created, payment under way"),
        (status = 403, body = ApiErrorBody, description = "forbidden: this role may not pay this way (cash is for the counter)"),
        (status = 404, body = ApiErrorBody, description = "not_found: no such hold of the caller's"),
        (status = 409, body = ApiErrorBody, description = "conflict (payment already started), seats_taken, idempotency_conflict"),
        (status = 410, body = ApiErrorBody, description = "hold_expired"),
        (status = 422, body = ApiErrorBody, description = "validation_failed: cash short or missing, an unknown or used coupon, an unpriced seat"),
    ),
    security(("bearer" = [])))]
pub(crate) async fn checkout(
    State(state): State<AppState>,
    Seller(caller): Seller,
    WithRejection(Path(hold), _): PathParam<HoldId>,
    headers: HeaderMap,
    JsonBody(body): JsonBody<CheckoutRequest>,
) -> Result<(StatusCode, Json<CheckoutResponse>), ApiError> {
    let key = idempotency_key(&headers)?;
    let done = state
        .checkout
        .checkout(
            &caller,
            hold,
            body.payment,
            body.cash_tendered,
            body.coupon,
            body.customer_id,
            body.ticket_types,
            key,
        )
        .await?;
    Ok((
        StatusCode::ACCEPTED,
        Json(CheckoutResponse {
            booking: done.booking.booking,
            change_due: done.change_due,
        }),
    ))
}

/// A booking the caller may see ([`crate::auth::may_see`]: the buyer's, any for counter
/// staff, a kiosk's just-made one); anything else is "not found" (a stranger learns nothing
/// about other people's bookings).
async fn visible_booking(
    state: &AppState,
    caller: &Caller,
    booking: BookingId,
) -> Result<crate::store::BookingRecord, ApiError> {
    let now = chrono::Utc::now();
    state
        .store
        .booking(booking)
        .await?
        .filter(|r| crate::auth::may_see(caller, &r.booking, now))
        .ok_or_else(|| ApiError::NotFound("no such booking".into()))
}

/// A booking: its owner's, or any for staff.
#[utoipa::path(get, path = "/api/bookings/{booking}", tag = "bookings",
    params(("booking" = BookingId, Path, description = "booking id")),
    responses(SignedIn, BadInput,
        (status = 200, body = Booking),
        (status = 404, body = ApiErrorBody, description = "not_found: no such booking the caller may see")),
    security(("bearer" = [])))]
pub(crate) async fn fetch(
    State(state): State<AppState>,
    AnyUser(caller): AnyUser,
    WithRejection(Path(booking), _): PathParam<BookingId>,
) -> Result<Json<Booking>, ApiError> {
    let record = visible_booking(&state, &caller, booking).await?;
    Ok(Json(record.booking))
}

/// Staff: the booking with this code (the code printed on tickets, asked for at the counter).
#[utoipa::path(get, path = "/api/bookings/by-code/{code}", tag = "bookings",
    params(("code" = String, Path, description = "booking code, any letter case")),
    responses(RoleOnly, BadInput,
        (status = 200, body = Booking),
        (status = 404, body = ApiErrorBody, description = "not_found: no booking with that code")),
    security(("bearer" = [])))]
pub(crate) async fn by_code(
    State(state): State<AppState>,
    Staff(_caller): Staff,
    WithRejection(Path(code), _): PathParam<String>,
) -> Result<Json<Booking>, ApiError> {
    let code = code.trim().to_ascii_uppercase();
    if code.is_empty() || code.len() > 32 || !code.chars().all(|c| c.is_ascii_alphanumeric()) {
        return Err(ApiError::NotFound("no booking with that code".into()));
    }
    let record = state
        .store
        .booking_by_code(&code)
        .await?
        .ok_or_else(|| ApiError::NotFound("no booking with that code".into()))?;
    Ok(Json(record.booking))
}

/// The tickets of a booking (its owner's, or any for staff): what a printed ticket shows.
#[utoipa::path(get, path = "/api/bookings/{booking}/tickets", tag = "bookings",
    params(("booking" = BookingId, Path, description = "booking id")),
    responses(SignedIn, BadInput,
        (status = 200, body = BookingTickets),
        (status = 404, body = ApiErrorBody, description = "not_found: no such booking the caller may see")),
    security(("bearer" = [])))]
pub(crate) async fn tickets(
    State(state): State<AppState>,
    AnyUser(caller): AnyUser,
    WithRejection(Path(booking), _): PathParam<BookingId>,
) -> Result<Json<BookingTickets>, ApiError> {
    let record = visible_booking(&state, &caller, booking).await?;
    let show = state
        .store
        .show(record.booking.show_id)
        .await?
        .ok_or_else(|| ApiError::NotFound("the show of this booking is gone".into()))?;
    let venue_name = super::shows::venue_name(&state, show.venue_id).await?;
    let tickets = state
        .store
        .tickets_of_booking(booking)
        .await?
        .into_iter()
        .map(|t| TicketView {
            id: t.id,
            seat: t.seat_id,
            ticket_type: show
                .offered_types()
                .into_iter()
                .find(|k| k.id == t.ticket_type)
                .map_or(t.ticket_type, |k| k.name),
            qr_token: t.qr_token,
            valid: t.status == crate::store::TicketStatus::Live,
        })
        .collect();
    let claim_code = unclaimed_code(&state, &caller, booking).await?;
    Ok(Json(BookingTickets {
        booking: record.booking,
        show,
        venue_name,
        tickets,
        claim_code,
    }))
}

/// The claim code of `booking`'s unclaimed scratch card, for the staff (or kiosk) printing it.
pub(crate) async fn unclaimed_code(
    state: &AppState,
    caller: &Caller,
    booking: BookingId,
) -> Result<Option<String>, ApiError> {
    if caller.role == eventory_shared::Role::Customer {
        return Ok(None);
    }
    Ok(state
        .store
        .reward(booking)
        .await?
        .filter(|r| r.user_id.is_none() && !r.voided)
        .and_then(|r| r.claim_code))
}

/// The caller's bookings, newest first (a kiosk has no list: it sees only what it just sold).
#[utoipa::path(get, path = "/api/bookings/mine", tag = "bookings",
    responses(SignedIn,
        (status = 200, body = BookingList),
        (status = 403, body = ApiErrorBody, description = "forbidden: a kiosk account cannot list bookings")),
    security(("bearer" = [])))]
pub(crate) async fn mine(
    State(state): State<AppState>,
    AnyUser(caller): AnyUser,
) -> Result<Json<BookingList>, ApiError> {
    if caller.role == eventory_shared::Role::Kiosk {
        return Err(ApiError::Forbidden);
    }
    let records = state
        .store
        .bookings(&BookingFilter {
            user_id: Some(caller.user_id),
            limit: 200,
            ..BookingFilter::default()
        })
        .await?;
    Ok(Json(BookingList {
        bookings: records.into_iter().map(|r| r.booking).collect(),
    }))
}

/// Staff: refunds a confirmed booking; its seats are for sale again at once. Idempotent: asking
/// again for a booking being or already refunded answers that refund (money moves once), so a
/// retry with the same `Idempotency-Key` is safe.
#[utoipa::path(post, path = "/api/bookings/{booking}/refund", tag = "bookings",
    params(("booking" = BookingId, Path, description = "booking id"),
        ("Idempotency-Key" = Option<String>, Header, description = "accepted and not needed: a repeat of a refund answers the refund made")),
    request_body = RefundRequest,
    responses(RoleOnly, BodyErrors,
        (status = 200, body = Booking),
        (status = 404, body = ApiErrorBody, description = "not_found: no such booking"),
        (status = 409, body = ApiErrorBody, description = "conflict: only confirmed bookings can be refunded"),
        (status = 422, body = ApiErrorBody, description = "validation_failed: no reason, or a partial refund (refund the whole booking)")),
    security(("bearer" = [])))]
pub(crate) async fn refund(
    State(state): State<AppState>,
    Staff(caller): Staff,
    WithRejection(Path(booking), _): PathParam<BookingId>,
    JsonBody(body): JsonBody<RefundRequest>,
) -> Result<Json<Booking>, ApiError> {
    let refunded = crate::sales::refund::refund_booking(
        &state.sales,
        &caller,
        booking,
        &body.seats,
        &body.reason,
    )
    .await?;
    Ok(Json(refunded.booking))
}

/// Staff: moves a confirmed booking onto seats the caller holds (same total price); the old
/// seats go back on sale. Answers the new booking; the same exchange asked again (same hold)
/// answers the same new booking, any other exchange or refund of it is 409.
#[utoipa::path(post, path = "/api/bookings/{booking}/exchange", tag = "bookings",
    params(("booking" = BookingId, Path, description = "booking id"),
        ("Idempotency-Key" = Option<String>, Header, description = "accepted and not needed: a repeat of the same exchange answers its result")),
    request_body = ExchangeRequest,
    responses(RoleOnly, BodyErrors,
        (status = 200, body = Booking),
        (status = 404, body = ApiErrorBody, description = "not_found: no such booking, or no such hold of the caller's"),
        (status = 409, body = ApiErrorBody, description = "conflict: only confirmed bookings can be exchanged"),
        (status = 410, body = ApiErrorBody, description = "hold_expired"),
        (status = 422, body = ApiErrorBody, description = "validation_failed: the new seats cost something else")),
    security(("bearer" = [])))]
pub(crate) async fn exchange(
    State(state): State<AppState>,
    Staff(caller): Staff,
    WithRejection(Path(booking), _): PathParam<BookingId>,
    JsonBody(body): JsonBody<ExchangeRequest>,
) -> Result<Json<Booking>, ApiError> {
    let moved = crate::sales::exchange::exchange(
        &state.checkout,
        &state.sales,
        &caller,
        booking,
        body.hold_id,
    )
    .await?;
    Ok(Json(moved))
}
