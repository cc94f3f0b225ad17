//! Staff refunds of confirmed bookings.
//!
//! The refund is decided by one conditional step, `confirmed -> refunding`, which in the same
//! transaction marks the tickets refunded and voids the unrevealed scratch card (so the seats
//! can be sold again without the store refusing the next sale) and writes `booking.refunded`
//! to the outbox. Of two concurrent refunds, or a refund and an exchange, one wins it; a
//! refund that lost to another refund gets that refund's result.
//!
//! Then, each step idempotent and retried until done (by the caller, or by the reconciler if
//! the process dies midway): the seats go back on sale in the ledger, loyalty points are taken
//! back, the money goes back through the gateway (the booking's own payment, or for an
//! exchange's booking the original one it carries), and `refunding -> refunded` with its
//! audit entry. A refund, once decided, is paid back.

use eventory_shared::events::DomainEvent;
use eventory_shared::{BookingId, BookingStatus, SeatId};

use super::{audit_once, outbox, AuditKey, SalesContext};
use crate::auth::Caller;
use crate::store::{BookingRecord, PaymentStatus, StoreError};

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
    ctx: &SalesContext,
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
    let record = match record.booking.status {
        BookingStatus::Confirmed => {
            let event = outbox(DomainEvent::BookingRefunded {
                booking_id,
                show_id: record.booking.show_id,
                seats: record.booking.seats.clone(),
            })?;
            match ctx
                .store
                .refund_booking(
                    booking_id,
                    BookingStatus::Confirmed,
                    BookingStatus::Refunding,
                    Some(&event),
                )
                .await?
            {
                Some(claimed) => {
                    ctx.outbox_written.notify_one();
                    audit_once(
                        ctx,
                        AuditKey::Request,
                        Some(caller.user_id),
                        "booking.refund_requested",
                        &claimed,
                        format!("by {}: {reason}", caller.role),
                    )
                    .await?;
                    claimed
                }
                // Someone else moved it first: a refund (whose result we give) or an exchange.
                None => ctx
                    .store
                    .booking(booking_id)
                    .await?
                    .filter(|r| {
                        matches!(
                            r.booking.status,
                            BookingStatus::Refunding | BookingStatus::Refunded
                        )
                    })
                    .ok_or(RefundError::NotConfirmed)?,
            }
        }
        // A retry, or a second cashier: the refund decided already; finish it and answer it.
        BookingStatus::Refunding | BookingStatus::Refunded => record,
        _ => return Err(RefundError::NotConfirmed),
    };
    Ok(finish_refund(ctx, &record).await?)
}

/// Completes a decided refund (status `refunding`); idempotent, and a no-op answer for one
/// already `refunded`.
pub async fn finish_refund(
    ctx: &SalesContext,
    record: &BookingRecord,
) -> anyhow::Result<BookingRecord> {
    let booking = &record.booking;
    if booking.status == BookingStatus::Refunded {
        return Ok(record.clone());
    }
    anyhow::ensure!(
        booking.status == BookingStatus::Refunding,
        "booking {} is {:?}, not being refunded",
        booking.id,
        booking.status
    );
    // Seats back on sale (their tickets were released with the claim). A ledger that does
    // not know the show (a cancelled show is not loaded after a restart; a lost ledger is
    // rebuilt from the tickets, where these are refunded already) has nothing to free.
    match ctx
        .ledger
        .refund(booking.show_id, booking.id, &booking.seats)
        .await
    {
        Ok(Some(change)) => ctx.feed.publish(change).await,
        Ok(None) | Err(crate::seats::LedgerError::UnknownShow(_)) => {}
        Err(e) => return Err(e.into()),
    }
    crate::rewards::on_refunded(ctx.store.as_ref(), record).await?;
    // Money back: the payment this booking carries (an exchange's booking carries the
    // original one, copied to it when the exchange was made).
    let payment = ctx.store.payment(booking.id).await?;
    let refunded = match &payment {
        Some(p) if p.status != PaymentStatus::Declined => {
            ctx.gateways
                .for_method(p.method)
                .refund(p.payment_id, p.amount)
                .await?;
            Some(p)
        }
        _ => None,
    };
    let event = match refunded {
        Some(p) => Some(outbox(DomainEvent::PaymentRefunded {
            booking_id: booking.id,
            payment_id: p.payment_id,
            amount: p.amount,
        })?),
        None => None,
    };
    let done = ctx
        .store
        .transition_booking(
            booking.id,
            &[BookingStatus::Refunding],
            BookingStatus::Refunded,
            event.as_ref(),
        )
        .await?;
    let done = match done {
        Some(done) => {
            ctx.outbox_written.notify_one();
            metrics::counter!("eventory_refunds_total", "reason" => "staff").increment(1);
            done
        }
        // Finished by someone else meanwhile.
        None => ctx
            .store
            .booking(booking.id)
            .await?
            .ok_or(StoreError::NotFound("booking"))?,
    };
    let detail = match refunded {
        Some(p) => format!(
            "{} returned by {:?} (payment {})",
            p.amount, p.method, p.payment_id
        ),
        None => "no payment to return".to_owned(),
    };
    let key = AuditKey::Step(payment.map_or(uuid::Uuid::nil(), |p| p.payment_id));
    audit_once(ctx, key, None, "booking.refunded", &done, detail).await?;
    Ok(done)
}
