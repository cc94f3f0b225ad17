//! Bookings: seats of one show bought together in one checkout.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use crate::ids::{BookingId, ShowId, UserId};
use crate::money::Money;
use crate::seat::SeatId;

/// Where a booking was made.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum Channel {
    /// At the box-office counter, by a cashier.
    Counter,
    /// At a self-service kiosk.
    Kiosk,
    /// Online, by a customer.
    Online,
}

/// How a booking is paid.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum PaymentMethod {
    Card,
    Cash,
}

/// Where a booking is in its life.
///
/// `pending -> processing -> confirmed`, or `-> cancelled` when payment fails; a confirmed
/// booking can be `refunded`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum BookingStatus {
    Pending,
    Processing,
    Confirmed,
    Cancelled,
    Refunded,
}

impl BookingStatus {
    /// Whether no further payment outcome can change this booking.
    pub const fn is_final(self) -> bool {
        matches!(self, BookingStatus::Cancelled | BookingStatus::Refunded)
    }

    /// The statuses a booking may move to from this one.
    pub const fn may_become(self, next: BookingStatus) -> bool {
        use BookingStatus::*;
        matches!(
            (self, next),
            (Pending, Processing)
                | (Pending, Confirmed)
                | (Pending, Cancelled)
                | (Processing, Confirmed)
                | (Processing, Cancelled)
                | (Confirmed, Refunded)
        )
    }
}

/// A booking as clients see it.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Booking {
    pub id: BookingId,
    /// A short code printed on tickets and used to find the booking at the counter.
    pub code: String,
    pub show_id: ShowId,
    pub user_id: Option<UserId>,
    pub seats: Vec<SeatId>,
    pub amount: Money,
    pub channel: Channel,
    pub payment_method: PaymentMethod,
    pub status: BookingStatus,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn booking_transitions_follow_the_flow() {
        use BookingStatus::*;
        assert!(Pending.may_become(Processing));
        assert!(Processing.may_become(Confirmed));
        assert!(Processing.may_become(Cancelled));
        assert!(Confirmed.may_become(Refunded));
        assert!(!Confirmed.may_become(Cancelled));
        assert!(!Cancelled.may_become(Confirmed));
        assert!(!Refunded.may_become(Confirmed));
        assert!(Cancelled.is_final() && Refunded.is_final() && !Confirmed.is_final());
    }

    #[test]
    fn enums_use_snake_case_on_the_wire() {
        assert_eq!(serde_json::to_string(&Channel::Kiosk).unwrap(), "\"kiosk\"");
        assert_eq!(
            serde_json::to_string(&PaymentMethod::Cash).unwrap(),
            "\"cash\""
        );
        assert_eq!(
            serde_json::to_string(&BookingStatus::Processing).unwrap(),
            "\"processing\""
        );
        assert!(serde_json::from_str::<PaymentMethod>("\"bitcoin\"").is_err());
    }
}
