//! Staff refunds of confirmed bookings: tickets void, seats back on sale, money back, audited.

use chrono::Utc;
use eventory_shared::events::{DomainEvent, EventEnvelope};
use eventory_shared::{BookingId, SeatId};
use uuid::Uuid;

use super::workers::WorkerContext;
use crate::auth::extract::Caller;
use crate::store::{AuditEntry, BookingRecord, OutboxEntry, StoreError};

/// Why a refund was refused.
#[derive(Debug, thiserror::Error)]
pub enum RefundError {
    #[error("no such booking")]
    NoSuchBooking,
    #[error("only confirmed bookings can be refunded")]
    NotConfirmed,
    #[error("partial refunds are not supported: refund the whole booking")]
    Partial,
    #[error("a reason is required")]
    NoReason,
    #[error(transparent)]
    Store(#[from] StoreError),
    #[error(transparent)]
    Other(#[from] anyhow::Error),
}

/// Refunds a whole confirmed booking.
pub async fn refund_booking(
    ctx: &WorkerContext,
    caller: &Caller,
    booking_id: BookingId,
    seats: &[SeatId],
    reason: &str,
) -> Result<BookingRecord, RefundError> {
    if reason.trim().is_empty() {
        return Err(RefundError::NoReason);
    }
    let record = ctx
        .store
        .booking(booking_id)
        .await?
        .ok_or(RefundError::NoSuchBooking)?;
    let mut asked: Vec<SeatId> = seats.to_vec();
    asked.sort();
    let mut all = record.booking.seats.clone();
    all.sort();
    if !asked.is_empty() && asked != all {
        return Err(RefundError::Partial);
    }
    let event = EventEnvelope::new(
        Uuid::new_v4(),
        Utc::now(),
        DomainEvent::BookingRefunded {
            booking_id,
            show_id: record.booking.show_id,
            seats: record.booking.seats.clone(),
        },
    );
    let outbox = OutboxEntry::for_event(&event).map_err(anyhow::Error::from)?;
    // One conditional update decides: a second refund (or a concurrent one) finds it refunded.
    let refunded = ctx
        .store
        .refund_booking(booking_id, Some(&outbox))
        .await?
        .ok_or(RefundError::NotConfirmed)?;
    if let Some(change) = ctx
        .ledger
        .refund(record.booking.show_id, booking_id, &record.booking.seats)
        .await
        .map_err(anyhow::Error::from)?
    {
        ctx.feed.publish(change).await;
    }
    crate::rewards::on_refunded(ctx.store.as_ref(), &refunded).await?;
    if let Some(payment) = ctx.store.payment(booking_id).await? {
        ctx.gateways
            .for_method(payment.method)
            .refund(payment.payment_id, payment.amount)
            .await
            .map_err(anyhow::Error::from)?;
    }
    ctx.store
        .append_audit(&AuditEntry {
            id: Uuid::new_v4(),
            at: Utc::now(),
            actor: Some(caller.user_id),
            action: "booking.refunded".into(),
            subject: format!("booking {booking_id}"),
            detail: format!(
                "{} refunded by {}: {reason}",
                record.booking.amount, caller.role
            ),
        })
        .await?;
    Ok(refunded)
}
