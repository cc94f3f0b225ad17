//! Staff exchanges: a confirmed booking moves to other seats (of the same or another show) held
//! by the cashier, like for like: the new seats must cost what the old ones did (otherwise the
//! cashier refunds and sells). No money moves: the original payment moves to the new booking,
//! so refunding the new booking later returns it.
//!
//! 1. One conditional step decides: `confirmed -> exchanging` on the old booking. Of two
//!    concurrent exchanges, or an exchange and a refund, one wins before anything else moves.
//!    The same transaction writes the new booking (pending), and records it on the old one.
//! 2. The new booking carries the old booking's payment.
//! 3. The ledger sells the new seats through the hold, and the store confirms the new booking
//!    with its tickets. If the hold was lost, the exchange is undone: the new booking is
//!    cancelled and the old one goes back to `confirmed`, untouched.
//! 4. Only once the new booking is confirmed: the old booking's tickets are released and its
//!    scratch card voided (one transaction), its seats go back on sale, and it becomes
//!    `exchanged`, audited.
//!
//! Each step is idempotent; the reconciler finishes (or undoes) an exchange a crash cut short.

use chrono::Utc;
use eventory_shared::events::DomainEvent;
use eventory_shared::{Booking, BookingId, BookingStatus, HoldId, Money};

use super::checkout::{booking_code, CheckoutDesk, CheckoutError};
use super::outcome::tickets_for;
use super::{audit_once, hold_lost, outbox, AuditKey, SalesContext};
use crate::auth::Caller;
use crate::seats::HoldState;
use crate::store::{BookingRecord, PaymentRecord, StoreError};

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

/// Moves `booking` onto the seats of `hold_id` (held by the caller).
pub async fn exchange(
    desk: &CheckoutDesk,
    ctx: &SalesContext,
    caller: &Caller,
    booking: BookingId,
    hold_id: HoldId,
) -> Result<Booking, ExchangeError> {
    let old = ctx
        .store
        .booking(booking)
        .await?
        .ok_or(ExchangeError::NoSuchBooking)?;
    if matches!(
        old.booking.status,
        BookingStatus::Exchanging | BookingStatus::Exchanged
    ) {
        // A retry of this same exchange gets its result; any other exchange lost.
        let new = match old.exchange_to {
            Some(id) => ctx.store.booking(id).await?,
            None => None,
        };
        return match new {
            Some(new) if new.hold_id == hold_id => Ok(finish_exchange(ctx, &old)
                .await?
                .ok_or(ExchangeError::HoldExpired)?),
            _ => Err(ExchangeError::NotConfirmed),
        };
    }
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
    let price = desk.price(&hold, &Default::default()).await?;
    if price != old.booking.amount || hold.seats.len() != old.booking.seats.len() {
        return Err(ExchangeError::PriceDiffers {
            old: old.booking.amount,
            new: price,
        });
    }

    // 1. The claim (one winner), with the new booking, pending, in one transaction.
    let now = Utc::now();
    let new = BookingRecord {
        booking: Booking {
            id: BookingId::from_uuid(uuid::Uuid::new_v4()),
            code: booking_code(),
            show_id: hold.show_id,
            user_id: old.booking.user_id,
            customer_id: old.booking.customer_id,
            seats: hold.seats.clone(),
            // Like for like: the new seats are sold at the same total, as adult tickets.
            ticket_types: Default::default(),
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
        exchange_of: Some(old.booking.id),
        exchange_to: None,
    };
    let created = outbox(DomainEvent::BookingExchanged {
        booking_id: old.booking.id,
        new_booking_id: new.booking.id,
        show_id: new.booking.show_id,
        seats: new.booking.seats.clone(),
    })?;
    let Some(claimed) = ctx
        .store
        .begin_exchange(old.booking.id, &new, &created)
        .await?
    else {
        return Err(ExchangeError::NotConfirmed);
    };
    ctx.outbox_written.notify_one();
    audit_once(
        ctx,
        AuditKey::Request,
        Some(caller.user_id),
        "booking.exchange_requested",
        &claimed,
        format!(
            "by {}: onto {} seats of hold {hold_id} (booking {})",
            caller.role,
            hold.seats.len(),
            new.booking.id
        ),
    )
    .await?;
    finish_exchange(ctx, &claimed)
        .await?
        .ok_or(ExchangeError::HoldExpired)
}

/// Drives an exchange whose old booking is `exchanging` to its end: the new booking confirmed
/// and the old one `exchanged` (answers the new booking), or the exchange undone and the old
/// booking `confirmed` again (answers `None`). Idempotent.
pub async fn finish_exchange(
    ctx: &SalesContext,
    old: &BookingRecord,
) -> anyhow::Result<Option<Booking>> {
    let new = match old.exchange_to {
        Some(id) => ctx.store.booking(id).await?,
        None => None,
    };
    let Some(mut new) = new else {
        // Cannot happen (claimed with the new booking in one transaction); undo to be safe.
        undo(ctx, old).await?;
        return Ok(None);
    };
    let new_id = new.booking.id;
    carry_payment(ctx, old, &new).await?;
    if matches!(
        new.booking.status,
        BookingStatus::Pending | BookingStatus::Processing
    ) {
        match sell_new(ctx, &new).await? {
            Some(confirmed) => new = confirmed,
            None => {
                undo(ctx, old).await?;
                return Ok(None);
            }
        }
    }
    if new.booking.status == BookingStatus::Cancelled {
        undo(ctx, old).await?;
        return Ok(None);
    }
    // The new booking is confirmed (or already refunded or exchanged on since): retire the
    // old one. Tickets released and card voided first (store), then its seats on sale.
    ctx.store
        .refund_booking(
            old.booking.id,
            BookingStatus::Exchanging,
            BookingStatus::Exchanging,
            None,
        )
        .await?;
    if let Some(change) = ctx
        .ledger
        .refund(old.booking.show_id, old.booking.id, &old.booking.seats)
        .await?
    {
        ctx.feed.publish(change).await;
    }
    if let Some(done) = ctx
        .store
        .transition_booking(
            old.booking.id,
            &[BookingStatus::Exchanging],
            BookingStatus::Exchanged,
            None,
        )
        .await?
    {
        audit_once(
            ctx,
            AuditKey::Step(*new_id.as_uuid()),
            None,
            "booking.exchanged",
            &done,
            format!(
                "moved to booking {new_id} ({} seats); payment carried over",
                new.booking.seats.len()
            ),
        )
        .await?;
    }
    Ok(Some(new.booking))
}

/// The new booking carries the old one's payment (so a later refund returns it).
async fn carry_payment(
    ctx: &SalesContext,
    old: &BookingRecord,
    new: &BookingRecord,
) -> anyhow::Result<()> {
    if ctx.store.payment(new.booking.id).await?.is_some() {
        return Ok(());
    }
    let Some(paid) = ctx.store.payment(old.booking.id).await? else {
        return Ok(()); // nothing was paid (a free booking): nothing to carry
    };
    let carried = PaymentRecord {
        booking_id: new.booking.id,
        at: Utc::now(),
        ..paid
    };
    match ctx.store.insert_payment(&carried, None).await {
        Ok(()) | Err(StoreError::Duplicate(_)) => Ok(()),
        Err(e) => Err(e.into()),
    }
}

/// Sells the new booking's seats and confirms it; `None` if its hold was lost (the new
/// booking is then cancelled).
async fn sell_new(
    ctx: &SalesContext,
    new: &BookingRecord,
) -> anyhow::Result<Option<BookingRecord>> {
    let b = &new.booking;
    let sold = match ctx
        .ledger
        .confirm(b.show_id, new.hold_id, b.id, &b.seats)
        .await
    {
        Ok(change) => change,
        Err(e) if hold_lost(&e) => {
            cancel_new(ctx, new).await?;
            return Ok(None);
        }
        Err(e) => return Err(e.into()),
    };
    let confirmed_event = outbox(DomainEvent::BookingConfirmed {
        booking_id: b.id,
        show_id: b.show_id,
        seats: b.seats.clone(),
    })?;
    match ctx
        .store
        .confirm_booking_with_tickets(b.id, &tickets_for(new), Some(&confirmed_event))
        .await
    {
        Ok(confirmed) => {
            if let Some(change) = sold {
                ctx.feed.publish(change).await;
            }
            match confirmed {
                Some(confirmed) => Ok(Some(confirmed)),
                None => Ok(ctx.store.booking(b.id).await?),
            }
        }
        Err(StoreError::SeatAlreadySold(seats)) => {
            tracing::error!(booking = %b.id, ?seats, "store refused an exchange the ledger allowed");
            if let Some(change) = ctx.ledger.refund(b.show_id, b.id, &b.seats).await? {
                ctx.feed.publish(change).await;
            }
            if let Some(change) = crate::seats::rebuild::rebuild_show(
                ctx.store.as_ref(),
                ctx.ledger.as_ref(),
                b.show_id,
            )
            .await?
            {
                ctx.feed.publish(change).await;
            }
            cancel_new(ctx, new).await?;
            Ok(None)
        }
        Err(e) => Err(e.into()),
    }
}

pub(crate) async fn cancel_new(ctx: &SalesContext, new: &BookingRecord) -> anyhow::Result<()> {
    ctx.store
        .transition_booking(
            new.booking.id,
            &[BookingStatus::Pending, BookingStatus::Processing],
            BookingStatus::Cancelled,
            None,
        )
        .await?;
    Ok(())
}

/// The exchange did not happen: the old booking is confirmed again, tickets and all.
async fn undo(ctx: &SalesContext, old: &BookingRecord) -> anyhow::Result<()> {
    if let Some(back) = ctx
        .store
        .transition_booking(
            old.booking.id,
            &[BookingStatus::Exchanging],
            BookingStatus::Confirmed,
            None,
        )
        .await?
    {
        audit_once(
            ctx,
            AuditKey::Step(old.exchange_to.map_or(uuid::Uuid::nil(), |b| *b.as_uuid())),
            None,
            "booking.exchange_undone",
            &back,
            "the new seats could not be sold; the booking keeps its seats".into(),
        )
        .await?;
    }
    Ok(())
}
