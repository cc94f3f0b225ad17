//! Applying a payment outcome, once: on success the ledger sells the hold's seats (only if
//! the hold still holds them for this booking), then the store confirms the booking and
//! inserts its tickets in one transaction (unique live ticket per seat); on failure the hold
//! is released and the booking cancelled. A payment that succeeded after its hold was lost is
//! refunded: the seat is never sold twice.
//!
//! Every step is conditional or idempotent, so a redelivered event, a crash between two steps,
//! or the reconciler re-driving the booking all end in the same state.

use eventory_shared::events::{DomainEvent, EventEnvelope};
use eventory_shared::{BookingStatus, TicketId};
use uuid::Uuid;

use super::{
    audit_once, cancel_booking, hold_lost, outbox, release_if_expired, AuditKey, SalesContext,
};
use crate::seats::LedgerError;
use crate::store::{BookingRecord, PaymentRecord, PaymentStatus, StoreError, TicketRecord};

/// The booking worker's handler.
pub async fn apply_outcome(ctx: &SalesContext, event: EventEnvelope) -> anyhow::Result<()> {
    let booking_id = match &event.event {
        DomainEvent::PaymentSucceeded { booking_id, .. }
        | DomainEvent::PaymentFailed { booking_id, .. } => *booking_id,
        _ => return Ok(()),
    };
    let Some(record) = ctx.store.booking(booking_id).await? else {
        return Ok(());
    };
    // The payment record is the truth (written with the event, in one transaction).
    let Some(payment) = ctx.store.payment(booking_id).await? else {
        anyhow::bail!("outcome of booking {booking_id} without a payment record");
    };
    apply(ctx, &record, &payment).await
}

/// Applies `payment` to its booking.
pub async fn apply(
    ctx: &SalesContext,
    record: &BookingRecord,
    payment: &PaymentRecord,
) -> anyhow::Result<()> {
    match payment.status {
        PaymentStatus::Approved | PaymentStatus::Refunded => succeeded(ctx, record, payment).await,
        PaymentStatus::Declined => {
            let reason = payment.reason.clone().unwrap_or_else(|| "declined".into());
            failed(ctx, record, &reason).await
        }
    }
}

/// Tickets for every seat of a booking.
pub(crate) fn tickets_for(record: &BookingRecord) -> Vec<TicketRecord> {
    let booking = &record.booking;
    booking
        .seats
        .iter()
        .map(|seat| TicketRecord {
            id: TicketId::from_uuid(Uuid::new_v4()),
            booking_id: booking.id,
            show_id: booking.show_id,
            seat_id: seat.clone(),
            qr_token: Uuid::new_v4().simple().to_string(),
            status: crate::store::TicketStatus::Live,
            issued_at: chrono::Utc::now(),
            ticket_type: booking.ticket_type(seat).to_owned(),
        })
        .collect()
}

async fn succeeded(
    ctx: &SalesContext,
    record: &BookingRecord,
    payment: &PaymentRecord,
) -> anyhow::Result<()> {
    let booking = &record.booking;
    let booking_id = booking.id;
    match booking.status {
        BookingStatus::Pending | BookingStatus::Processing => {}
        // Applied already (a redelivery): finish its effects in case a crash cut them short.
        BookingStatus::Confirmed => {
            crate::rewards::on_confirmed(ctx.store.as_ref(), &ctx.prizes, record).await?;
            return Ok(());
        }
        // Cancelled (and refunded) because its hold was lost, or refunded/exchanged since.
        _ => return Ok(()),
    }
    match ctx
        .ledger
        .confirm(booking.show_id, record.hold_id, booking_id, &booking.seats)
        .await
    {
        Ok(change) => {
            let confirmed = outbox(DomainEvent::BookingConfirmed {
                booking_id,
                show_id: booking.show_id,
                seats: booking.seats.clone(),
            })?;
            match ctx
                .store
                .confirm_booking_with_tickets(booking_id, &tickets_for(record), Some(&confirmed))
                .await
            {
                Ok(_) => {
                    ctx.outbox_written.notify_one();
                    if let Some(change) = change {
                        ctx.feed.publish(change).await;
                    }
                    crate::rewards::on_confirmed(ctx.store.as_ref(), &ctx.prizes, record).await?;
                    metrics::counter!("eventory_bookings_confirmed_total").increment(1);
                    Ok(())
                }
                Err(StoreError::SeatAlreadySold(seats)) => {
                    // The ledger and the store disagree (the ledger lost a sale): the store
                    // wins. Give the seats back to their real buyer in the ledger, and refund.
                    tracing::error!(%booking_id, ?seats, "store refused a sale the ledger allowed; refunding");
                    if let Some(change) = ctx
                        .ledger
                        .refund(booking.show_id, booking_id, &booking.seats)
                        .await?
                    {
                        ctx.feed.publish(change).await;
                    }
                    if let Some(change) = crate::seats::rebuild::rebuild_show(
                        ctx.store.as_ref(),
                        ctx.ledger.as_ref(),
                        booking.show_id,
                    )
                    .await?
                    {
                        ctx.feed.publish(change).await;
                    }
                    refund_lost_booking(ctx, record, payment, "seats already sold").await
                }
                Err(e) => Err(e.into()),
            }
        }
        Err(e) if hold_lost(&e) => {
            // Paid, but the hold is gone (expired before payment started, lost with the
            // ledger, or never ours): refund; never sell the seats a second time.
            release_if_expired(ctx, record, &e).await;
            refund_lost_booking(ctx, record, payment, "hold lost before payment completed").await
        }
        Err(e) => Err(e.into()),
    }
}

/// Pays back a payment whose booking cannot be sold, then cancels the booking. The refund
/// comes first: if cancelling fails, the retry (or the reconciler) refunds again, which the
/// gateway ignores for a payment already refunded.
async fn refund_lost_booking(
    ctx: &SalesContext,
    record: &BookingRecord,
    payment: &PaymentRecord,
    reason: &str,
) -> anyhow::Result<()> {
    ctx.gateways
        .for_method(payment.method)
        .refund(payment.payment_id, payment.amount)
        .await?;
    if cancel_booking(ctx, record, format!("refunded: {reason}")).await? {
        audit_once(
            ctx,
            AuditKey::Step(payment.payment_id),
            None,
            "payment.refunded",
            record,
            format!("{} refunded: {reason}", payment.amount),
        )
        .await?;
        metrics::counter!("eventory_refunds_total", "reason" => "hold_lost").increment(1);
    }
    Ok(())
}

async fn failed(ctx: &SalesContext, record: &BookingRecord, reason: &str) -> anyhow::Result<()> {
    if !matches!(
        record.booking.status,
        BookingStatus::Pending | BookingStatus::Processing
    ) {
        return Ok(());
    }
    // Seats first, then the booking: a crash in between leaves a booking the reconciler
    // finds (not final) rather than a processing hold nobody would ever release.
    match ctx.ledger.get_hold(record.hold_id).await? {
        Some(hold) if hold.booking == Some(record.booking.id) => {
            match ctx.ledger.release(record.hold_id).await {
                Ok(change) => ctx.feed.publish(change).await,
                Err(LedgerError::HoldNotFound(_)) => {} // released meanwhile
                Err(e) => return Err(e.into()),
            }
        }
        _ => {} // gone already, or not this booking's
    }
    cancel_booking(ctx, record, format!("payment failed: {reason}")).await?;
    Ok(())
}
