//! Staff exchanges: a confirmed booking moves to other seats (of the same or another show) held
//! by the cashier, like for like: the new seats must cost what the old ones did (otherwise the
//! cashier refunds and sells). No money moves; the old booking is refunded, its seats go back on
//! sale, and a new confirmed booking holds the new seats. Loyalty points and the scratch card
//! stay with the original booking, so an exchange cannot re-roll a prize.

use chrono::Utc;
use eventory_shared::events::{DomainEvent, EventEnvelope};
use eventory_shared::{Booking, BookingId, BookingStatus, HoldId, Money, TicketId};
use uuid::Uuid;

use super::checkout::{booking_code, CheckoutDesk, CheckoutError};
use super::workers::WorkerContext;
use crate::auth::extract::Caller;
use crate::seats::{HoldState, LedgerError};
use crate::store::{
    AuditEntry, BookingRecord, OutboxEntry, StoreError, TicketRecord, TicketStatus,
};

/// Why an exchange was refused.
#[derive(Debug, thiserror::Error)]
pub enum ExchangeError {
    #[error("no such booking")]
    NoSuchBooking,
    #[error("only confirmed bookings can be exchanged")]
    NotConfirmed,
    #[error("no such hold")]
    NoSuchHold,
    #[error("the hold expired")]
    HoldExpired,
    #[error("the new seats cost {new}, the booking {old}: refund and sell instead")]
    PriceDiffers { old: Money, new: Money },
    #[error(transparent)]
    Store(#[from] StoreError),
    #[error(transparent)]
    Other(#[from] anyhow::Error),
}

impl From<CheckoutError> for ExchangeError {
    fn from(e: CheckoutError) -> Self {
        match e {
            CheckoutError::Store(e) => ExchangeError::Store(e),
            other => ExchangeError::Other(anyhow::anyhow!("{other}")),
        }
    }
}

fn event(e: DomainEvent) -> Result<OutboxEntry, ExchangeError> {
    OutboxEntry::for_event(&EventEnvelope::new(Uuid::new_v4(), Utc::now(), e))
        .map_err(|e| ExchangeError::Other(e.into()))
}

/// Moves `booking` onto the seats of `hold` (held by the caller).
pub async fn exchange(
    desk: &CheckoutDesk,
    ctx: &WorkerContext,
    caller: &Caller,
    booking: BookingId,
    hold_id: HoldId,
) -> Result<Booking, ExchangeError> {
    let old = ctx
        .store
        .booking(booking)
        .await?
        .ok_or(ExchangeError::NoSuchBooking)?;
    if old.booking.status != BookingStatus::Confirmed {
        return Err(ExchangeError::NotConfirmed);
    }
    let hold = ctx
        .ledger
        .get_hold(hold_id)
        .await
        .map_err(anyhow::Error::from)?
        .filter(|h| h.owner == caller.owner())
        .ok_or(ExchangeError::NoSuchHold)?;
    if hold.state != HoldState::Held || hold.expires_at <= Utc::now() {
        return Err(ExchangeError::HoldExpired);
    }
    let price = desk.price(&hold).await?;
    if price != old.booking.amount || hold.seats.len() != old.booking.seats.len() {
        return Err(ExchangeError::PriceDiffers {
            old: old.booking.amount,
            new: price,
        });
    }

    // The new booking, written with the old one's refund event (one transaction).
    let now = Utc::now();
    let new = BookingRecord {
        booking: Booking {
            id: BookingId::from_uuid(Uuid::new_v4()),
            code: booking_code(),
            show_id: hold.show_id,
            user_id: old.booking.user_id,
            seats: hold.seats.clone(),
            amount: old.booking.amount,
            channel: old.booking.channel,
            payment_method: old.booking.payment_method,
            status: BookingStatus::Pending,
            created_at: now,
            updated_at: now,
        },
        hold_id,
        idempotency_key: None,
        cash_tendered: None,
        coupon: None,
    };
    let refunded_event = event(DomainEvent::BookingRefunded {
        booking_id: old.booking.id,
        show_id: old.booking.show_id,
        seats: old.booking.seats.clone(),
    })?;
    ctx.store
        .insert_booking_with_outbox(&new, &refunded_event)
        .await?;
    let new_id = new.booking.id;

    // Sell the new seats (only if the hold still holds them), then record the sale.
    let sold = match ctx
        .ledger
        .confirm(hold.show_id, hold_id, new_id, &hold.seats)
        .await
    {
        Ok(change) => change,
        Err(e) => {
            ctx.store
                .transition_booking(
                    new_id,
                    &[BookingStatus::Pending],
                    BookingStatus::Cancelled,
                    None,
                )
                .await?;
            return Err(match e {
                LedgerError::HoldExpired(_) | LedgerError::HoldNotFound(_) => {
                    ExchangeError::HoldExpired
                }
                other => ExchangeError::Other(other.into()),
            });
        }
    };
    let tickets: Vec<TicketRecord> = hold
        .seats
        .iter()
        .map(|seat| TicketRecord {
            id: TicketId::from_uuid(Uuid::new_v4()),
            booking_id: new_id,
            show_id: hold.show_id,
            seat_id: seat.clone(),
            qr_token: Uuid::new_v4().simple().to_string(),
            status: TicketStatus::Live,
            issued_at: now,
        })
        .collect();
    let confirmed_event = event(DomainEvent::BookingConfirmed {
        booking_id: new_id,
        show_id: hold.show_id,
        seats: hold.seats.clone(),
    })?;
    let confirmed = ctx
        .store
        .confirm_booking_with_tickets(new_id, &tickets, Some(&confirmed_event))
        .await?
        .ok_or(StoreError::NotFound("booking"))?;
    if let Some(change) = sold {
        ctx.feed.publish(change).await;
    }

    // Free the old seats.
    if ctx
        .store
        .refund_booking(old.booking.id, None)
        .await?
        .is_some()
    {
        if let Some(change) = ctx
            .ledger
            .refund(old.booking.show_id, old.booking.id, &old.booking.seats)
            .await
            .map_err(anyhow::Error::from)?
        {
            ctx.feed.publish(change).await;
        }
    }
    ctx.store
        .append_audit(&AuditEntry {
            id: Uuid::new_v4(),
            at: Utc::now(),
            actor: Some(caller.user_id),
            action: "booking.exchanged".into(),
            subject: format!("booking {}", old.booking.id),
            detail: format!("moved to booking {new_id} ({} seats)", hold.seats.len()),
        })
        .await?;
    desk.outbox_written.notify_one();
    Ok(confirmed.booking)
}
