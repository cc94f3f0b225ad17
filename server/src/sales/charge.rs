//! The payment step: a pending booking is charged at most once, and its outcome is recorded
//! with the event announcing it in one store transaction (the outbox), so neither a crash nor
//! a lost event can leave a charge without its outcome applied.
//!
//! At most one charge, across workers and restarts:
//! 1. The hold is claimed for the booking in the ledger (idempotent; checkout normally did it).
//!    A hold that is gone, or claimed for another booking (a double checkout), means this
//!    booking is cancelled without a charge.
//! 2. The conditional move `pending -> processing` is the durable attempt record: written
//!    before the gateway is called, and won by exactly one worker. A worker that loses it
//!    does not charge.
//! 3. The gateway is asked with the booking id as its idempotency key: if the worker that won
//!    died mid-charge, the reconciler asks again (only after a grace period) and gets the
//!    first answer back, never a second charge.

use chrono::Utc;
use eventory_shared::events::{DomainEvent, EventEnvelope};
use eventory_shared::{BookingId, BookingStatus};
use uuid::Uuid;

use super::{cancel_booking, derived_id, hold_lost, release_if_expired, SalesContext};
use crate::payments::{ChargeOutcome, ChargeRequest};
use crate::store::{BookingRecord, OutboxEntry, PaymentRecord, PaymentStatus, StoreError};

/// Who is asking: the payment worker (fresh event) or the reconciler (the booking stopped
/// moving, so a `processing` booking without an outcome may be charged again under the same
/// idempotency key).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Attempt {
    First,
    Recovery,
}

/// The id of the outcome event of a booking's payment: the same booking always gives the same
/// id, so consumers recognise a re-published outcome.
pub fn outcome_event_id(booking: BookingId) -> Uuid {
    derived_id("payment-outcome", booking)
}

/// The payment worker's handler: charge a new booking, at most once.
pub async fn charge_booking(ctx: &SalesContext, event: EventEnvelope) -> anyhow::Result<()> {
    let DomainEvent::BookingCreated { booking_id, .. } = event.event else {
        return Ok(());
    };
    let Some(record) = ctx.store.booking(booking_id).await? else {
        tracing::warn!(%booking_id, "booking.created for an unknown booking; skipped");
        return Ok(());
    };
    charge(ctx, &record, Attempt::First).await.map(|_| ())
}

/// Runs the payment step of `record`; returns its payment once there is one.
pub async fn charge(
    ctx: &SalesContext,
    record: &BookingRecord,
    attempt: Attempt,
) -> anyhow::Result<Option<PaymentRecord>> {
    let booking_id = record.booking.id;
    if record.exchange_of.is_some() {
        // An exchange's booking carries the payment of the one it replaces: never charged.
        return Ok(None);
    }
    if let Some(payment) = ctx.store.payment(booking_id).await? {
        // Charged already (a redelivery, or a restart after the charge).
        return Ok(Some(payment));
    }
    match record.booking.status {
        BookingStatus::Pending => {
            match ctx.ledger.mark_processing(record.hold_id, booking_id).await {
                Ok(change) => {
                    if let Some(change) = change {
                        ctx.feed.publish(change).await;
                    }
                }
                Err(e) if hold_lost(&e) => {
                    // Not ours to sell: never charge it.
                    release_if_expired(ctx, record, &e).await;
                    cancel_booking(ctx, record, format!("not charged: {e}")).await?;
                    return Ok(None);
                }
                Err(e) => return Err(e.into()),
            }
            let moved = ctx
                .store
                .transition_booking(
                    booking_id,
                    &[BookingStatus::Pending],
                    BookingStatus::Processing,
                    None,
                )
                .await?;
            if moved.is_none() {
                // Another worker took it (it charges), or it was cancelled meanwhile.
                return Ok(None);
            }
        }
        // The worker that took it stopped before recording an outcome (the reconciler only
        // asks after a grace period): ask the gateway again under the same idempotency key.
        BookingStatus::Processing if attempt == Attempt::Recovery => {}
        _ => return Ok(None),
    }
    let method = record.booking.payment_method;
    let amount = record.booking.amount;
    tracing::debug!(%booking_id, ?attempt, "charging");
    let outcome = ctx
        .gateways
        .for_method(method)
        .charge(&ChargeRequest {
            booking_id,
            amount,
            method,
            cash_tendered: record.cash_tendered,
        })
        .await?;
    let payment = match outcome {
        ChargeOutcome::Approved {
            payment_id,
            change_due,
        } => PaymentRecord {
            booking_id,
            payment_id,
            method,
            amount,
            status: PaymentStatus::Approved,
            change_due,
            reason: None,
            at: Utc::now(),
        },
        ChargeOutcome::Declined { reason } => PaymentRecord {
            booking_id,
            payment_id: derived_id("declined-payment", booking_id),
            method,
            amount,
            status: PaymentStatus::Declined,
            change_due: None,
            reason: Some(reason),
            at: Utc::now(),
        },
    };
    let event = OutboxEntry::for_event(&EventEnvelope::new(
        outcome_event_id(booking_id),
        Utc::now(),
        outcome_event(&payment),
    ))?;
    tracing::debug!(%booking_id, status = ?payment.status, "charge decided");
    match ctx.store.insert_payment(&payment, Some(&event)).await {
        Ok(()) => {
            ctx.outbox_written.notify_one();
            metrics::counter!("eventory_payments_total", "outcome" => event_kind(&payment))
                .increment(1);
            Ok(Some(payment))
        }
        // Someone recorded it first (the same gateway answer): theirs stands.
        Err(StoreError::Duplicate(_)) => Ok(ctx.store.payment(booking_id).await?),
        Err(e) => Err(e.into()),
    }
}

/// The event announcing a payment's outcome.
pub fn outcome_event(payment: &PaymentRecord) -> DomainEvent {
    match payment.status {
        PaymentStatus::Approved | PaymentStatus::Refunded => DomainEvent::PaymentSucceeded {
            booking_id: payment.booking_id,
            payment_id: payment.payment_id,
            amount: payment.amount,
            change_due: payment.change_due,
        },
        PaymentStatus::Declined => DomainEvent::PaymentFailed {
            booking_id: payment.booking_id,
            reason: payment.reason.clone().unwrap_or_else(|| "declined".into()),
        },
    }
}

fn event_kind(payment: &PaymentRecord) -> &'static str {
    match payment.status {
        PaymentStatus::Declined => "payment.failed",
        _ => "payment.succeeded",
    }
}
