//! Staff exchanges: like for like only, once, and never of a booking no longer confirmed.

use crate::support::{booking_status, TestApi, TestServer};
use eventory_server::store::test_support;
use eventory_shared::*;
use reqwest::StatusCode;
use serde_json::json;

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn staff_exchange_moves_a_booking_like_for_like() {
    let server = TestServer::start(crate::support::cluster_config())
        .await
        .expect("server starts");
    let show = test_support::show_on_sale(server.state.store.as_ref(), 2, 5).await;
    let cashier = TestApi::as_role(&server, Role::Cashier);

    let sale = cashier.cash_sale(&server.state, show, &["A1"], 1000).await;
    let exchange_path = format!("/api/bookings/{}/exchange", sale.id);
    let onto = |hold: HoldId| json!({ "hold_id": hold });

    // Two seats for one: a different price, refused.
    let two = cashier.hold(show, &["B1", "B2"]).await;
    let refused = cashier.post(&exchange_path, &onto(two.hold_id)).await;
    assert_eq!(refused.status(), StatusCode::UNPROCESSABLE_ENTITY);
    // Customers may not exchange.
    let forbidden = cashier
        .as_token(server.token(Role::Customer))
        .post(&exchange_path, &onto(two.hold_id))
        .await;
    assert_eq!(forbidden.status(), StatusCode::FORBIDDEN);

    let one = cashier.hold(show, &["B5"]).await;
    let response = cashier.post(&exchange_path, &onto(one.hold_id)).await;
    assert_eq!(response.status(), StatusCode::OK);
    let moved: Booking = response.json().await.unwrap();
    assert_eq!(moved.status, BookingStatus::Confirmed);
    assert_eq!(moved.seats, crate::support::seats(&["B5"]));
    assert_eq!(moved.amount, sale.amount);
    assert_eq!(
        booking_status(&server.state, sale.id).await,
        BookingStatus::Exchanged
    );
    let live: Vec<String> = server
        .state
        .store
        .live_tickets_of_show(show)
        .await
        .unwrap()
        .iter()
        .map(|t| t.seat_id.to_string())
        .collect();
    assert_eq!(live, ["B5"]);
    let snapshot = server.state.ledger.snapshot(show).await.unwrap();
    assert_eq!(
        snapshot.seats.get(&"A1".parse().unwrap()),
        None,
        "A1 is for sale again"
    );
    assert_eq!(
        snapshot.seats.get(&"B5".parse().unwrap()),
        Some(&SeatState::Sold)
    );
    // The same exchange again (a retry) answers its result; another one is refused.
    let again = cashier.post(&exchange_path, &onto(one.hold_id)).await;
    assert_eq!(again.status(), StatusCode::OK);
    assert_eq!(again.json::<Booking>().await.unwrap().id, moved.id);
    let other = cashier.hold(show, &["B4"]).await;
    let refused = cashier.post(&exchange_path, &onto(other.hold_id)).await;
    assert_eq!(
        refused.status(),
        StatusCode::CONFLICT,
        "the old booking is no longer confirmed"
    );
    server.shutdown().await.expect("server stops cleanly");
}
