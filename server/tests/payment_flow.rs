//! The booking workflow end to end on the real services: HTTP checkout, the outbox relay,
//! the payment and booking workers over the Kafka-protocol broker, MongoDB and Redis.

mod common;

use std::sync::Arc;
use std::time::{Duration, Instant};

use common::TestServer;
use eventory_server::bus::outbox::{relay_once, spawn_relay};
use eventory_server::sales::workers::{apply_outcome, charge_booking, spawn_workers};
use eventory_server::store::{test_support, StoreError};
use eventory_shared::api::{CheckoutResponse, HoldResponse};
use eventory_shared::events::{DomainEvent, EventEnvelope};
use eventory_shared::live::{ClientMessage, ServerMessage};
use eventory_shared::*;
use futures::{SinkExt, StreamExt};
use reqwest::StatusCode;
use serde_json::json;
use tokio_tungstenite::tungstenite::Message;
use tokio_util::sync::CancellationToken;

async fn start(workers: bool, decline_rate: f64) -> (TestServer, ShowId) {
    let mut config = common::cluster_config();
    config.run_workers = workers;
    config.card_decline_rate = decline_rate;
    let server = TestServer::start(config).await;
    let show = test_support::show_on_sale(server.state.store.as_ref(), 3, 10).await;
    (server, show)
}

async fn hold(server: &TestServer, token: &str, show: ShowId, seats: &[&str]) -> HoldResponse {
    let response = reqwest::Client::new()
        .post(server.url(&format!("/api/shows/{show}/holds")))
        .bearer_auth(token)
        .json(&json!({ "seats": seats }))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), StatusCode::CREATED);
    response.json().await.unwrap()
}

async fn checkout(
    server: &TestServer,
    token: &str,
    hold: &HoldResponse,
    body: serde_json::Value,
) -> reqwest::Response {
    reqwest::Client::new()
        .post(server.url(&format!("/api/holds/{}/checkout", hold.hold_id)))
        .bearer_auth(token)
        .json(&body)
        .send()
        .await
        .unwrap()
}

async fn wait_for_status(server: &TestServer, booking: BookingId, want: BookingStatus) -> Booking {
    let deadline = Instant::now() + Duration::from_secs(30);
    loop {
        let record = server
            .state
            .store
            .booking(booking)
            .await
            .unwrap()
            .expect("booking exists");
        if record.booking.status == want {
            return record.booking;
        }
        assert!(
            Instant::now() < deadline,
            "booking stuck in {:?}, wanted {want:?}",
            record.booking.status
        );
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn card_checkout_confirms_with_tickets_and_live_seat_booked() {
    let (server, show) = start(true, 0.0).await;
    let token = server.token(Role::Customer);

    // A second client watches the seat map live.
    let ws_url = format!(
        "{}/api/live?access_token={}",
        server.base.replace("http", "ws"),
        server.token(Role::Customer)
    );
    let (mut live, _) = tokio_tungstenite::connect_async(ws_url).await.unwrap();
    live.send(Message::Text(
        serde_json::to_string(&ClientMessage::JoinShow { show_id: show })
            .unwrap()
            .into(),
    ))
    .await
    .unwrap();

    // Wait for the map before changing seats, so every change arrives as a delta.
    let first = tokio::time::timeout(Duration::from_secs(10), live.next())
        .await
        .unwrap()
        .unwrap()
        .unwrap();
    let Message::Text(first) = first else {
        panic!("{first:?}")
    };
    assert!(matches!(
        serde_json::from_str(&first).unwrap(),
        ServerMessage::InitialSeatStatus { .. }
    ));
    let mut seen = vec!["initial_seat_status"];

    let held = hold(&server, &token, show, &["A1", "A2"]).await;
    let response = checkout(&server, &token, &held, json!({"payment": "card"})).await;
    assert_eq!(response.status(), StatusCode::ACCEPTED);
    let body: CheckoutResponse = response.json().await.unwrap();
    assert_eq!(body.booking.status, BookingStatus::Pending);
    assert_eq!(body.booking.amount, Money::new(2000, Currency::EUR));
    assert_eq!(body.booking.channel, Channel::Online);

    let booking = wait_for_status(&server, body.booking.id, BookingStatus::Confirmed).await;
    let tickets = server
        .state
        .store
        .tickets_of_booking(booking.id)
        .await
        .unwrap();
    assert_eq!(
        tickets
            .iter()
            .map(|t| t.seat_id.to_string())
            .collect::<Vec<_>>(),
        ["A1", "A2"]
    );
    let snapshot = server.state.ledger.snapshot(show).await.unwrap();
    assert_eq!(
        snapshot
            .seats
            .values()
            .filter(|s| **s == SeatState::Sold)
            .count(),
        2
    );

    // The live client saw the map, then locked -> processing -> booked for those seats.
    let deadline = Instant::now() + Duration::from_secs(10);
    while !seen.contains(&"seat_booked") {
        let message = tokio::time::timeout_at(deadline.into(), live.next())
            .await
            .expect("live update")
            .unwrap()
            .unwrap();
        if let Message::Text(text) = message {
            seen.push(
                match serde_json::from_str::<ServerMessage>(&text).unwrap() {
                    ServerMessage::InitialSeatStatus { .. } => "initial_seat_status",
                    ServerMessage::SeatLocked(_) => "seat_locked",
                    ServerMessage::SeatProcessing(_) => "seat_processing",
                    ServerMessage::SeatBooked(_) => "seat_booked",
                    ServerMessage::SeatReleased(_) => "seat_released",
                    ServerMessage::Error { .. } => "error",
                },
            );
        }
    }
    assert_eq!(
        seen,
        [
            "initial_seat_status",
            "seat_locked",
            "seat_processing",
            "seat_booked"
        ]
    );

    // The owner can read it; someone else cannot.
    let client = reqwest::Client::new();
    let mine = client
        .get(server.url(&format!("/api/bookings/{}", booking.id)))
        .bearer_auth(&token)
        .send()
        .await
        .unwrap();
    assert_eq!(mine.status(), StatusCode::OK);
    let other = client
        .get(server.url(&format!("/api/bookings/{}", booking.id)))
        .bearer_auth(server.token(Role::Customer))
        .send()
        .await
        .unwrap();
    assert_eq!(other.status(), StatusCode::NOT_FOUND);
    server.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn cash_at_the_counter_answers_change_due_and_customers_cannot_pay_cash() {
    let (server, show) = start(true, 0.0).await;
    let cashier = server.token(Role::Cashier);
    let held = hold(&server, &cashier, show, &["B1", "B2", "B3"]).await;
    let response = checkout(
        &server,
        &cashier,
        &held,
        json!({"payment": "cash", "cash_tendered": {"amount_minor": 5000, "currency": "EUR"}}),
    )
    .await;
    assert_eq!(response.status(), StatusCode::ACCEPTED);
    let body: CheckoutResponse = response.json().await.unwrap();
    assert_eq!(body.change_due, Some(Money::new(2000, Currency::EUR)));
    assert_eq!(body.booking.channel, Channel::Counter);
    wait_for_status(&server, body.booking.id, BookingStatus::Confirmed).await;

    let customer = server.token(Role::Customer);
    let held = hold(&server, &customer, show, &["C1"]).await;
    let response = checkout(
        &server,
        &customer,
        &held,
        json!({"payment": "cash", "cash_tendered": {"amount_minor": 5000, "currency": "EUR"}}),
    )
    .await;
    assert_eq!(response.status(), StatusCode::FORBIDDEN);
    let too_little = hold(&server, &cashier, show, &["C2"]).await;
    let response = checkout(
        &server,
        &cashier,
        &too_little,
        json!({"payment": "cash", "cash_tendered": {"amount_minor": 500, "currency": "EUR"}}),
    )
    .await;
    assert_eq!(response.status(), StatusCode::UNPROCESSABLE_ENTITY);
    server.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn a_declined_card_cancels_the_booking_and_releases_the_seats() {
    let (server, show) = start(true, 1.0).await;
    let token = server.token(Role::Kiosk);
    let held = hold(&server, &token, show, &["A5"]).await;
    let body: CheckoutResponse = checkout(&server, &token, &held, json!({"payment": "card"}))
        .await
        .json()
        .await
        .unwrap();
    wait_for_status(&server, body.booking.id, BookingStatus::Cancelled).await;
    let deadline = Instant::now() + Duration::from_secs(10);
    while !server
        .state
        .ledger
        .snapshot(show)
        .await
        .unwrap()
        .seats
        .is_empty()
    {
        assert!(Instant::now() < deadline, "seats not released");
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    assert!(server
        .state
        .store
        .tickets_of_booking(body.booking.id)
        .await
        .unwrap()
        .is_empty());
    server.shutdown().await;
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

fn outcome_of(
    server: &TestServer,
    booking: BookingId,
    payment: &eventory_server::store::PaymentRecord,
) -> EventEnvelope {
    let _ = server;
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

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn every_event_delivered_twice_is_applied_once() {
    let (server, show) = start(false, 0.0).await;
    let token = server.token(Role::Customer);
    let held = hold(&server, &token, show, &["A7", "A8"]).await;
    let body: CheckoutResponse = checkout(&server, &token, &held, json!({"payment": "card"}))
        .await
        .json()
        .await
        .unwrap();
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

    let outcome = outcome_of(&server, id, &payment);
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
        server
            .state
            .store
            .booking(id)
            .await
            .unwrap()
            .unwrap()
            .booking
            .status,
        BookingStatus::Confirmed
    );
    server.shutdown().await;
}

/// A pays, but A's hold is lost before the payment outcome arrives (Redis lost it); B then
/// holds and buys the same seat. A is refunded; the seat is sold to B only.
#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn payment_after_the_hold_was_lost_is_refunded_and_the_seat_sold_once() {
    let (server, show) = start(false, 0.0).await;
    let ctx = server.state.worker_context();
    let (alice, bob) = (server.token(Role::Customer), server.token(Role::Customer));

    let alice_hold = hold(&server, &alice, show, &["C5"]).await;
    let alice_booking: CheckoutResponse =
        checkout(&server, &alice, &alice_hold, json!({"payment": "card"}))
            .await
            .json()
            .await
            .unwrap();
    let alice_created = created_event(&server, alice_booking.booking.id).await;
    // Alice is charged; then her hold is lost (as if Redis dropped it): the seat looks free.
    charge_booking(&ctx, alice_created).await.unwrap();
    server
        .state
        .ledger
        .release(alice_hold.hold_id)
        .await
        .unwrap();

    let bob_hold = hold(&server, &bob, show, &["C5"]).await;
    let bob_booking: CheckoutResponse =
        checkout(&server, &bob, &bob_hold, json!({"payment": "card"}))
            .await
            .json()
            .await
            .unwrap();
    let bob_created = created_event(&server, bob_booking.booking.id).await;
    charge_booking(&ctx, bob_created).await.unwrap();
    let bob_payment = server
        .state
        .store
        .payment(bob_booking.booking.id)
        .await
        .unwrap()
        .unwrap();
    apply_outcome(
        &ctx,
        outcome_of(&server, bob_booking.booking.id, &bob_payment),
    )
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
    apply_outcome(
        &ctx,
        outcome_of(&server, alice_booking.booking.id, &alice_payment),
    )
    .await
    .unwrap();

    assert_eq!(
        server
            .state
            .store
            .booking(alice_booking.booking.id)
            .await
            .unwrap()
            .unwrap()
            .booking
            .status,
        BookingStatus::Cancelled
    );
    assert_eq!(
        server
            .state
            .store
            .booking(bob_booking.booking.id)
            .await
            .unwrap()
            .unwrap()
            .booking
            .status,
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
    server.shutdown().await;
}

/// A's hold is lost before the payment worker gets to A's booking: A is never charged, the
/// booking is cancelled, and the seat can be sold to someone else.
#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn a_booking_whose_hold_was_lost_before_payment_is_never_charged() {
    let (server, show) = start(false, 0.0).await;
    let ctx = server.state.worker_context();
    let alice = server.token(Role::Customer);
    let held = hold(&server, &alice, show, &["C7"]).await;
    let body: CheckoutResponse = checkout(&server, &alice, &held, json!({"payment": "card"}))
        .await
        .json()
        .await
        .unwrap();
    let created = created_event(&server, body.booking.id).await;
    server.state.ledger.release(held.hold_id).await.unwrap();
    charge_booking(&ctx, created).await.unwrap();
    assert_eq!(
        server.state.store.payment(body.booking.id).await.unwrap(),
        None,
        "not charged"
    );
    assert_eq!(
        server
            .state
            .store
            .booking(body.booking.id)
            .await
            .unwrap()
            .unwrap()
            .booking
            .status,
        BookingStatus::Cancelled
    );
    server.shutdown().await;
}

/// Workers stopped in the middle of a batch and started again: every booking ends confirmed
/// once, with exactly its tickets, and nothing is charged twice.
#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn workers_killed_mid_batch_lose_nothing_and_do_nothing_twice() {
    let (server, show) = start(false, 0.0).await;
    let mut bookings = Vec::new();
    for row in ["A", "B"] {
        for n in 1..=5 {
            let token = server.token(Role::Customer);
            let seat = format!("{row}{n}");
            let held = hold(&server, &token, show, &[seat.as_str()]).await;
            let body: CheckoutResponse =
                checkout(&server, &token, &held, json!({"payment": "card"}))
                    .await
                    .json()
                    .await
                    .unwrap();
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
    let deadline = Instant::now() + Duration::from_secs(30);
    loop {
        let mut confirmed = 0;
        for id in &bookings {
            confirmed += usize::from(
                server
                    .state
                    .store
                    .booking(*id)
                    .await
                    .unwrap()
                    .unwrap()
                    .booking
                    .status
                    == BookingStatus::Confirmed,
            );
        }
        if confirmed > 0 {
            break;
        }
        assert!(Instant::now() < deadline, "nothing confirmed");
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
    first.cancel();
    for task in tasks {
        task.await.unwrap();
    }

    // Second run finishes the rest.
    let second = CancellationToken::new();
    let mut tasks = spawn_workers(server.state.worker_context(), second.clone());
    tasks.push(relay(&server, second.clone()));
    for id in &bookings {
        wait_for_status(&server, *id, BookingStatus::Confirmed).await;
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
    let snapshot = server.state.ledger.snapshot(show).await.unwrap();
    assert_eq!(
        snapshot
            .seats
            .values()
            .filter(|s| **s == SeatState::Sold)
            .count(),
        10
    );
    let _ = Arc::new(());
    server.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn checkout_retries_with_the_same_idempotency_key_return_the_same_booking() {
    let (server, show) = start(false, 0.0).await;
    let token = server.token(Role::Customer);
    let held = hold(&server, &token, show, &["B9"]).await;
    let send = || {
        reqwest::Client::new()
            .post(server.url(&format!("/api/holds/{}/checkout", held.hold_id)))
            .bearer_auth(&token)
            .header("idempotency-key", "checkout-once")
            .json(&json!({"payment": "card"}))
            .send()
    };
    let first: CheckoutResponse = send().await.unwrap().json().await.unwrap();
    let again = send().await.unwrap();
    assert_eq!(again.status(), StatusCode::ACCEPTED);
    assert_eq!(
        again.json::<CheckoutResponse>().await.unwrap().booking.id,
        first.booking.id
    );
    let mine = server
        .state
        .store
        .bookings(&eventory_server::store::BookingFilter {
            show_id: Some(show),
            ..Default::default()
        })
        .await
        .unwrap();
    assert_eq!(mine.len(), 1, "one booking for the two requests");
    server.shutdown().await;
}
