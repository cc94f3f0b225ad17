//! Checkout and bookings: `POST /api/holds/{hold}/checkout`, `GET /api/bookings/{booking}`,
//! `GET /api/bookings/mine`.

use axum::extract::{Path, State};
use axum::http::{HeaderMap, StatusCode};
use axum::routing::{get, post};
use axum::{Json, Router};
use eventory_shared::api::{
    BookingList, BookingTickets, CheckoutRequest, CheckoutResponse, ExchangeRequest, RefundRequest,
    TicketView,
};
#[allow(unused_imports)] // named in the OpenAPI annotations
use eventory_shared::ApiErrorBody;
use eventory_shared::{Booking, BookingId, HoldId};

use super::holds::idempotency_key;
use super::json::ApiJson;
use super::ApiError;
use crate::app::AppState;
use crate::auth::extract::{AnyUser, Caller, Seller, Staff};
use crate::store::BookingFilter;

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/api/holds/{hold}/checkout", post(checkout))
        .route("/api/bookings/mine", get(mine))
        .route("/api/bookings/{booking}", get(fetch))
        .route("/api/bookings/by-code/{code}", get(by_code))
        .route("/api/bookings/{booking}/tickets", get(tickets))
        .route("/api/bookings/{booking}/refund", post(refund))
        .route("/api/bookings/{booking}/exchange", post(exchange))
}

/// Starts paying for a hold: the booking exists (pending) when this answers 202; follow it on
/// the live feed or with `GET /api/bookings/{booking}`.
#[utoipa::path(post, path = "/api/holds/{hold}/checkout", tag = "bookings",
    params(
        ("hold" = String, Path, description = "hold id"),
        ("Idempotency-Key" = Option<String>, Header, description = "a retry with the same key returns the same booking"),
    ),
    request_body = CheckoutRequest,
    responses(
        (status = 202, body = CheckoutResponse, description = "booking created, payment under way"),
        (status = 404, body = ApiErrorBody), (status = 410, body = ApiErrorBody, description = "hold_expired"),
        (status = 409, body = ApiErrorBody), (status = 422, body = ApiErrorBody), (status = 403, body = ApiErrorBody),
    ),
    security(("bearer" = [])))]
pub(crate) async fn checkout(
    State(state): State<AppState>,
    Seller(caller): Seller,
    Path(hold): Path<HoldId>,
    headers: HeaderMap,
    ApiJson(body): ApiJson<CheckoutRequest>,
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

/// A booking the caller may see: their own, or any for staff; anything else is "not found"
/// (a stranger learns nothing about other people's bookings).
async fn visible_booking(
    state: &AppState,
    caller: &Caller,
    booking: BookingId,
) -> Result<crate::store::BookingRecord, ApiError> {
    state
        .store
        .booking(booking)
        .await?
        .filter(|r| caller.role.is_staff() || r.booking.user_id == Some(caller.user_id))
        .ok_or_else(|| ApiError::NotFound("no such booking".into()))
}

/// A booking: its owner's, or any for staff.
#[utoipa::path(get, path = "/api/bookings/{booking}", tag = "bookings",
    params(("booking" = String, Path, description = "booking id")),
    responses((status = 200, body = Booking), (status = 404, body = ApiErrorBody), (status = 401, body = ApiErrorBody)),
    security(("bearer" = [])))]
pub(crate) async fn fetch(
    State(state): State<AppState>,
    AnyUser(caller): AnyUser,
    Path(booking): Path<BookingId>,
) -> Result<Json<Booking>, ApiError> {
    let record = visible_booking(&state, &caller, booking).await?;
    Ok(Json(record.booking))
}

/// Staff: the booking with this code (the code printed on tickets, asked for at the counter).
#[utoipa::path(get, path = "/api/bookings/by-code/{code}", tag = "bookings",
    params(("code" = String, Path, description = "booking code, any letter case")),
    responses((status = 200, body = Booking), (status = 404, body = ApiErrorBody), (status = 403, body = ApiErrorBody)),
    security(("bearer" = [])))]
pub(crate) async fn by_code(
    State(state): State<AppState>,
    Staff(_caller): Staff,
    Path(code): Path<String>,
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
    params(("booking" = String, Path, description = "booking id")),
    responses((status = 200, body = BookingTickets), (status = 404, body = ApiErrorBody), (status = 401, body = ApiErrorBody)),
    security(("bearer" = [])))]
pub(crate) async fn tickets(
    State(state): State<AppState>,
    AnyUser(caller): AnyUser,
    Path(booking): Path<BookingId>,
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
            qr_token: t.qr_token,
            valid: t.status == crate::store::TicketStatus::Live,
        })
        .collect();
    Ok(Json(BookingTickets {
        booking: record.booking,
        show,
        venue_name,
        tickets,
    }))
}

/// The caller's bookings, newest first.
#[utoipa::path(get, path = "/api/bookings/mine", tag = "bookings",
    responses((status = 200, body = BookingList), (status = 401, body = ApiErrorBody)),
    security(("bearer" = [])))]
pub(crate) async fn mine(
    State(state): State<AppState>,
    AnyUser(caller): AnyUser,
) -> Result<Json<BookingList>, ApiError> {
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
    params(("booking" = String, Path),
        ("Idempotency-Key" = Option<String>, Header, description = "accepted; a repeat of a refund answers the refund made")),
    request_body = RefundRequest,
    responses((status = 200, body = Booking), (status = 409, body = ApiErrorBody), (status = 403, body = ApiErrorBody), (status = 404, body = ApiErrorBody)),
    security(("bearer" = [])))]
pub(crate) async fn refund(
    State(state): State<AppState>,
    Staff(caller): Staff,
    Path(booking): Path<BookingId>,
    ApiJson(body): ApiJson<RefundRequest>,
) -> Result<Json<Booking>, ApiError> {
    let refunded = crate::sales::refund::refund_booking(
        &state.sales(),
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
    params(("booking" = String, Path),
        ("Idempotency-Key" = Option<String>, Header, description = "accepted; a repeat of the same exchange answers its result")),
    request_body = ExchangeRequest,
    responses((status = 200, body = Booking), (status = 409, body = ApiErrorBody), (status = 410, body = ApiErrorBody),
        (status = 422, body = ApiErrorBody, description = "the new seats cost something else")),
    security(("bearer" = [])))]
pub(crate) async fn exchange(
    State(state): State<AppState>,
    Staff(caller): Staff,
    Path(booking): Path<BookingId>,
    ApiJson(body): ApiJson<ExchangeRequest>,
) -> Result<Json<Booking>, ApiError> {
    let moved = crate::sales::exchange::exchange(
        &state.checkout,
        &state.sales(),
        &caller,
        booking,
        body.hold_id,
    )
    .await?;
    Ok(Json(moved))
}
