//! Checkout as a caller sees it: card to confirmed with tickets and live `seat_booked`, cash
//! at the counter, a declined card, retries with one Idempotency-Key.

use std::time::{Duration, Instant};

use crate::support::{booking_reaches, cash_payment, wait_until, TestApi};
use eventory_shared::api::CheckoutResponse;
use eventory_shared::live::{ClientMessage, ServerMessage};
use eventory_shared::*;
use futures::{SinkExt, StreamExt};
use reqwest::StatusCode;
use serde_json::json;
use tokio_tungstenite::tungstenite::Message;

use super::{sold_seats, start};

/// The path checking `hold` out.
fn checkout_path(hold: HoldId) -> String {
    format!("/api/holds/{hold}/checkout")
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn card_checkout_confirms_with_tickets_and_live_seat_booked() {
    let (server, show) = start(true, 0.0).await;
    let customer = TestApi::as_role(&server, Role::Customer);

    // A second client watches the seat map live.
    let ws_url = format!("{}/api/live", server.base.replace("http", "ws"));
    let request =
        eventory_server::loadtest::live_request(&ws_url, &server.token(Role::Customer)).unwrap();
    let (mut live, _) = tokio_tungstenite::connect_async(request).await.unwrap();
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

    let held = customer.hold(show, &["A1", "A2"]).await;
    let response = customer
        .post(&checkout_path(held.hold_id), &json!({"payment": "card"}))
        .await;
    assert_eq!(response.status(), StatusCode::ACCEPTED);
    let body: CheckoutResponse = response.json().await.unwrap();
    assert_eq!(body.booking.status, BookingStatus::Pending);
    assert_eq!(body.booking.amount, Money::new(2000, Currency::EUR));
    assert_eq!(body.booking.channel, Channel::Online);

    let booking = booking_reaches(&server.state, body.booking.id, BookingStatus::Confirmed).await;
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
    assert_eq!(sold_seats(&server, show).await, 2);

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
                    ServerMessage::ShowCancelled { .. } => "show_cancelled",
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
    let mine = customer.get(&format!("/api/bookings/{}", booking.id)).await;
    assert_eq!(mine.status(), StatusCode::OK);
    let other = customer
        .as_token(server.token(Role::Customer))
        .get(&format!("/api/bookings/{}", booking.id))
        .await;
    assert_eq!(other.status(), StatusCode::NOT_FOUND);
    server.shutdown().await.expect("server stops cleanly");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn cash_at_the_counter_answers_change_due_and_customers_cannot_pay_cash() {
    let (server, show) = start(true, 0.0).await;
    let cashier = TestApi::as_role(&server, Role::Cashier);
    let held = cashier.hold(show, &["B1", "B2", "B3"]).await;
    let response = cashier
        .post(&checkout_path(held.hold_id), &cash_payment(5000))
        .await;
    assert_eq!(response.status(), StatusCode::ACCEPTED);
    let body: CheckoutResponse = response.json().await.unwrap();
    assert_eq!(body.change_due, Some(Money::new(2000, Currency::EUR)));
    assert_eq!(body.booking.channel, Channel::Counter);
    booking_reaches(&server.state, body.booking.id, BookingStatus::Confirmed).await;

    let customer = cashier.as_token(server.token(Role::Customer));
    let held = customer.hold(show, &["C1"]).await;
    let response = customer
        .post(&checkout_path(held.hold_id), &cash_payment(5000))
        .await;
    assert_eq!(response.status(), StatusCode::FORBIDDEN);
    let too_little = cashier.hold(show, &["C2"]).await;
    let response = cashier
        .post(&checkout_path(too_little.hold_id), &cash_payment(500))
        .await;
    assert_eq!(response.status(), StatusCode::UNPROCESSABLE_ENTITY);
    server.shutdown().await.expect("server stops cleanly");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn a_declined_card_cancels_the_booking_and_releases_the_seats() {
    let (server, show) = start(true, 1.0).await;
    let kiosk = TestApi::as_role(&server, Role::Kiosk);
    let held = kiosk.hold(show, &["A5"]).await;
    let body = kiosk.checkout(&held, &json!({"payment": "card"})).await;
    booking_reaches(&server.state, body.booking.id, BookingStatus::Cancelled).await;
    wait_until(
        "the seats to be released",
        Duration::from_secs(10),
        || async {
            let snapshot = server.state.ledger.snapshot(show).await.unwrap();
            snapshot.seats.is_empty().then_some(())
        },
    )
    .await;
    assert!(server
        .state
        .store
        .tickets_of_booking(body.booking.id)
        .await
        .unwrap()
        .is_empty());
    server.shutdown().await.expect("server stops cleanly");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn checkout_retries_with_the_same_idempotency_key_return_the_same_booking() {
    let (server, show) = start(false, 0.0).await;
    let customer = TestApi::as_role(&server, Role::Customer);
    let held = customer.hold(show, &["B9"]).await;
    let (path, card) = (checkout_path(held.hold_id), json!({"payment": "card"}));
    let send = || customer.post_idempotent(&path, &card, "checkout-once");
    let first: CheckoutResponse = send().await.json().await.unwrap();
    let again = send().await;
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
    server.shutdown().await.expect("server stops cleanly");
}
