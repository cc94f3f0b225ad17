//! `BookingStore`: bookings with their tickets and payments, exchanges and refunds.

use async_trait::async_trait;
use eventory_shared::{BookingId, BookingStatus, ShowId, UserId};

use crate::store::{
    BookingFilter, BookingRecord, OutboxEntry, PaymentRecord, StoreResult, TicketRecord,
};

/// The booking lifecycle's records. Every state change is one conditional step ("move from one
/// of these statuses to that one"), written together with its outbox entry.
#[async_trait]
pub trait BookingStore: Send + Sync + 'static {
    /// Writes a new booking and its outbox entry atomically. A booking with the same user and
    /// idempotency key already present is a `Duplicate`.
    async fn insert_booking_with_outbox(
        &self,
        booking: &BookingRecord,
        outbox: &OutboxEntry,
    ) -> StoreResult<()>;
    /// Claims an exchange: moves `old` from confirmed to exchanging, recording `new` as its
    /// replacement, and inserts `new` (pending) with its outbox entry, in one transaction;
    /// `None` (nothing written) if `old` was not confirmed.
    async fn begin_exchange(
        &self,
        old: BookingId,
        new: &BookingRecord,
        outbox: &OutboxEntry,
    ) -> StoreResult<Option<BookingRecord>>;
    async fn booking(&self, id: BookingId) -> StoreResult<Option<BookingRecord>>;
    async fn booking_by_code(&self, code: &str) -> StoreResult<Option<BookingRecord>>;
    async fn booking_by_idempotency_key(
        &self,
        user: UserId,
        key: &str,
    ) -> StoreResult<Option<BookingRecord>>;
    /// Bookings matching `filter`, newest first, at most `filter.limit` (100 when 0).
    async fn bookings(&self, filter: &BookingFilter) -> StoreResult<Vec<BookingRecord>>;
    /// Moves a booking from one of `from` to `to` in one conditional update; `None` when the
    /// booking was not in any of `from` (someone else moved it first). The outbox entry, if any,
    /// is written in the same transaction.
    async fn transition_booking(
        &self,
        id: BookingId,
        from: &[BookingStatus],
        to: BookingStatus,
        outbox: Option<&OutboxEntry>,
    ) -> StoreResult<Option<BookingRecord>>;
    /// Confirms a booking and inserts its tickets in one transaction. Fails with
    /// `SeatAlreadySold` (changing nothing) if any seat already has a live ticket; returns
    /// `None` if the booking was not pending/processing.
    async fn confirm_booking_with_tickets(
        &self,
        id: BookingId,
        tickets: &[TicketRecord],
        outbox: Option<&OutboxEntry>,
    ) -> StoreResult<Option<BookingRecord>>;
    /// Every ticket of a booking (live and refunded), by seat.
    async fn tickets_of_booking(&self, id: BookingId) -> StoreResult<Vec<TicketRecord>>;
    /// Live tickets of a show: the sold seats, for rebuilding the ledger.
    async fn live_tickets_of_show(&self, show: ShowId) -> StoreResult<Vec<TicketRecord>>;
    /// Moves a booking from `from` to `to` (a refund's or an exchange's claim or end), marks
    /// its tickets refunded (the seats are free to sell again as far as the store is
    /// concerned) and voids its unrevealed scratch card, all in one transaction; `None` if
    /// the booking was not in `from` (someone else moved it first).
    async fn refund_booking(
        &self,
        id: BookingId,
        from: BookingStatus,
        to: BookingStatus,
        outbox: Option<&OutboxEntry>,
    ) -> StoreResult<Option<BookingRecord>>;
    /// Records a payment outcome, with the event announcing it (the outbox) in the same
    /// transaction; a second one for the same booking is a `Duplicate` (writing nothing).
    async fn insert_payment(
        &self,
        payment: &PaymentRecord,
        outbox: Option<&OutboxEntry>,
    ) -> StoreResult<()>;
    async fn payment(&self, booking: BookingId) -> StoreResult<Option<PaymentRecord>>;
}
