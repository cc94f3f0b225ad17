//! The workers driven by hand: every event delivered twice is applied once, a payment after
//! its hold was lost is refunded, a booking whose hold was lost is never charged, and workers
//! stopped mid-batch lose nothing and do nothing twice.

use crate::support::{booking_reaches, booking_status, wait_until, TestApi, WAIT};
use eventory_server::bus::outbox::relay_once;
use eventory_server::sales::workers::{apply_outcome, charge_booking, spawn_workers};
use eventory_server::store::StoreError;
use eventory_shared::api::CheckoutResponse;
use eventory_shared::*;
use serde_json::json;
use tokio_util::sync::CancellationToken;

use super::{created_event, outcome_of, relay, sold_seats, start};

/// Holds `seats` as `api`'s caller and checks them out by card (`202`: pending).
async fn card_checkout(api: &TestApi, show: ShowId, seats: &[&str]) -> CheckoutResponse {
    let held = api.hold(show, seats).await;
    api.checkout(&held, &json!({"payment": "card"})).await
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn every_event_delivered_twice_is_applied_once() {
    let (server, show) = start(false, 0.0).await;
    let customer = TestApi::as_role(&server, Role::Customer);
    let body = card_checkout(&customer, show, &["A7", "A8"]).await;
    let id = body.booking.id;
    let created = created_event(&server, id).await;
    let ctx = server.state.worker_context();

    charge_booking(&ctx, created.clone()).await.unwrap();
    let payment = server
        .state
        .store
        .payment(id)
        .await
        .unwrap()
        .expect("charged");
    charge_booking(&ctx, created).await.unwrap();
    assert_eq!(
        server.state.store.payment(id).await.unwrap().unwrap(),
        payment,
        "charged once"
    );

    let outcome = outcome_of(id, &payment);
    apply_outcome(&ctx, outcome.clone()).await.unwrap();
    let version = server.state.ledger.snapshot(show).await.unwrap().version;
    apply_outcome(&ctx, outcome).await.unwrap();
    assert_eq!(
        server.state.ledger.snapshot(show).await.unwrap().version,
        version,
        "no second seat change"
    );
    assert_eq!(
        server
            .state
            .store
            .tickets_of_booking(id)
            .await
            .unwrap()
            .len(),
        2,
        "tickets once"
    );
    assert_eq!(
        booking_status(&server.state, id).await,
        BookingStatus::Confirmed
    );
    server.shutdown().await.expect("server stops cleanly");
}

/// A pays, but A's hold is lost before the payment outcome arrives (Redis lost it); B then
/// holds and buys the same seat. A is refunded; the seat is sold to B only.
#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn payment_after_the_hold_was_lost_is_refunded_and_the_seat_sold_once() {
    let (server, show) = start(false, 0.0).await;
    let ctx = server.state.worker_context();
    let alice = TestApi::as_role(&server, Role::Customer);
    let bob = alice.as_token(server.token(Role::Customer));

    let alice_hold = alice.hold(show, &["C5"]).await;
    let alice_booking = alice
        .checkout(&alice_hold, &json!({"payment": "card"}))
        .await;
    let alice_created = created_event(&server, alice_booking.booking.id).await;
    // Alice is charged; then her hold is lost (as if Redis dropped it): the seat looks free.
    charge_booking(&ctx, alice_created).await.unwrap();
    server
        .state
        .ledger
        .release(alice_hold.hold_id)
        .await
        .unwrap();

    let bob_booking = card_checkout(&bob, show, &["C5"]).await;
    let bob_created = created_event(&server, bob_booking.booking.id).await;
    charge_booking(&ctx, bob_created).await.unwrap();
    let bob_payment = server
        .state
        .store
        .payment(bob_booking.booking.id)
        .await
        .unwrap()
        .unwrap();
    apply_outcome(&ctx, outcome_of(bob_booking.booking.id, &bob_payment))
        .await
        .unwrap();

    // Alice's payment outcome arrives only now.
    let alice_payment = server
        .state
        .store
        .payment(alice_booking.booking.id)
        .await
        .unwrap()
        .unwrap();
    apply_outcome(&ctx, outcome_of(alice_booking.booking.id, &alice_payment))
        .await
        .unwrap();

    assert_eq!(
        booking_status(&server.state, alice_booking.booking.id).await,
        BookingStatus::Cancelled
    );
    assert_eq!(
        booking_status(&server.state, bob_booking.booking.id).await,
        BookingStatus::Confirmed
    );
    let live = server.state.store.live_tickets_of_show(show).await.unwrap();
    assert_eq!(live.len(), 1);
    assert_eq!(
        live[0].booking_id, bob_booking.booking.id,
        "sold to Bob only"
    );
    let audit = server.state.store.audit_log(10).await.unwrap();
    assert!(audit.iter().any(|e| e.action == "payment.refunded"
        && e.subject.contains(&alice_booking.booking.id.to_string())));
    server.shutdown().await.expect("server stops cleanly");
}

/// A's hold is lost before the payment worker gets to A's booking: A is never charged, the
/// booking is cancelled, and the seat can be sold to someone else.
#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn a_booking_whose_hold_was_lost_before_payment_is_never_charged() {
    let (server, show) = start(false, 0.0).await;
    let ctx = server.state.worker_context();
    let alice = TestApi::as_role(&server, Role::Customer);
    let held = alice.hold(show, &["C7"]).await;
    let body = alice.checkout(&held, &json!({"payment": "card"})).await;
    let created = created_event(&server, body.booking.id).await;
    server.state.ledger.release(held.hold_id).await.unwrap();
    charge_booking(&ctx, created).await.unwrap();
    assert_eq!(
        server.state.store.payment(body.booking.id).await.unwrap(),
        None,
        "not charged"
    );
    assert_eq!(
        booking_status(&server.state, body.booking.id).await,
        BookingStatus::Cancelled
    );
    server.shutdown().await.expect("server stops cleanly");
}

/// Workers stopped in the middle of a batch and started again: every booking ends confirmed
/// once, with exactly its tickets, and nothing is charged twice.
#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn workers_killed_mid_batch_lose_nothing_and_do_nothing_twice() {
    let (server, show) = start(false, 0.0).await;
    let mut bookings = Vec::new();
    for row in ["A", "B"] {
        for n in 1..=5 {
            let customer = TestApi::as_role(&server, Role::Customer);
            let seat = format!("{row}{n}");
            let body = card_checkout(&customer, show, &[seat.as_str()]).await;
            bookings.push(body.booking.id);
        }
    }
    while relay_once(server.state.store.as_ref(), server.state.bus.as_ref())
        .await
        .unwrap()
        > 0
    {}

    // First run: stopped as soon as the first booking is confirmed.
    let first = CancellationToken::new();
    let mut tasks = spawn_workers(server.state.worker_context(), first.clone());
    tasks.push(relay(&server, first.clone()));
    wait_until("the first confirmation", WAIT, || async {
        for id in &bookings {
            let record = server.state.store.booking(*id).await.unwrap().unwrap();
            if record.booking.status == BookingStatus::Confirmed {
                return Some(());
            }
        }
        None
    })
    .await;
    first.cancel();
    for task in tasks {
        task.await.unwrap();
    }

    // Second run finishes the rest.
    let second = CancellationToken::new();
    let mut tasks = spawn_workers(server.state.worker_context(), second.clone());
    tasks.push(relay(&server, second.clone()));
    for id in &bookings {
        booking_reaches(&server.state, *id, BookingStatus::Confirmed).await;
    }
    second.cancel();
    for task in tasks {
        task.await.unwrap();
    }
    let tickets = server.state.store.live_tickets_of_show(show).await.unwrap();
    assert_eq!(tickets.len(), 10, "one ticket per booking");
    for id in &bookings {
        assert_eq!(
            server
                .state
                .store
                .tickets_of_booking(*id)
                .await
                .unwrap()
                .len(),
            1
        );
        assert!(matches!(
            server
                .state
                .store
                .insert_payment(
                    &server.state.store.payment(*id).await.unwrap().unwrap(),
                    None
                )
                .await,
            Err(StoreError::Duplicate(_))
        ));
    }
    assert_eq!(sold_seats(&server, show).await, 10);
    server.shutdown().await.expect("server stops cleanly");
}
