//! The booking workflow end to end on the real services: HTTP checkout, the outbox relay,
//! the payment and booking workers over the Kafka-protocol broker, MongoDB and Redis.
//! `checkout` is what a caller sees; `workers` drives the workers by hand (delivered twice,
//! holds lost, stopped mid-batch).

use crate::support::TestServer;
use eventory_server::bus::outbox::{relay_once, spawn_relay};
use eventory_server::store::test_support;
use eventory_shared::events::{DomainEvent, EventEnvelope};
use eventory_shared::*;
use tokio_util::sync::CancellationToken;

mod checkout;
mod workers;

async fn start(workers: bool, decline_rate: f64) -> (TestServer, ShowId) {
    let mut config = crate::support::cluster_config();
    config.process.run_workers = workers;
    config.sales.card_decline_rate = decline_rate;
    let server = TestServer::start(config).await.expect("server starts");
    let show = test_support::show_on_sale(server.state.store.as_ref(), 3, 10).await;
    (server, show)
}

/// The events of the outbox, published the way the relay does, read back as envelopes.
async fn created_event(server: &TestServer, booking: BookingId) -> EventEnvelope {
    let pending = server.state.store.pending_outbox(1000).await.unwrap();
    relay_once(server.state.store.as_ref(), server.state.bus.as_ref())
        .await
        .unwrap();
    pending
        .into_iter()
        .map(|e| serde_json::from_str::<EventEnvelope>(&e.payload).unwrap())
        .find(|e| matches!(e.event, DomainEvent::BookingCreated { booking_id, .. } if booking_id == booking))
        .expect("booking.created in the outbox")
}

/// The outbox relay (payment outcomes go through the outbox too), until `stop`.
fn relay(server: &TestServer, stop: CancellationToken) -> tokio::task::JoinHandle<()> {
    spawn_relay(
        server.state.store.clone(),
        server.state.bus.clone(),
        server.state.outbox_written.clone(),
        stop,
    )
}

/// The payment worker's outcome for `payment`, as a fresh event.
fn outcome_of(
    booking: BookingId,
    payment: &eventory_server::store::PaymentRecord,
) -> EventEnvelope {
    EventEnvelope::new(
        uuid::Uuid::new_v4(),
        chrono::Utc::now(),
        DomainEvent::PaymentSucceeded {
            booking_id: booking,
            payment_id: payment.payment_id,
            amount: payment.amount,
            change_due: None,
        },
    )
}

/// How many seats of `show` the ledger has sold.
async fn sold_seats(server: &TestServer, show: ShowId) -> usize {
    let snapshot = server.state.ledger.snapshot(show).await.unwrap();
    snapshot
        .seats
        .values()
        .filter(|s| **s == SeatState::Sold)
        .count()
}
