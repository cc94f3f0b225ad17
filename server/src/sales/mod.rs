//! Sales: the booking lifecycle, from a checked-out hold to a final state.
//!
//! - [`checkout`]: a hold becomes a pending booking (with its `booking.created` event, one
//!   transaction) and the hold is claimed for it (one atomic ledger step: one winner per hold).
//! - [`charge`]: the payment step, at most one charge per booking.
//! - [`outcome`]: a payment outcome applied once: seats sold + tickets, or cancelled + released.
//! - [`refund`], [`exchange`]: staff actions on confirmed bookings, each claimed by one
//!   conditional state change before any seat or money moves, then completed by idempotent
//!   steps.
//! - [`cancellation`]: a cancelled show's bookings all refunded, resumed after a restart.
//! - [`reconciler`]: finds bookings that stopped moving (a crash, a lost or dead-lettered
//!   event, an outage) and drives them through the same steps to a final state.
//! - [`workers`]: the consumer groups that run `charge` and `outcome` off the event bus.
//!
//! Every step takes the ports it uses through [`SalesContext`]; nothing here knows HTTP.

pub mod cancellation;
pub mod charge;
pub mod checkout;
pub mod exchange;
pub mod holds;
pub mod outcome;
pub mod reconciler;
pub mod refund;
pub mod workers;

use std::sync::Arc;

use chrono::Utc;
use eventory_shared::events::{DomainEvent, EventEnvelope};
use eventory_shared::{BookingStatus, UserId};
use tokio::sync::Notify;
use uuid::Uuid;

use crate::bus::EventBus;
use crate::live::SeatFeed;
use crate::payments::Gateways;
use crate::seats::{LedgerError, SeatLedger};
use crate::store::{AuditEntry, BookingRecord, OutboxEntry, Store, StoreError};

/// The ports the booking lifecycle uses.
#[derive(Clone)]
pub struct SalesContext {
    pub store: Arc<dyn Store>,
    pub ledger: Arc<dyn SeatLedger>,
    pub bus: Arc<dyn EventBus>,
    pub gateways: Arc<Gateways>,
    pub feed: SeatFeed,
    pub prizes: Arc<crate::rewards::PrizeTable>,
    /// Woken when an outbox entry is written, so the relay publishes at once.
    pub outbox_written: Arc<Notify>,
}

/// The name the workers and tests knew it by.
pub type WorkerContext = SalesContext;

/// An outbox entry announcing `event` (a fresh event id).
pub(crate) fn outbox(event: DomainEvent) -> anyhow::Result<OutboxEntry> {
    Ok(OutboxEntry::for_event(&EventEnvelope::new(
        Uuid::new_v4(),
        Utc::now(),
        event,
    ))?)
}

/// An id derived from a booking and what happened to it: the same step retried gives the same
/// id, so its audit entry or event is written once.
pub(crate) fn derived_id(what: &str, booking: impl std::fmt::Display) -> Uuid {
    Uuid::new_v5(
        &Uuid::NAMESPACE_OID,
        format!("eventory:{what}:{booking}").as_bytes(),
    )
}

/// Which audit entry an action writes: one per request, or one per step of a booking (so a
/// retried step is recorded once).
#[derive(Clone, Copy, Debug)]
pub(crate) enum AuditKey {
    /// A staff request: each is its own entry.
    Request,
    /// A step of the booking's lifecycle, at most once per booking and `scope`.
    Step(Uuid),
}

/// Appends an audit entry (once per [`AuditKey`]).
pub(crate) async fn audit_once(
    ctx: &SalesContext,
    key: AuditKey,
    actor: Option<UserId>,
    action: &str,
    record: &BookingRecord,
    detail: String,
) -> Result<(), StoreError> {
    let id = match key {
        AuditKey::Request => Uuid::new_v4(),
        AuditKey::Step(scope) => derived_id(action, format!("{}:{scope}", record.booking.id)),
    };
    let entry = AuditEntry {
        id,
        at: Utc::now(),
        actor,
        action: action.to_owned(),
        subject: format!("booking {}", record.booking.id),
        detail,
    };
    match ctx.store.append_audit(&entry).await {
        Ok(()) | Err(StoreError::Duplicate(_)) => Ok(()),
        Err(e) => Err(e),
    }
}

/// Whether a ledger error says the hold is no longer this booking's to sell (gone, expired, or
/// claimed by another booking).
pub(crate) fn hold_lost(e: &LedgerError) -> bool {
    matches!(
        e,
        LedgerError::HoldNotFound(_) | LedgerError::HoldExpired(_) | LedgerError::WrongHoldState(_)
    )
}

/// After [`hold_lost`]: a hold that merely expired (not yet swept) is released now; one that is
/// gone or another booking's is left alone.
pub(crate) async fn release_if_expired(
    ctx: &SalesContext,
    record: &BookingRecord,
    e: &LedgerError,
) {
    if matches!(e, LedgerError::HoldExpired(_)) {
        if let Ok(change) = ctx.ledger.release(record.hold_id).await {
            ctx.feed.publish(change).await;
        }
    }
}

/// Cancels a pending or processing booking (with its `booking.cancelled` event); `true` if
/// this call moved it.
pub(crate) async fn cancel_booking(
    ctx: &SalesContext,
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
    if moved.is_some() {
        ctx.outbox_written.notify_one();
    }
    Ok(moved.is_some())
}
