//! Error codes: every error response of the API is `{code, message}` (plus the seats concerned,
//! where there are some), and `code` is one of these, stable for clients to match on.

use std::fmt;

use serde::{Deserialize, Serialize};

use crate::seat::SeatId;

/// A machine-readable error code.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum ErrorCode {
    /// The request is malformed (bad JSON, wrong types).
    BadRequest,
    /// The request is well-formed but a value is not acceptable.
    ValidationFailed,
    /// No valid credentials were given (missing, forged or expired token; wrong password).
    Unauthorized,
    /// The caller is known but its role may not do this.
    Forbidden,
    NotFound,
    /// The request conflicts with the current state (e.g. a booking already confirmed).
    Conflict,
    /// Some of the seats asked for are not available; `seats` lists them.
    SeatsTaken,
    /// A seat that the show's venue does not have; `seats` lists them.
    UnknownSeat,
    /// More seats in one hold than allowed.
    TooManySeats,
    /// The hold expired or was released before this request.
    HoldExpired,
    /// The same Idempotency-Key was used with a different request.
    IdempotencyConflict,
    /// The account already holds as many seats of this show as it may hold at once.
    HoldLimitReached,
    /// The hold has reached its longest life and cannot be extended again.
    HoldLifetimeReached,
    PayloadTooLarge,
    RateLimited,
    /// The request took too long.
    Timeout,
    /// A backing service (Redis, MongoDB, Kafka) is not reachable.
    ServiceUnavailable,
    /// Anything else; details are in the server log, never in the response.
    Internal,
}

impl ErrorCode {
    pub const fn as_str(self) -> &'static str {
        match self {
            ErrorCode::BadRequest => "bad_request",
            ErrorCode::ValidationFailed => "validation_failed",
            ErrorCode::Unauthorized => "unauthorized",
            ErrorCode::Forbidden => "forbidden",
            ErrorCode::NotFound => "not_found",
            ErrorCode::Conflict => "conflict",
            ErrorCode::SeatsTaken => "seats_taken",
            ErrorCode::UnknownSeat => "unknown_seat",
            ErrorCode::TooManySeats => "too_many_seats",
            ErrorCode::HoldExpired => "hold_expired",
            ErrorCode::IdempotencyConflict => "idempotency_conflict",
            ErrorCode::HoldLimitReached => "hold_limit_reached",
            ErrorCode::HoldLifetimeReached => "hold_lifetime_reached",
            ErrorCode::PayloadTooLarge => "payload_too_large",
            ErrorCode::RateLimited => "rate_limited",
            ErrorCode::Timeout => "timeout",
            ErrorCode::ServiceUnavailable => "service_unavailable",
            ErrorCode::Internal => "internal",
        }
    }
}

impl fmt::Display for ErrorCode {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// The JSON body of every error response.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct ApiErrorBody {
    pub code: ErrorCode,
    pub message: String,
    /// The seats the error is about (`seats_taken`, `unknown_seat`).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub seats: Vec<SeatId>,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn error_bodies_are_code_and_message() {
        let body = ApiErrorBody {
            code: ErrorCode::NotFound,
            message: "no such show".into(),
            seats: vec![],
        };
        assert_eq!(
            serde_json::to_string(&body).unwrap(),
            r#"{"code":"not_found","message":"no such show"}"#
        );
        let taken = ApiErrorBody {
            code: ErrorCode::SeatsTaken,
            message: "taken".into(),
            seats: vec!["A1".parse().unwrap()],
        };
        let json = serde_json::to_string(&taken).unwrap();
        assert_eq!(
            json,
            r#"{"code":"seats_taken","message":"taken","seats":["A1"]}"#
        );
        assert_eq!(serde_json::from_str::<ApiErrorBody>(&json).unwrap(), taken);
    }

    #[test]
    fn as_str_matches_serde() {
        for code in [
            ErrorCode::SeatsTaken,
            ErrorCode::ServiceUnavailable,
            ErrorCode::Internal,
        ] {
            assert_eq!(serde_json::to_string(&code).unwrap(), format!("\"{code}\""));
        }
    }
}
