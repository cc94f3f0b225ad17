//! What each role may reach, finding bookings by code, tickets, and staff refunds.

use crate::support::{TestApi, TestServer};
use eventory_server::store::test_support;
use eventory_shared::api::BookingTickets;
use eventory_shared::*;
use reqwest::StatusCode;
use serde_json::json;

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn each_role_reaches_only_what_it_should_and_staff_refunds_free_the_seats() {
    let server = TestServer::start(crate::support::cluster_config())
        .await
        .expect("server starts");
    let show = test_support::show_on_sale(server.state.store.as_ref(), 2, 5).await;
    let anonymous = TestApi::anonymous(&server);
    let customer = || anonymous.as_token(server.token(Role::Customer));
    let refund_path = |id: BookingId| format!("/api/bookings/{id}/refund");

    // Without a token: 401 everywhere protected; shows are public.
    for (method, path) in [
        ("GET", "/api/me"),
        ("GET", "/api/bookings/mine"),
        ("GET", "/api/live"),
        (
            "POST",
            "/api/holds/00000000-0000-0000-0000-000000000000/checkout",
        ),
    ] {
        let response = if method == "GET" {
            anonymous.get(path).await
        } else {
            anonymous.post(path, &json!({"payment": "card"})).await
        };
        assert_eq!(
            response.status(),
            StatusCode::UNAUTHORIZED,
            "{method} {path}"
        );
    }
    assert_eq!(anonymous.get("/api/shows").await.status(), StatusCode::OK);

    // A cashier sells two seats for cash.
    let cashier = anonymous.as_token(server.token(Role::Cashier));
    let sale = cashier
        .cash_sale(&server.state, show, &["A1", "A2"], 2000)
        .await;

    // Staff find it by the code on the tickets (any letter case); others may not look.
    let code = sale.code.to_lowercase();
    let found = cashier.get(&format!("/api/bookings/by-code/{code}")).await;
    assert_eq!(found.status(), StatusCode::OK);
    assert_eq!(found.json::<Booking>().await.unwrap().id, sale.id);
    for (path, status) in [
        (
            format!("/api/bookings/by-code/{code}"),
            StatusCode::FORBIDDEN,
        ),
        (
            "/api/bookings/by-code/NOPE2345".to_owned(),
            StatusCode::FORBIDDEN,
        ),
    ] {
        let response = customer().get(&path).await;
        assert_eq!(response.status(), status, "{path}");
    }
    for bad in ["NOPE2345", "%24ne", "a%20b"] {
        let response = cashier.get(&format!("/api/bookings/by-code/{bad}")).await;
        assert_eq!(response.status(), StatusCode::NOT_FOUND, "{bad}");
    }
    // Its tickets: one per seat, each with a distinct QR token; hidden from other customers.
    let tickets_path = format!("/api/bookings/{}/tickets", sale.id);
    let tickets: BookingTickets = cashier.get_ok(&tickets_path).await;
    assert_eq!(tickets.show.id, show);
    assert_eq!(tickets.tickets.len(), 2);
    assert!(tickets
        .tickets
        .iter()
        .all(|t| t.valid && t.qr_token.len() >= 16));
    assert_ne!(tickets.tickets[0].qr_token, tickets.tickets[1].qr_token);
    let stranger = customer().get(&tickets_path).await;
    assert_eq!(stranger.status(), StatusCode::NOT_FOUND);

    // Customers and kiosks may not refund; cashiers may, once.
    let refund = json!({"reason": "customer changed plans"});
    for role in [Role::Customer, Role::Kiosk] {
        let response = anonymous
            .as_token(server.token(role))
            .post(&refund_path(sale.id), &refund)
            .await;
        assert_eq!(response.status(), StatusCode::FORBIDDEN, "{role}");
    }
    let partial = cashier
        .post(
            &refund_path(sale.id),
            &json!({"seats": ["A1"], "reason": "x"}),
        )
        .await;
    assert_eq!(partial.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let response = cashier.post(&refund_path(sale.id), &refund).await;
    assert_eq!(response.status(), StatusCode::OK);
    assert_eq!(
        response.json::<Booking>().await.unwrap().status,
        BookingStatus::Refunded
    );
    // Asking again (a retry, a second cashier) answers the refund that was made; no money
    // moves twice.
    let again = cashier.post(&refund_path(sale.id), &refund).await;
    assert_eq!(again.status(), StatusCode::OK);
    assert_eq!(
        again.json::<Booking>().await.unwrap().status,
        BookingStatus::Refunded
    );

    // Refunded tickets no longer count.
    let tickets: BookingTickets = cashier.get_ok(&tickets_path).await;
    assert!(tickets.tickets.iter().all(|t| !t.valid));

    // The seats are for sale again, and the refund is in the audit log.
    let again = customer()
        .post(
            &format!("/api/shows/{show}/holds"),
            &json!({"seats": ["A1", "A2"]}),
        )
        .await;
    assert_eq!(again.status(), StatusCode::CREATED);
    assert!(server
        .state
        .store
        .audit_log(10)
        .await
        .unwrap()
        .iter()
        .any(|e| e.action == "booking.refunded"));
    server.shutdown().await.expect("server stops cleanly");
}
