//! The one error type of the HTTP layer, mapped once to a status code and a JSON
//! `{code, message}` body.
//!
//! Capability modules return their own errors; handlers convert them into [`ApiError`] with
//! `?`. Internal errors are logged with their cause and answered with a generic message: the
//! client never sees a driver error, a file path or a stack of causes.

use axum::extract::rejection::{JsonRejection, PathRejection, QueryRejection};
use axum::http::{header, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::Json;
use eventory_shared::{ApiErrorBody, ErrorCode, SeatId};

/// An error answered to an API client.
#[derive(Debug, thiserror::Error)]
pub enum ApiError {
    #[error("{0}")]
    BadRequest(String),
    #[error("{0}")]
    Validation(String),
    #[error("sign in first")]
    Unauthorized,
    #[error("your role may not do this")]
    Forbidden,
    #[error("{0}")]
    NotFound(String),
    #[error("{0}")]
    Conflict(String),
    #[error("some seats are not available")]
    SeatsTaken(Vec<SeatId>),
    #[error("the venue has no such seat")]
    UnknownSeat(Vec<SeatId>),
    #[error("at most {max} seats can be held at once")]
    TooManySeats { max: usize },
    #[error("the hold expired or was released")]
    HoldExpired,
    #[error("this Idempotency-Key was used for a different request")]
    IdempotencyConflict,
    #[error(
        "you already hold {held} seats of this show, the most one account may hold at once ({max})"
    )]
    HoldLimitReached { held: usize, max: usize },
    #[error("this hold cannot be extended again: it has reached its longest life")]
    HoldLifetimeReached,
    #[error("the request body is too large")]
    PayloadTooLarge,
    #[error("send JSON with Content-Type: application/json")]
    UnsupportedMediaType,
    #[error("too many requests, try again later")]
    RateLimited,
    #[error("the request took too long")]
    Timeout,
    #[error("a backing service is unavailable")]
    Unavailable(String),
    #[error("something went wrong on our side")]
    Internal(#[from] anyhow::Error),
}

impl ApiError {
    /// The status code and error code of this error.
    pub fn status_and_code(&self) -> (StatusCode, ErrorCode) {
        match self {
            ApiError::BadRequest(_) => (StatusCode::BAD_REQUEST, ErrorCode::BadRequest),
            ApiError::Validation(_) => (
                StatusCode::UNPROCESSABLE_ENTITY,
                ErrorCode::ValidationFailed,
            ),
            ApiError::Unauthorized => (StatusCode::UNAUTHORIZED, ErrorCode::Unauthorized),
            ApiError::Forbidden => (StatusCode::FORBIDDEN, ErrorCode::Forbidden),
            ApiError::NotFound(_) => (StatusCode::NOT_FOUND, ErrorCode::NotFound),
            ApiError::Conflict(_) => (StatusCode::CONFLICT, ErrorCode::Conflict),
            ApiError::SeatsTaken(_) => (StatusCode::CONFLICT, ErrorCode::SeatsTaken),
            ApiError::UnknownSeat(_) => (StatusCode::UNPROCESSABLE_ENTITY, ErrorCode::UnknownSeat),
            ApiError::TooManySeats { .. } => {
                (StatusCode::UNPROCESSABLE_ENTITY, ErrorCode::TooManySeats)
            }
            ApiError::HoldExpired => (StatusCode::GONE, ErrorCode::HoldExpired),
            ApiError::IdempotencyConflict => (StatusCode::CONFLICT, ErrorCode::IdempotencyConflict),
            ApiError::HoldLimitReached { .. } => {
                (StatusCode::CONFLICT, ErrorCode::HoldLimitReached)
            }
            ApiError::HoldLifetimeReached => (StatusCode::CONFLICT, ErrorCode::HoldLifetimeReached),
            ApiError::PayloadTooLarge => {
                (StatusCode::PAYLOAD_TOO_LARGE, ErrorCode::PayloadTooLarge)
            }
            ApiError::UnsupportedMediaType => {
                (StatusCode::UNSUPPORTED_MEDIA_TYPE, ErrorCode::BadRequest)
            }
            ApiError::RateLimited => (StatusCode::TOO_MANY_REQUESTS, ErrorCode::RateLimited),
            ApiError::Timeout => (StatusCode::REQUEST_TIMEOUT, ErrorCode::Timeout),
            ApiError::Unavailable(_) => (
                StatusCode::SERVICE_UNAVAILABLE,
                ErrorCode::ServiceUnavailable,
            ),
            ApiError::Internal(_) => (StatusCode::INTERNAL_SERVER_ERROR, ErrorCode::Internal),
        }
    }

    /// The error for a bare status code produced outside the handlers (a tower layer's 408 or
    /// 413, axum's 405), so every error the API answers has the same JSON shape.
    pub fn from_status(status: StatusCode) -> Self {
        match status {
            StatusCode::PAYLOAD_TOO_LARGE => ApiError::PayloadTooLarge,
            StatusCode::REQUEST_TIMEOUT => ApiError::Timeout,
            StatusCode::NOT_FOUND => ApiError::NotFound("no such resource".into()),
            StatusCode::METHOD_NOT_ALLOWED => {
                ApiError::BadRequest("this method is not allowed on this resource".into())
            }
            StatusCode::UNSUPPORTED_MEDIA_TYPE => ApiError::UnsupportedMediaType,
            StatusCode::TOO_MANY_REQUESTS => ApiError::RateLimited,
            StatusCode::SERVICE_UNAVAILABLE => ApiError::Unavailable("overloaded".into()),
            s if s.is_client_error() => {
                ApiError::BadRequest(s.canonical_reason().unwrap_or("bad request").to_lowercase())
            }
            s => ApiError::Internal(anyhow::anyhow!("bare {s} response")),
        }
    }

    fn seats(&self) -> Vec<SeatId> {
        match self {
            ApiError::SeatsTaken(seats) | ApiError::UnknownSeat(seats) => seats.clone(),
            _ => Vec::new(),
        }
    }
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        let (status, code) = self.status_and_code();
        match &self {
            ApiError::Internal(cause) => tracing::error!(error = ?cause, "internal error"),
            ApiError::Unavailable(cause) => tracing::warn!(%cause, "backing service unavailable"),
            _ => {}
        }
        let mut response = (
            status,
            Json(ApiErrorBody {
                code,
                message: self.to_string(),
                seats: self.seats(),
            }),
        )
            .into_response();
        response
            .headers_mut()
            .insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
        response
    }
}

impl From<crate::seats::LedgerError> for ApiError {
    fn from(e: crate::seats::LedgerError) -> Self {
        use crate::seats::LedgerError as L;
        match e {
            L::UnknownShow(show) => ApiError::NotFound(format!("no show {show} on sale")),
            L::UnknownSeats(seats) => ApiError::UnknownSeat(seats),
            L::BadSeatList => ApiError::Validation("name at least one seat, each seat once".into()),
            L::HoldNotFound(_) => ApiError::NotFound("no such hold".into()),
            L::HoldExpired(_) => ApiError::HoldExpired,
            L::WrongHoldState(_) => ApiError::Conflict("payment for this hold has started".into()),
            L::IdempotencyConflict => ApiError::IdempotencyConflict,
            L::HoldLimitReached { held, max } => ApiError::HoldLimitReached { held, max },
            L::HoldLifetimeReached(_) => ApiError::HoldLifetimeReached,
            L::Backend(e) => ApiError::Unavailable(format!("seat ledger: {e:#}")),
        }
    }
}

impl From<crate::store::StoreError> for ApiError {
    fn from(e: crate::store::StoreError) -> Self {
        use crate::store::StoreError as S;
        match e {
            S::Duplicate(what) => ApiError::Conflict(format!("{what} already exists")),
            S::SeatAlreadySold(seats) => ApiError::SeatsTaken(seats),
            S::NotFound(what) => ApiError::NotFound(format!("no such {what}")),
            S::Backend(e) => ApiError::Unavailable(format!("store: {e:#}")),
        }
    }
}

impl From<crate::sales::checkout::CheckoutError> for ApiError {
    fn from(e: crate::sales::checkout::CheckoutError) -> Self {
        use crate::sales::checkout::CheckoutError as C;
        match e {
            C::NoSuchHold => ApiError::NotFound("no such hold".into()),
            C::HoldExpired => ApiError::HoldExpired,
            C::AlreadyCheckedOut => {
                ApiError::Conflict("payment for this hold has already started".into())
            }
            C::Invalid(why) => ApiError::Validation(why),
            C::MethodNotAllowed(..) => ApiError::Forbidden,
            C::ShowCancelled => ApiError::Conflict(e.to_string()),
            C::Unpriced(seat) => {
                ApiError::Validation(format!("seat {seat} has no price for this show"))
            }
            C::Store(e) => e.into(),
            C::Ledger(e) => e.into(),
        }
    }
}

impl From<crate::sales::refund::RefundError> for ApiError {
    fn from(e: crate::sales::refund::RefundError) -> Self {
        use crate::sales::refund::RefundError as R;
        match e {
            R::NoSuchBooking => ApiError::NotFound("no such booking".into()),
            R::NotConfirmed => ApiError::Conflict("only confirmed bookings can be refunded".into()),
            R::Partial => ApiError::Validation(
                "partial refunds are not supported: refund the whole booking".into(),
            ),
            R::NoReason => ApiError::Validation("a reason is required".into()),
            R::Store(e) => e.into(),
            R::Other(e) => ApiError::Internal(e),
        }
    }
}

impl From<crate::sales::exchange::ExchangeError> for ApiError {
    fn from(e: crate::sales::exchange::ExchangeError) -> Self {
        use crate::sales::exchange::ExchangeError as X;
        match e {
            X::NoSuchBooking => ApiError::NotFound("no such booking".into()),
            X::NotConfirmed => {
                ApiError::Conflict("only confirmed bookings can be exchanged".into())
            }
            X::NoSuchHold => ApiError::NotFound("no such hold".into()),
            X::HoldExpired => ApiError::HoldExpired,
            e @ X::PriceDiffers { .. } => ApiError::Validation(e.to_string()),
            X::Store(e) => e.into(),
            X::Other(e) => ApiError::Internal(e),
        }
    }
}

impl From<crate::auth::accounts::AccountError> for ApiError {
    fn from(e: crate::auth::accounts::AccountError) -> Self {
        use crate::auth::accounts::AccountError as A;
        match e {
            A::Invalid(why) => ApiError::Validation(why.into()),
            A::EmailTaken => ApiError::Conflict("an account with this email exists".into()),
            A::InvalidCredentials => ApiError::Unauthorized,
            A::RateLimited => ApiError::RateLimited,
            A::Busy => ApiError::Unavailable("password checks saturated".into()),
            A::Store(e) => e.into(),
            A::Internal(e) => ApiError::Internal(e),
        }
    }
}

impl From<crate::admin::AdminError> for ApiError {
    fn from(e: crate::admin::AdminError) -> Self {
        use crate::admin::AdminError as A;
        match e {
            A::Invalid(why) => ApiError::Validation(why),
            A::NotFound(what) => ApiError::NotFound(format!("no such {what}")),
            A::SoldSeatsRemoved(seats) => ApiError::SeatsTaken(seats),
            A::Conflict(why) => ApiError::Conflict(why),
            A::Store(e) => e.into(),
            A::Other(e) => ApiError::Internal(e),
        }
    }
}

impl From<crate::rewards::ScratchError> for ApiError {
    fn from(e: crate::rewards::ScratchError) -> Self {
        use crate::rewards::ScratchError as S;
        match e {
            S::NoReward => ApiError::NotFound("no reward for this booking".into()),
            S::Voided => {
                ApiError::Conflict("this card was voided: its booking was refunded".into())
            }
            S::Store(e) => e.into(),
        }
    }
}

impl From<crate::rewards::ClaimError> for ApiError {
    fn from(e: crate::rewards::ClaimError) -> Self {
        use crate::rewards::ClaimError as C;
        match e {
            C::Unknown => ApiError::NotFound(e.to_string()),
            C::Claimed | C::Voided => ApiError::Conflict(e.to_string()),
            C::NotACustomer => ApiError::Forbidden,
            C::Store(e) => e.into(),
        }
    }
}

impl From<crate::sales::holds::HoldError> for ApiError {
    fn from(e: crate::sales::holds::HoldError) -> Self {
        use crate::sales::holds::HoldError as H;
        match e {
            H::TooManySeats { max } => ApiError::TooManySeats { max },
            H::Taken(seats) => ApiError::SeatsTaken(seats),
            H::BadIdempotencyKey(why) => ApiError::BadRequest(format!("Idempotency-Key: {why}")),
            H::NoSuchShow(show) => ApiError::NotFound(format!("no show {show}")),
            H::NotOnSale(show) => ApiError::Conflict(format!("show {show} is not on sale now")),
            H::RateLimited => ApiError::RateLimited,
            H::Store(e) => e.into(),
            H::Ledger(e) => e.into(),
        }
    }
}

impl From<JsonRejection> for ApiError {
    fn from(rejection: JsonRejection) -> Self {
        match rejection.status() {
            StatusCode::PAYLOAD_TOO_LARGE => ApiError::PayloadTooLarge,
            StatusCode::UNSUPPORTED_MEDIA_TYPE => ApiError::UnsupportedMediaType,
            // Syntax errors and wrong types: say where, not the server's internals.
            _ => ApiError::BadRequest(rejection.body_text()),
        }
    }
}

impl From<PathRejection> for ApiError {
    fn from(rejection: PathRejection) -> Self {
        ApiError::BadRequest(rejection.body_text())
    }
}

impl From<QueryRejection> for ApiError {
    fn from(rejection: QueryRejection) -> Self {
        ApiError::BadRequest(rejection.body_text())
    }
}

/// Middleware: turns bare error responses (no body, from tower layers or axum itself) into the
/// JSON error shape, so clients can always parse `{code, message}`.
pub async fn json_error_bodies(response: Response) -> Response {
    let status = response.status();
    let is_error = status.is_client_error() || status.is_server_error();
    let has_type = response.headers().contains_key(header::CONTENT_TYPE);
    if is_error && !has_type {
        let allow = response.headers().get(header::ALLOW).cloned();
        let mut replaced = ApiError::from_status(status).into_response();
        *replaced.status_mut() = status;
        if let Some(allow) = allow {
            replaced.headers_mut().insert(header::ALLOW, allow);
        }
        return replaced;
    }
    response
}

#[cfg(test)]
mod tests {
    use super::*;
    use axum::body::to_bytes;

    async fn body(err: ApiError) -> (StatusCode, ApiErrorBody) {
        let response = err.into_response();
        let status = response.status();
        let bytes = to_bytes(response.into_body(), 1 << 16).await.unwrap();
        (status, serde_json::from_slice(&bytes).unwrap())
    }

    #[tokio::test]
    async fn seats_taken_is_409_with_the_seats() {
        let (status, body) = body(ApiError::SeatsTaken(vec!["A1".parse().unwrap()])).await;
        assert_eq!(status, StatusCode::CONFLICT);
        assert_eq!(body.code, ErrorCode::SeatsTaken);
        assert_eq!(body.seats.len(), 1);
    }

    #[tokio::test]
    async fn internal_errors_never_leak_their_cause() {
        let (status, body) = body(ApiError::Internal(anyhow::anyhow!(
            "password=hunter2 at /etc/x"
        )))
        .await;
        assert_eq!(status, StatusCode::INTERNAL_SERVER_ERROR);
        assert_eq!(body.code, ErrorCode::Internal);
        assert!(!body.message.contains("hunter2"));
    }

    #[tokio::test]
    async fn every_variant_maps_to_an_error_status() {
        for err in [
            ApiError::BadRequest("x".into()),
            ApiError::Validation("x".into()),
            ApiError::Unauthorized,
            ApiError::Forbidden,
            ApiError::NotFound("x".into()),
            ApiError::Conflict("x".into()),
            ApiError::TooManySeats { max: 2 },
            ApiError::HoldExpired,
            ApiError::IdempotencyConflict,
            ApiError::PayloadTooLarge,
            ApiError::RateLimited,
            ApiError::Timeout,
            ApiError::Unavailable("x".into()),
        ] {
            let (status, code) = err.status_and_code();
            assert!(
                status.is_client_error() || status.is_server_error(),
                "{err:?}"
            );
            let (answered, body) = body(err).await;
            assert_eq!((answered, body.code), (status, code));
        }
    }
}
