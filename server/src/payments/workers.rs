//! The payment flow's workers.
//!
//! - Payment worker (group `payments`, topic `bookings`): charges each `booking.created` once
//!   and publishes `payment.succeeded` / `payment.failed`.
//! - Booking worker (group `bookings`, topic `payments`): applies each outcome once — tickets,
//!   seats sold, booking confirmed; or booking cancelled and seats released. A payment that
//!   succeeds after its hold was lost is refunded: the seats are never sold twice.
//!
//! Exactly-once effects on at-least-once delivery come from the store: the charge is guarded by
//! the payment record (one per booking) and a conditional pending -> processing move; outcomes
//! by conditional booking transitions and the unique live-ticket index. Outcome events get ids
//! derived from the booking, so a re-published outcome is the same event.

use std::sync::Arc;

use chrono::Utc;
use eventory_shared::events::{DomainEvent, EventEnvelope, Topic};
use eventory_shared::{BookingId, BookingStatus, Money, TicketId};
use tokio_util::sync::CancellationToken;
use uuid::Uuid;

use super::{ChargeOutcome, ChargeRequest, Gateways};
use crate::bus::consumer::{spawn_consumer, Handler};
use crate::bus::EventBus;
use crate::live::SeatFeed;
use crate::seats::{LedgerError, SeatLedger};
use crate::store::{
    AuditEntry, BookingRecord, OutboxEntry, PaymentRecord, PaymentStatus, Store, StoreError,
    TicketRecord, TicketStatus,
};

/// What the workers need.
#[derive(Clone)]
pub struct WorkerContext {
    pub store: Arc<dyn Store>,
    pub ledger: Arc<dyn SeatLedger>,
    pub bus: Arc<dyn EventBus>,
    pub gateways: Arc<Gateways>,
    pub feed: SeatFeed,
    pub prizes: Arc<crate::rewards::PrizeTable>,
}

/// Starts both workers until `stop`.
pub fn spawn_workers(
    ctx: WorkerContext,
    stop: CancellationToken,
) -> Vec<tokio::task::JoinHandle<()>> {
    let payments = ctx.clone();
    let charge: Handler = Arc::new(move |event| {
        let ctx = payments.clone();
        Box::pin(async move { charge_booking(&ctx, event).await })
    });
    let bookings = ctx.clone();
    let apply: Handler = Arc::new(move |event| {
        let ctx = bookings.clone();
        Box::pin(async move { apply_outcome(&ctx, event).await })
    });
    vec![
        spawn_consumer(
            ctx.bus.clone(),
            "payments",
            vec![Topic::Bookings],
            charge,
            stop.clone(),
        ),
        spawn_consumer(
            ctx.bus.clone(),
            "bookings",
            vec![Topic::Payments],
            apply,
            stop,
        ),
    ]
}

/// The id of the outcome event of a booking's payment: the same booking always gives the same
/// id, so consumers recognise a re-published outcome.
fn outcome_event_id(booking: BookingId) -> Uuid {
    Uuid::new_v5(
        &Uuid::NAMESPACE_OID,
        format!("eventory:payment-outcome:{booking}").as_bytes(),
    )
}

/// Payment worker: charge a new booking, at most once.
pub async fn charge_booking(ctx: &WorkerContext, event: EventEnvelope) -> anyhow::Result<()> {
    let DomainEvent::BookingCreated {
        booking_id,
        amount,
        payment_method,
        cash_tendered,
        ..
    } = event.event
    else {
        return Ok(());
    };
    let Some(record) = ctx.store.booking(booking_id).await? else {
        tracing::warn!(%booking_id, "booking.created for an unknown booking; skipped");
        return Ok(());
    };
    let payment = match ctx.store.payment(booking_id).await? {
        // Charged already (a redelivery, or a restart after the charge): reuse the outcome.
        Some(payment) => payment,
        None => {
            match record.booking.status {
                BookingStatus::Pending => {
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
                        // Cancelled meanwhile (hold lost at checkout), or another worker took it.
                        let now = ctx
                            .store
                            .booking(booking_id)
                            .await?
                            .map(|r| r.booking.status);
                        if now != Some(BookingStatus::Processing) {
                            return Ok(());
                        }
                    }
                }
                // A worker died after taking it but before recording the outcome.
                BookingStatus::Processing => {}
                _ => return Ok(()),
            }
            let outcome = ctx
                .gateways
                .for_method(payment_method)
                .charge(&ChargeRequest {
                    booking_id,
                    amount,
                    method: payment_method,
                    cash_tendered,
                })
                .await?;
            let payment = match outcome {
                ChargeOutcome::Approved {
                    payment_id,
                    change_due,
                } => PaymentRecord {
                    booking_id,
                    payment_id,
                    method: payment_method,
                    amount,
                    status: PaymentStatus::Approved,
                    change_due,
                    reason: None,
                    at: Utc::now(),
                },
                ChargeOutcome::Declined { reason } => PaymentRecord {
                    booking_id,
                    payment_id: Uuid::new_v4(),
                    method: payment_method,
                    amount,
                    status: PaymentStatus::Declined,
                    change_due: None,
                    reason: Some(reason),
                    at: Utc::now(),
                },
            };
            match ctx.store.insert_payment(&payment).await {
                Ok(()) => payment,
                Err(StoreError::Duplicate(_)) => ctx
                    .store
                    .payment(booking_id)
                    .await?
                    .ok_or(StoreError::NotFound("payment"))?,
                Err(e) => return Err(e.into()),
            }
        }
    };
    let outcome = match payment.status {
        PaymentStatus::Approved | PaymentStatus::Refunded => DomainEvent::PaymentSucceeded {
            booking_id,
            payment_id: payment.payment_id,
            amount: payment.amount,
            change_due: payment.change_due,
        },
        PaymentStatus::Declined => DomainEvent::PaymentFailed {
            booking_id,
            reason: payment.reason.unwrap_or_else(|| "declined".into()),
        },
    };
    metrics::counter!("eventory_payments_total", "outcome" => outcome.kind()).increment(1);
    ctx.bus
        .publish(&EventEnvelope::new(
            outcome_event_id(booking_id),
            Utc::now(),
            outcome,
        ))
        .await?;
    Ok(())
}

/// Booking worker: apply a payment outcome, once.
pub async fn apply_outcome(ctx: &WorkerContext, event: EventEnvelope) -> anyhow::Result<()> {
    match event.event {
        DomainEvent::PaymentSucceeded {
            booking_id,
            payment_id,
            amount,
            ..
        } => payment_succeeded(ctx, booking_id, payment_id, amount).await,
        DomainEvent::PaymentFailed { booking_id, reason } => {
            payment_failed(ctx, booking_id, &reason).await
        }
        _ => Ok(()),
    }
}

fn outbox(event: DomainEvent) -> anyhow::Result<OutboxEntry> {
    Ok(OutboxEntry::for_event(&EventEnvelope::new(
        Uuid::new_v4(),
        Utc::now(),
        event,
    ))?)
}

/// Cancels a pending or processing booking (with its `booking.cancelled` event); `true` if
/// this call moved it.
async fn cancel_booking(
    ctx: &WorkerContext,
    record: &BookingRecord,
    reason: String,
) -> anyhow::Result<bool> {
    let cancelled = outbox(DomainEvent::BookingCancelled {
        booking_id: record.booking.id,
        show_id: record.booking.show_id,
        reason,
    })?;
    let moved = ctx
        .store
        .transition_booking(
            record.booking.id,
            &[BookingStatus::Pending, BookingStatus::Processing],
            BookingStatus::Cancelled,
            Some(&cancelled),
        )
        .await?;
    Ok(moved.is_some())
}

async fn payment_succeeded(
    ctx: &WorkerContext,
    booking_id: BookingId,
    payment_id: Uuid,
    amount: Money,
) -> anyhow::Result<()> {
    let Some(record) = ctx.store.booking(booking_id).await? else {
        return Ok(());
    };
    let booking = &record.booking;
    match booking.status {
        BookingStatus::Pending | BookingStatus::Processing => {}
        // Applied already (a redelivery): finish its effects in case a crash cut them short.
        BookingStatus::Confirmed => {
            crate::rewards::on_confirmed(ctx.store.as_ref(), &ctx.prizes, &record).await?;
            return Ok(());
        }
        // Refunded because its hold was lost.
        _ => return Ok(()),
    }
    match ctx
        .ledger
        .confirm(booking.show_id, record.hold_id, booking_id, &booking.seats)
        .await
    {
        Ok(change) => {
            let tickets: Vec<TicketRecord> = booking
                .seats
                .iter()
                .map(|seat| TicketRecord {
                    id: TicketId::from_uuid(Uuid::new_v4()),
                    booking_id,
                    show_id: booking.show_id,
                    seat_id: seat.clone(),
                    qr_token: Uuid::new_v4().simple().to_string(),
                    status: TicketStatus::Live,
                    issued_at: Utc::now(),
                })
                .collect();
            let confirmed = outbox(DomainEvent::BookingConfirmed {
                booking_id,
                show_id: booking.show_id,
                seats: booking.seats.clone(),
            })?;
            match ctx
                .store
                .confirm_booking_with_tickets(booking_id, &tickets, Some(&confirmed))
                .await
            {
                Ok(_) => {
                    if let Some(change) = change {
                        ctx.feed.publish(change).await;
                    }
                    crate::rewards::on_confirmed(ctx.store.as_ref(), &ctx.prizes, &record).await?;
                    metrics::counter!("eventory_bookings_confirmed_total").increment(1);
                    Ok(())
                }
                Err(StoreError::SeatAlreadySold(seats)) => {
                    // The ledger and the store disagree (the ledger lost a sale): the store
                    // wins. Give the seats back to their real buyer in the ledger, and refund.
                    tracing::error!(%booking_id, ?seats, "store refused a sale the ledger allowed; refunding");
                    ctx.ledger
                        .refund(booking.show_id, booking_id, &booking.seats)
                        .await?;
                    crate::store::rebuild::rebuild_show(
                        ctx.store.as_ref(),
                        ctx.ledger.as_ref(),
                        booking.show_id,
                    )
                    .await?;
                    refund_lost_booking(ctx, &record, payment_id, amount, "seats already sold")
                        .await
                }
                Err(e) => Err(e.into()),
            }
        }
        Err(LedgerError::HoldNotFound(_) | LedgerError::HoldExpired(_)) => {
            // Paid, but the hold is gone (expired before payment started, or lost): refund;
            // never sell the seats a second time.
            if let Ok(change) = ctx.ledger.release(record.hold_id).await {
                ctx.feed.publish(change).await;
            }
            refund_lost_booking(
                ctx,
                &record,
                payment_id,
                amount,
                "hold lost before payment completed",
            )
            .await
        }
        Err(e) => Err(e.into()),
    }
}

async fn refund_lost_booking(
    ctx: &WorkerContext,
    record: &BookingRecord,
    payment_id: Uuid,
    amount: Money,
    reason: &str,
) -> anyhow::Result<()> {
    let booking_id = record.booking.id;
    // Refund first: if cancelling fails, the retry refunds again, which the gateway ignores.
    ctx.gateways
        .for_method(record.booking.payment_method)
        .refund(payment_id, amount)
        .await?;
    if cancel_booking(ctx, record, format!("refunded: {reason}")).await? {
        ctx.store
            .append_audit(&AuditEntry {
                id: Uuid::new_v4(),
                at: Utc::now(),
                actor: None,
                action: "payment.refunded".into(),
                subject: format!("booking {booking_id}"),
                detail: format!("{amount} refunded: {reason}"),
            })
            .await?;
        ctx.bus
            .publish(&EventEnvelope::new(
                Uuid::new_v5(
                    &Uuid::NAMESPACE_OID,
                    format!("eventory:payment-refund:{booking_id}").as_bytes(),
                ),
                Utc::now(),
                DomainEvent::PaymentRefunded {
                    booking_id,
                    payment_id,
                    amount,
                },
            ))
            .await?;
        metrics::counter!("eventory_refunds_total", "reason" => "hold_lost").increment(1);
    }
    Ok(())
}

async fn payment_failed(
    ctx: &WorkerContext,
    booking_id: BookingId,
    reason: &str,
) -> anyhow::Result<()> {
    let Some(record) = ctx.store.booking(booking_id).await? else {
        return Ok(());
    };
    let moved = cancel_booking(ctx, &record, format!("payment failed: {reason}")).await?;
    if moved || record.booking.status == BookingStatus::Cancelled {
        match ctx.ledger.release(record.hold_id).await {
            Ok(change) => ctx.feed.publish(change).await,
            Err(LedgerError::HoldNotFound(_)) => {} // released already (a redelivery)
            Err(e) => return Err(e.into()),
        }
    }
    Ok(())
}
