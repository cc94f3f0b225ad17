//! The payment flow's workers, as consumer groups on the event bus:
//!
//! - payment worker (group `payments`, topic `bookings`): [`charge_booking`] for each
//!   `booking.created`;
//! - booking worker (group `bookings`, topic `payments`): [`apply_outcome`] for each
//!   `payment.succeeded` / `payment.failed`.
//!
//! Delivery is at least once; both handlers are idempotent (conditional transitions, the
//! payment record unique per booking, the unique live-ticket index). What they cannot finish
//! (an event dead-lettered after its retries, a crash) the reconciler picks up.

use std::sync::Arc;

use eventory_shared::events::Topic;
use tokio_util::sync::CancellationToken;

pub use super::charge::charge_booking;
pub use super::outcome::apply_outcome;
use super::SalesContext;
use crate::bus::consumer::{spawn_consumer, Handler};

/// Starts both workers until `stop`.
pub fn spawn_workers(
    ctx: SalesContext,
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
