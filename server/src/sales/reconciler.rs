//! The reconciler: drives every booking that stopped moving to a final state.
//!
//! A booking stops moving when the process dies between two steps (SIGKILL mid-payment, a
//! deploy), when its event is lost or dead-lettered after its retries, or when a backing
//! service was down for a while. At start and then every `interval`, the reconciler lists the
//! bookings not settled whose last change is older than `grace`, and re-drives each through the
//! same idempotent steps the workers and staff actions use:
//!
//! | status | re-drive |
//! | --- | --- |
//! | pending / processing, no payment | the payment step (`charge`, as a recovery: the gateway's idempotency key is the booking id, so an interrupted charge is answered, not repeated) |
//! | pending / processing, with payment | apply its outcome (confirm + tickets, or cancel + release, or refund a payment whose hold was lost) |
//! | an exchange's new booking | finish (or undo) the exchange of the booking it replaces |
//! | refunding | finish the refund: seats, points, money back, `refunded` |
//! | exchanging | finish or undo the exchange |
//!
//! Each round also refunds what is left of cancelled shows ([`super::cancellation`]).
//!
//! Safe on many instances at once: every step is a conditional update or idempotent, so two
//! reconcilers (or a reconciler and a slow worker) racing on one booking end in the same state.

use std::sync::atomic::{AtomicI64, AtomicU64, Ordering};
use std::sync::Arc;
use std::time::Duration;

use chrono::Utc;
use eventory_shared::api::LifecycleReport;
use eventory_shared::BookingStatus;
use tokio_util::sync::CancellationToken;

use super::charge::{charge, Attempt};
use super::exchange::{cancel_new, finish_exchange};
use super::refund::finish_refund;
use super::{outcome, SalesContext};
use crate::store::{BookingFilter, BookingRecord};

/// Bookings looked at per status and round.
const BATCH: usize = 500;

/// The statuses a booking passes through on its way to a final state.
const IN_FLIGHT: [BookingStatus; 4] = [
    BookingStatus::Pending,
    BookingStatus::Processing,
    BookingStatus::Refunding,
    BookingStatus::Exchanging,
];

/// What the last round saw, for `/ready` and `/metrics`.
#[derive(Debug, Default)]
pub struct ReconcilerStatus {
    stalled: AtomicU64,
    grace_secs: AtomicU64,
    /// Milliseconds since the epoch of the last finished round; 0 before the first.
    last_run_ms: AtomicI64,
}

impl ReconcilerStatus {
    pub fn report(&self) -> LifecycleReport {
        let last = self.last_run_ms.load(Ordering::Relaxed);
        LifecycleReport {
            stalled_bookings: self.stalled.load(Ordering::Relaxed),
            grace_secs: self.grace_secs.load(Ordering::Relaxed),
            last_reconciled_at: (last > 0)
                .then(|| chrono::DateTime::from_timestamp_millis(last))
                .flatten(),
        }
    }
}

/// What one round did.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct RoundReport {
    /// Bookings found stalled (not settled, unchanged for longer than the grace period).
    pub stalled: usize,
    /// Of those, re-driven without an error (most reach a final state at once).
    pub redriven: usize,
    /// Re-drives that failed (a backing service down): tried again next round.
    pub failed: usize,
}

/// Looks once for stalled bookings and re-drives them.
pub async fn reconcile_once(ctx: &SalesContext, grace: Duration) -> anyhow::Result<RoundReport> {
    let cutoff = Utc::now() - chrono::Duration::from_std(grace)?;
    let mut report = RoundReport::default();
    for status in IN_FLIGHT {
        let stalled = ctx
            .store
            .bookings(&BookingFilter {
                status: Some(status),
                to: Some(cutoff),
                limit: BATCH,
                ..BookingFilter::default()
            })
            .await?;
        for record in stalled
            .into_iter()
            .filter(|r| r.booking.updated_at <= cutoff)
        {
            report.stalled += 1;
            match redrive(ctx, &record).await {
                Ok(()) => report.redriven += 1,
                Err(e) => {
                    report.failed += 1;
                    tracing::warn!(booking = %record.booking.id, status = ?record.booking.status, "re-drive failed, trying again next round: {e:#}");
                }
            }
        }
    }
    metrics::counter!("eventory_reconciler_redriven_total").increment(report.redriven as u64);
    metrics::counter!("eventory_reconciler_failures_total").increment(report.failed as u64);
    Ok(report)
}

/// Re-drives one booking through the step its status calls for.
pub async fn redrive(ctx: &SalesContext, record: &BookingRecord) -> anyhow::Result<()> {
    let id = record.booking.id;
    match record.booking.status {
        BookingStatus::Pending | BookingStatus::Processing => {
            if let Some(old) = record.exchange_of {
                return redrive_exchange_booking(ctx, record, old).await;
            }
            let payment = match ctx.store.payment(id).await? {
                Some(payment) => payment,
                None => match charge(ctx, record, Attempt::Recovery).await? {
                    Some(payment) => payment,
                    None => return Ok(()), // cancelled without a charge, or not ours to charge
                },
            };
            let Some(fresh) = ctx.store.booking(id).await? else {
                return Ok(());
            };
            tracing::info!(booking = %id, status = ?fresh.booking.status, "re-driving a stalled booking's payment outcome");
            outcome::apply(ctx, &fresh, &payment).await
        }
        BookingStatus::Refunding => finish_refund(ctx, record).await.map(drop),
        BookingStatus::Exchanging => finish_exchange(ctx, record).await.map(drop),
        _ => Ok(()),
    }
}

/// An exchange's new booking is driven through the booking it replaces; one whose exchange
/// lost or ended without it is cancelled.
async fn redrive_exchange_booking(
    ctx: &SalesContext,
    new: &BookingRecord,
    old: eventory_shared::BookingId,
) -> anyhow::Result<()> {
    match ctx.store.booking(old).await? {
        Some(old)
            if old.booking.status == BookingStatus::Exchanging
                && old.exchange_to == Some(new.booking.id) =>
        {
            finish_exchange(ctx, &old).await.map(drop)
        }
        _ => {
            cancel_new(ctx, new).await?;
            if let Ok(change) = ctx.ledger.release(new.hold_id).await {
                ctx.feed.publish(change).await;
            }
            Ok(())
        }
    }
}

/// Runs the reconciler until `stop`: a round at start, then one every `interval`.
pub fn spawn_reconciler(
    ctx: SalesContext,
    interval: Duration,
    grace: Duration,
    status: Arc<ReconcilerStatus>,
    stop: CancellationToken,
) -> tokio::task::JoinHandle<()> {
    status.grace_secs.store(grace.as_secs(), Ordering::Relaxed);
    tokio::spawn(async move {
        loop {
            match super::cancellation::refund_cancelled_shows(&ctx).await {
                Ok(0) => {}
                Ok(n) => tracing::info!(refunded = n, "bookings of cancelled shows refunded"),
                Err(e) => tracing::warn!("refunds of cancelled shows failed: {e:#}"),
            }
            match reconcile_once(&ctx, grace).await {
                Ok(round) => {
                    if round.stalled > 0 {
                        tracing::info!(
                            stalled = round.stalled,
                            redriven = round.redriven,
                            failed = round.failed,
                            "reconciler round"
                        );
                    }
                    status
                        .stalled
                        .store(round.stalled as u64, Ordering::Relaxed);
                    metrics::gauge!("eventory_bookings_stalled").set(round.stalled as f64);
                    status
                        .last_run_ms
                        .store(Utc::now().timestamp_millis(), Ordering::Relaxed);
                }
                Err(e) => tracing::warn!("reconciler round failed: {e:#}"),
            }
            tokio::select! {
                () = stop.cancelled() => return,
                () = tokio::time::sleep(interval) => {}
            }
        }
    })
}
