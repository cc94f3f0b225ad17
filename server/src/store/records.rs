//! What the store keeps that is not a wire type of the shared crate (or is one plus
//! server-only fields).

use chrono::{DateTime, Utc};
use eventory_shared::{
    Booking, BookingId, BookingStatus, Channel, HoldId, Money, PaymentMethod, Role, SeatId, ShowId,
    TicketId, UserId,
};
use serde::{Deserialize, Serialize};
use uuid::Uuid;

/// An account. `email` is stored lower-case; it is unique.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct UserRecord {
    pub id: UserId,
    pub email: String,
    pub display_name: String,
    /// argon2id PHC string.
    pub password_hash: String,
    pub role: Role,
    pub disabled: bool,
    pub created_at: DateTime<Utc>,
}

/// A refresh token, by the SHA-256 of its value (the value itself is never stored).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct RefreshTokenRecord {
    pub token_hash: String,
    pub user_id: UserId,
    pub expires_at: DateTime<Utc>,
    pub revoked: bool,
    /// The sign-in this token descends from: every rotation stays in the family, and a reused
    /// (already rotated) token revokes the whole family. `None` for tokens issued before
    /// families existed.
    #[serde(default)]
    pub family: Option<Uuid>,
    /// When the family ends however often it is rotated (its absolute lifetime).
    #[serde(default)]
    pub family_expires_at: Option<DateTime<Utc>>,
    /// When the token was rotated or revoked (reuse soon after is a double click, not theft).
    #[serde(default)]
    pub used_at: Option<DateTime<Utc>>,
}

/// Which refresh tokens to revoke at once.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum RefreshScope {
    /// One sign-in's tokens (reuse detected, sign-out).
    Family(Uuid),
    /// Every token of an account (disabled).
    User(UserId),
}

/// A booking with what only the server needs.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct BookingRecord {
    #[serde(flatten)]
    pub booking: Booking,
    /// The hold the booking was checked out from (its seats are sold through it).
    pub hold_id: HoldId,
    /// Checkout's Idempotency-Key: the same user and key give back the same booking.
    pub idempotency_key: Option<String>,
    /// Cash at the counter: what the customer handed over.
    pub cash_tendered: Option<Money>,
    pub coupon: Option<String>,
    /// An exchange's new booking: the booking it replaces (whose payment it carries). Such a
    /// booking is never charged.
    #[serde(default)]
    pub exchange_of: Option<BookingId>,
    /// While (and after) this booking is exchanged: the booking that replaces it.
    #[serde(default)]
    pub exchange_to: Option<BookingId>,
}

/// Whether a ticket still entitles its holder to the seat.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum TicketStatus {
    Live,
    Refunded,
}

/// One sold seat. At most one live ticket exists per (show, seat): the store's own guarantee,
/// independent of the ledger.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct TicketRecord {
    pub id: TicketId,
    pub booking_id: BookingId,
    pub show_id: ShowId,
    pub seat_id: SeatId,
    /// Printed as a QR code and checked at the door.
    pub qr_token: String,
    pub status: TicketStatus,
    pub issued_at: DateTime<Utc>,
    /// The ticket type id (`adult` for tickets issued before types existed).
    #[serde(default = "adult")]
    pub ticket_type: String,
}

fn adult() -> String {
    eventory_shared::DEFAULT_TICKET_TYPE.to_owned()
}

/// A payment outcome, one per booking.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct PaymentRecord {
    pub booking_id: BookingId,
    pub payment_id: Uuid,
    pub method: PaymentMethod,
    pub amount: Money,
    pub status: PaymentStatus,
    pub change_due: Option<Money>,
    pub reason: Option<String>,
    pub at: DateTime<Utc>,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum PaymentStatus {
    Approved,
    Declined,
    Refunded,
}

/// An event waiting to be published: written in the same transaction as the change it
/// announces, published by the relay, then marked sent.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct OutboxEntry {
    /// The event id.
    pub id: Uuid,
    /// The serialised `EventEnvelope`.
    pub payload: String,
    pub created_at: DateTime<Utc>,
    pub sent_at: Option<DateTime<Utc>>,
}

impl OutboxEntry {
    /// The pending outbox entry of an event.
    pub fn for_event(
        event: &eventory_shared::events::EventEnvelope,
    ) -> Result<Self, serde_json::Error> {
        Ok(Self {
            id: event.event_id,
            payload: serde_json::to_string(event)?,
            created_at: event.occurred_at,
            sent_at: None,
        })
    }
}

/// Who did what, when.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct AuditEntry {
    pub id: Uuid,
    pub at: DateTime<Utc>,
    pub actor: Option<UserId>,
    pub action: String,
    pub subject: String,
    pub detail: String,
}

/// A reward (scratch card) earned by a booking; one per booking.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct RewardRecord {
    pub booking_id: BookingId,
    /// The customer it belongs to: the booking's buyer, or whoever claimed it.
    pub user_id: Option<UserId>,
    pub prize: String,
    pub revealed: bool,
    pub voided: bool,
    pub created_at: DateTime<Utc>,
    /// A sale without a customer: the code printed on its tickets that claims the card into
    /// a customer's account, once.
    #[serde(default)]
    pub claim_code: Option<String>,
}

/// A discount coupon, redeemable once.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct CouponRecord {
    pub code: String,
    pub user_id: Option<UserId>,
    pub percent_off: u32,
    pub redeemed_by: Option<BookingId>,
    pub created_at: DateTime<Utc>,
}

/// A typed booking query: filters are built from these fields only, never from client JSON.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct BookingFilter {
    pub show_id: Option<ShowId>,
    pub user_id: Option<UserId>,
    pub channel: Option<Channel>,
    pub status: Option<BookingStatus>,
    pub from: Option<DateTime<Utc>>,
    pub to: Option<DateTime<Utc>>,
    pub limit: usize,
}

pub use eventory_shared::api::{DayRevenue, RewardStats, SalesReport, ShowSales};
