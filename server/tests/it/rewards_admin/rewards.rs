//! Scratch cards (earned, revealed once, voided by a refund), loyalty points and coupons.

use crate::support::{TestApi, TestServer};
use eventory_server::store::test_support;
use eventory_shared::api::*;
use eventory_shared::*;
use reqwest::StatusCode;
use serde_json::json;

use super::buy;

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn three_seats_earn_one_card_revealed_once_and_voided_by_a_refund() {
    let server = TestServer::start(crate::support::cluster_config())
        .await
        .expect("server starts");
    let show = test_support::show_on_sale(server.state.store.as_ref(), 3, 10).await;
    let customer = TestApi::as_role(&server, Role::Customer);

    let small = buy(&server, &customer, show, &["A1", "A2"]).await;
    let response = customer
        .get(&format!("/api/bookings/{}/reward", small.id))
        .await;
    assert_eq!(
        response.status(),
        StatusCode::NOT_FOUND,
        "2 seats earn no card"
    );

    let big = buy(&server, &customer, show, &["B1", "B2", "B3"]).await;
    let card = customer.reward(big.id).await;
    assert_eq!(
        card,
        RewardView {
            state: RewardState::Unscratched,
            prize: None,
            claim_code: None,
        }
    );
    let stranger = customer
        .as_token(server.token(Role::Customer))
        .post_empty(&format!("/api/bookings/{}/reward/scratch", big.id))
        .await;
    assert_eq!(
        stranger.status(),
        StatusCode::NOT_FOUND,
        "only the buyer scratches"
    );

    let scratches: Vec<_> = (0..20)
        .map(|_| {
            let customer = customer.clone();
            tokio::spawn(async move { customer.scratch(big.id).await })
        })
        .collect();
    let mut results = Vec::new();
    for s in scratches {
        results.push(s.await.unwrap());
    }
    assert_eq!(
        results.iter().filter(|r| r.first_reveal).count(),
        1,
        "one reveal"
    );
    assert!(
        results.iter().all(|r| r.prize == results[0].prize),
        "replays show the same prize"
    );

    // Points: one per seat of confirmed bookings.
    assert_eq!(customer.loyalty().await.points, 5);

    // A refund voids an unscratched card and takes the points back.
    let third = buy(&server, &customer, show, &["C1", "C2", "C3"]).await;
    let cashier = customer.as_token(server.token(Role::Cashier));
    let refund = cashier
        .post(
            &format!("/api/bookings/{}/refund", third.id),
            &json!({"reason": "test"}),
        )
        .await;
    assert_eq!(refund.status(), StatusCode::OK);
    let voided = customer
        .post_empty(&format!("/api/bookings/{}/reward/scratch", third.id))
        .await;
    assert_eq!(voided.status(), StatusCode::CONFLICT);
    assert_eq!(
        customer.loyalty().await.points,
        5,
        "refunded seats take their points back"
    );
    server.shutdown().await.expect("server stops cleanly");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn ten_seats_unlock_a_coupon_that_applies_once_even_when_used_twice_at_once() {
    let server = TestServer::start(crate::support::cluster_config())
        .await
        .expect("server starts");
    let show = test_support::show_on_sale(server.state.store.as_ref(), 3, 10).await;
    let customer = TestApi::as_role(&server, Role::Customer);
    buy(&server, &customer, show, &["A1", "A2", "A3", "A4"]).await;
    buy(&server, &customer, show, &["A5", "A6", "A7", "A8"]).await;
    let loyalty = customer.loyalty().await;
    assert!(loyalty.coupons.is_empty(), "8 seats: no coupon yet");
    buy(&server, &customer, show, &["A9", "A10"]).await;
    let loyalty = customer.loyalty().await;
    assert_eq!(loyalty.points, 10);
    assert_eq!(loyalty.coupons.len(), 1);
    let code = loyalty.coupons[0].code.clone();

    // Two checkouts race with the coupon: one gets 20% off, the other is refused.
    let mut holds = Vec::new();
    for seat in ["B1", "B2"] {
        holds.push(customer.hold(show, &[seat]).await);
    }
    let racers: Vec<_> = holds
        .iter()
        .map(|hold| {
            let (customer, path, code) = (
                customer.clone(),
                format!("/api/holds/{}/checkout", hold.hold_id),
                code.clone(),
            );
            tokio::spawn(async move {
                customer
                    .post(&path, &json!({"payment": "card", "coupon": code}))
                    .await
            })
        })
        .collect();
    let mut accepted = Vec::new();
    let mut refused = 0;
    for racer in racers {
        let response = racer.await.unwrap();
        match response.status() {
            StatusCode::ACCEPTED => {
                accepted.push(response.json::<CheckoutResponse>().await.unwrap())
            }
            StatusCode::UNPROCESSABLE_ENTITY => refused += 1,
            other => panic!("{other}"),
        }
    }
    assert_eq!((accepted.len(), refused), (1, 1));
    assert_eq!(
        accepted[0].booking.amount,
        Money::new(800, Currency::EUR),
        "20% off 10.00"
    );
    let thief = customer.as_token(server.token(Role::Customer));
    let other = thief.hold(show, &["C9"]).await;
    let stolen = thief
        .post(
            &format!("/api/holds/{}/checkout", other.hold_id),
            &json!({"payment": "card", "coupon": code}),
        )
        .await;
    assert_eq!(
        stolen.status(),
        StatusCode::UNPROCESSABLE_ENTITY,
        "someone else's coupon"
    );
    server.shutdown().await.expect("server stops cleanly");
}
