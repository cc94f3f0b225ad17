//! Bookings: seats of one show bought together in one checkout.

use std::collections::BTreeMap;

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
/// booking can be refunded (`confirmed -> refunding -> refunded`) or exchanged onto other seats
/// (`confirmed -> exchanging -> exchanged`, its payment moving to the new booking; an exchange
/// that cannot complete goes back to `confirmed`). `refunding` and `exchanging` are claims: the
/// one conditional step that decides which of two concurrent staff actions wins, taken before
/// any seat or money moves.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum BookingStatus {
    Pending,
    Processing,
    Confirmed,
    Cancelled,
    Refunded,
    /// A refund was decided; seats and money are on their way back.
    Refunding,
    /// An exchange was decided; the new booking is being confirmed.
    Exchanging,
    /// Moved onto other seats: the new booking carries the payment.
    Exchanged,
}

impl BookingStatus {
    /// Whether no further payment outcome can change this booking.
    pub const fn is_final(self) -> bool {
        matches!(
            self,
            BookingStatus::Cancelled | BookingStatus::Refunded | BookingStatus::Exchanged
        )
    }

    /// Whether the booking has come to rest: confirmed, or ended. Every booking gets here
    /// whatever crashes on the way (the reconciler drives the others).
    pub const fn is_settled(self) -> bool {
        matches!(self, BookingStatus::Confirmed) || self.is_final()
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
                | (Confirmed, Refunding)
                | (Refunding, Refunded)
                | (Confirmed, Exchanging)
                | (Exchanging, Exchanged)
                | (Exchanging, Confirmed)
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
    /// The account that made the booking (the customer online; the cashier or kiosk at the
    /// point of sale).
    pub user_id: Option<UserId>,
    /// The customer the sale is for, who earns its points and scratch card: the buyer online;
    /// at the counter or kiosk the customer attached to the sale, if any (none: nobody earns
    /// points, and the scratch card gets a claim code). Staff accounts never earn.
    #[serde(default)]
    pub customer_id: Option<UserId>,
    pub seats: Vec<SeatId>,
    /// The ticket type of each seat that is not `adult`.
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub ticket_types: BTreeMap<SeatId, String>,
    pub amount: Money,
    pub channel: Channel,
    pub payment_method: PaymentMethod,
    pub status: BookingStatus,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

impl Booking {
    /// The ticket type id of `seat` (`adult` unless another was sold).
    pub fn ticket_type(&self, seat: &SeatId) -> &str {
        self.ticket_types
            .get(seat)
            .map_or(crate::DEFAULT_TICKET_TYPE, String::as_str)
    }

    /// Who earns this booking's points and scratch card: its customer; for bookings stored
    /// before customers were attached, the account of an online sale (a customer's own).
    pub fn buyer(&self) -> Option<UserId> {
        match self.channel {
            _ if self.customer_id.is_some() => self.customer_id,
            Channel::Online => self.user_id,
            _ => None,
        }
    }
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
        assert!(Confirmed.may_become(Refunding) && Refunding.may_become(Refunded));
        assert!(Confirmed.may_become(Exchanging) && Exchanging.may_become(Exchanged));
        assert!(
            Exchanging.may_become(Confirmed),
            "an exchange that fails is undone"
        );
        assert!(!Confirmed.may_become(Refunded), "a refund is claimed first");
        assert!(!Refunding.may_become(Confirmed) && !Exchanged.may_become(Confirmed));
        assert!(!Confirmed.may_become(Cancelled));
        assert!(!Cancelled.may_become(Confirmed));
        assert!(!Refunded.may_become(Confirmed));
        assert!(Cancelled.is_final() && Refunded.is_final() && !Confirmed.is_final());
        assert!(Exchanged.is_final() && !Refunding.is_final() && !Exchanging.is_final());
        assert!(Confirmed.is_settled() && !Processing.is_settled() && !Refunding.is_settled());
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
