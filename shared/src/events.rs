//! Domain events on the bus (Kafka topics `bookings` and `payments`), keyed by booking id.
//!
//! Every event travels in an [`EventEnvelope`] with a unique `event_id` (consumers are
//! idempotent by it) and a `schema_version` (consumers refuse versions they do not know rather
//! than misread them).

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use uuid::Uuid;

use crate::booking::PaymentMethod;
use crate::ids::{BookingId, HoldId, ShowId};
use crate::money::Money;
use crate::seat::SeatId;

/// The schema version this crate writes.
pub const SCHEMA_VERSION: u16 = 1;

/// A topic of the bus.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Topic {
    /// booking.created / confirmed / cancelled / refunded
    Bookings,
    /// payment.succeeded / failed / refunded
    Payments,
    /// Messages no consumer could process after its retries, kept for a human.
    DeadLetter,
}

impl Topic {
    pub const ALL: [Topic; 3] = [Topic::Bookings, Topic::Payments, Topic::DeadLetter];

    /// The topic's base name (deployments may prefix it).
    pub const fn name(self) -> &'static str {
        match self {
            Topic::Bookings => "bookings",
            Topic::Payments => "payments",
            Topic::DeadLetter => "dead-letter",
        }
    }
}

/// One event with its identity and schema version.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct EventEnvelope {
    pub event_id: Uuid,
    pub schema_version: u16,
    pub occurred_at: DateTime<Utc>,
    pub event: DomainEvent,
}

impl EventEnvelope {
    /// Wraps an event with a given id (ids come from the server, which can generate them).
    pub fn new(event_id: Uuid, occurred_at: DateTime<Utc>, event: DomainEvent) -> Self {
        Self {
            event_id,
            schema_version: SCHEMA_VERSION,
            occurred_at,
            event,
        }
    }

    /// The topic this event belongs on.
    pub fn topic(&self) -> Topic {
        self.event.topic()
    }

    /// The partitioning key: the booking, so one booking's events stay in order.
    pub fn key(&self) -> String {
        self.event.booking_id().to_string()
    }
}

/// What happened.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "type")]
pub enum DomainEvent {
    /// Checkout made a pending booking; the payment worker charges it.
    #[serde(rename = "booking.created")]
    BookingCreated {
        booking_id: BookingId,
        show_id: ShowId,
        hold_id: HoldId,
        seats: Vec<SeatId>,
        amount: Money,
        payment_method: PaymentMethod,
        /// Cash at the counter: what the customer handed over.
        cash_tendered: Option<Money>,
    },
    #[serde(rename = "booking.confirmed")]
    BookingConfirmed {
        booking_id: BookingId,
        show_id: ShowId,
        seats: Vec<SeatId>,
    },
    #[serde(rename = "booking.cancelled")]
    BookingCancelled {
        booking_id: BookingId,
        show_id: ShowId,
        reason: String,
    },
    #[serde(rename = "booking.refunded")]
    BookingRefunded {
        booking_id: BookingId,
        show_id: ShowId,
        seats: Vec<SeatId>,
    },
    /// A confirmed booking is being moved onto other seats: `new_booking_id` replaces it and
    /// carries its payment.
    #[serde(rename = "booking.exchanged")]
    BookingExchanged {
        booking_id: BookingId,
        new_booking_id: BookingId,
        show_id: ShowId,
        seats: Vec<SeatId>,
    },
    #[serde(rename = "payment.succeeded")]
    PaymentSucceeded {
        booking_id: BookingId,
        payment_id: Uuid,
        amount: Money,
        change_due: Option<Money>,
    },
    #[serde(rename = "payment.failed")]
    PaymentFailed {
        booking_id: BookingId,
        reason: String,
    },
    #[serde(rename = "payment.refunded")]
    PaymentRefunded {
        booking_id: BookingId,
        payment_id: Uuid,
        amount: Money,
    },
}

impl DomainEvent {
    pub fn booking_id(&self) -> BookingId {
        match self {
            DomainEvent::BookingCreated { booking_id, .. }
            | DomainEvent::BookingConfirmed { booking_id, .. }
            | DomainEvent::BookingCancelled { booking_id, .. }
            | DomainEvent::BookingRefunded { booking_id, .. }
            | DomainEvent::BookingExchanged { booking_id, .. }
            | DomainEvent::PaymentSucceeded { booking_id, .. }
            | DomainEvent::PaymentFailed { booking_id, .. }
            | DomainEvent::PaymentRefunded { booking_id, .. } => *booking_id,
        }
    }

    pub fn topic(&self) -> Topic {
        match self {
            DomainEvent::BookingCreated { .. }
            | DomainEvent::BookingConfirmed { .. }
            | DomainEvent::BookingCancelled { .. }
            | DomainEvent::BookingRefunded { .. }
            | DomainEvent::BookingExchanged { .. } => Topic::Bookings,
            DomainEvent::PaymentSucceeded { .. }
            | DomainEvent::PaymentFailed { .. }
            | DomainEvent::PaymentRefunded { .. } => Topic::Payments,
        }
    }

    /// The event's type name on the wire ("booking.created").
    pub fn kind(&self) -> &'static str {
        match self {
            DomainEvent::BookingCreated { .. } => "booking.created",
            DomainEvent::BookingConfirmed { .. } => "booking.confirmed",
            DomainEvent::BookingCancelled { .. } => "booking.cancelled",
            DomainEvent::BookingRefunded { .. } => "booking.refunded",
            DomainEvent::BookingExchanged { .. } => "booking.exchanged",
            DomainEvent::PaymentSucceeded { .. } => "payment.succeeded",
            DomainEvent::PaymentFailed { .. } => "payment.failed",
            DomainEvent::PaymentRefunded { .. } => "payment.refunded",
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::money::Currency;

    #[test]
    fn envelopes_round_trip_with_dotted_type_names() {
        let booking_id = BookingId::from_uuid(Uuid::from_u128(5));
        let envelope = EventEnvelope::new(
            Uuid::from_u128(1),
            DateTime::from_timestamp(1_800_000_000, 0).unwrap(),
            DomainEvent::PaymentSucceeded {
                booking_id,
                payment_id: Uuid::from_u128(2),
                amount: Money::new(2500, Currency::EUR),
                change_due: None,
            },
        );
        let json = serde_json::to_string(&envelope).unwrap();
        assert!(json.contains(r#""type":"payment.succeeded""#), "{json}");
        assert!(json.contains(r#""schema_version":1"#), "{json}");
        assert_eq!(
            serde_json::from_str::<EventEnvelope>(&json).unwrap(),
            envelope
        );
        assert_eq!(envelope.topic(), Topic::Payments);
        assert_eq!(envelope.key(), booking_id.to_string());
        assert_eq!(envelope.event.kind(), "payment.succeeded");
    }

    #[test]
    fn unknown_event_types_are_rejected() {
        let json = r#"{"event_id":"00000000-0000-0000-0000-000000000001","schema_version":1,
            "occurred_at":"2026-01-01T00:00:00Z","event":{"type":"booking.stolen"}}"#;
        assert!(serde_json::from_str::<EventEnvelope>(json).is_err());
    }
}
