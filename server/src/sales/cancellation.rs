//! Show cancellation: every sold booking of a cancelled show is refunded through the same
//! recoverable refund path as a staff refund (`confirmed -> refunding` claimed once, then
//! seats, points and scratch card, money, `refunded`), so money moves once per booking.
//!
//! The show's `cancelled` status is the durable record of what remains to do: the reconciler
//! calls [`refund_cancelled_shows`] at start and every round, so a server stopped midway (a
//! deploy, SIGKILL) goes on where it stopped, on any instance. Bookings whose payment was still
//! in flight are refunded once they settle; the show's open holds are released, and new holds
//! and checkouts of it are refused.

use chrono::{Duration, Utc};
use eventory_shared::api::CancellationProgress;
use eventory_shared::{BookingStatus, Role, ShowId, UserId};

use super::refund::{finish_refund, refund_booking};
use super::SalesContext;
use crate::auth::Caller;
use crate::seats::{HoldState, LedgerError};
use crate::store::{BookingFilter, Store, StoreResult};

/// The reason written with every refund of a cancelled show.
pub const REASON: &str = "show cancelled";

/// Cancelled shows that started at most this long ago are still looked at.
const LOOK_BACK_DAYS: i64 = 90;

/// Bookings refunded per show and round.
const BATCH: usize = 500;

/// The actor of the refunds the cancellation makes (the admin's request is audited apart).
fn system() -> Caller {
    Caller {
        user_id: UserId::from_uuid(uuid::Uuid::nil()),
        role: Role::Admin,
    }
}

/// Refunds what is left of every recently cancelled show; returns how many bookings it
/// refunded. A booking that cannot be refunded now (a gateway down) is tried next round.
pub async fn refund_cancelled_shows(ctx: &SalesContext) -> anyhow::Result<usize> {
    let from = Utc::now() - Duration::days(LOOK_BACK_DAYS);
    let mut refunded = 0;
    for show in ctx.store.cancelled_shows(from).await? {
        refunded += refund_show(ctx, show.id).await?;
    }
    Ok(refunded)
}

/// Refunds the sold bookings of one cancelled show (a batch per call), after letting go of
/// its holds not yet in payment (those in payment are refunded once they settle).
pub async fn refund_show(ctx: &SalesContext, show: ShowId) -> anyhow::Result<usize> {
    for hold in ctx.ledger.holds_of_show(show).await? {
        if hold.state != HoldState::Held {
            continue;
        }
        match ctx.ledger.release(hold.id).await {
            Ok(change) => ctx.feed.publish(change).await,
            Err(LedgerError::HoldNotFound(_)) => {} // gone meanwhile
            Err(e) => {
                tracing::warn!(hold = %hold.id, "cannot release a hold of a cancelled show: {e}")
            }
        }
    }
    let mut refunded = 0;
    for status in [BookingStatus::Confirmed, BookingStatus::Refunding] {
        let bookings = ctx
            .store
            .bookings(&BookingFilter {
                show_id: Some(show),
                status: Some(status),
                limit: BATCH,
                ..BookingFilter::default()
            })
            .await?;
        for record in bookings {
            let id = record.booking.id;
            let done = match status {
                BookingStatus::Confirmed => refund_booking(ctx, &system(), id, &[], REASON)
                    .await
                    .map_err(anyhow::Error::from),
                _ => finish_refund(ctx, &record).await,
            };
            match done {
                Ok(_) => {
                    refunded += 1;
                    metrics::counter!("eventory_refunds_total", "reason" => "show_cancelled")
                        .increment(1);
                }
                Err(e) => tracing::warn!(booking = %id, "refund of a cancelled show failed: {e:#}"),
            }
        }
    }
    Ok(refunded)
}

/// How far the refunds of `show` are: its bookings read once, each counted in the status it
/// had when read (so `remaining` is 0 only once every one of them has come to rest).
pub async fn progress(store: &dyn Store, show: ShowId) -> StoreResult<CancellationProgress> {
    let bookings = store
        .bookings(&BookingFilter {
            show_id: Some(show),
            limit: 1_000_000,
            ..BookingFilter::default()
        })
        .await?;
    let (mut refunded, mut remaining) = (0, 0);
    for record in &bookings {
        match record.booking.status {
            BookingStatus::Refunded => refunded += 1,
            BookingStatus::Confirmed
            | BookingStatus::Refunding
            | BookingStatus::Exchanging
            | BookingStatus::Pending
            | BookingStatus::Processing => remaining += 1,
            BookingStatus::Cancelled | BookingStatus::Exchanged => {}
        }
    }
    Ok(CancellationProgress {
        show_id: show,
        bookings: refunded + remaining,
        refunded,
        remaining,
    })
}
