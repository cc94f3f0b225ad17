//! Ticket types: a show's child/senior/... prices (a discount or a price per category) are
//! computed by the server at checkout, carried by the booking, its tickets and the CSV export.

use crate::support::{booking_reaches, TestApi, TestServer};
use eventory_shared::api::*;
use eventory_shared::*;
use reqwest::StatusCode;
use serde_json::json;

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn ticket_types_price_each_seat_on_the_server() {
    let server = TestServer::start(crate::support::cluster_config())
        .await
        .expect("server starts");
    let admin = TestApi::as_role(&server, Role::Admin);
    let venue: Venue = admin
        .post_ok(
            "/api/admin/venues",
            &json!({"name": "Types hall", "layout": VenueLayout::grid(2, 6, &CategoryId::new("standard"), None)}),
            StatusCode::CREATED,
        )
        .await;
    let starts = chrono::Utc::now() + chrono::Duration::days(2);
    let request = json!({
        "venue_id": venue.id,
        "title": "Family matinee",
        "starts_at": starts,
        "prices": { "standard": {"amount_minor": 1200, "currency": "EUR"} },
        "sale_opens_at": chrono::Utc::now() - chrono::Duration::hours(1),
        "sale_closes_at": starts,
        "status": "on_sale",
        "ticket_types": [
            {"id": "child", "name": "Child", "percent_off": 50},
            {"id": "senior", "name": "Senior", "prices": {"standard": {"amount_minor": 800, "currency": "EUR"}}},
        ],
    });
    let mut twice = request.clone();
    twice["ticket_types"][1]["id"] = json!("child");
    let refused = admin.post("/api/admin/shows", &twice).await;
    assert_eq!(
        refused.status(),
        StatusCode::UNPROCESSABLE_ENTITY,
        "a type listed twice"
    );
    let show: Show = admin
        .post_ok("/api/admin/shows", &request, StatusCode::CREATED)
        .await;
    assert_eq!(show.offered_types().len(), 3, "adult, child, senior");

    let customer = TestApi::as_role(&server, Role::Customer);
    let hold = customer.hold(show.id, &["A1", "A2", "A3"]).await;
    let checkout = |types: serde_json::Value| {
        let customer = customer.clone();
        let path = format!("/api/holds/{}/checkout", hold.hold_id);
        async move {
            customer
                .post(&path, &json!({"payment": "card", "ticket_types": types}))
                .await
        }
    };
    let unknown = checkout(json!({"A2": "pensioner"})).await;
    assert_eq!(unknown.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let elsewhere = checkout(json!({"B1": "child"})).await;
    assert_eq!(
        elsewhere.status(),
        StatusCode::UNPROCESSABLE_ENTITY,
        "not a seat of the hold"
    );
    let sale = checkout(json!({"A2": "child", "A3": "senior"})).await;
    assert_eq!(sale.status(), StatusCode::ACCEPTED);
    let sale: CheckoutResponse = sale.json().await.unwrap();
    assert_eq!(
        sale.booking.amount,
        Money::new(1200 + 600 + 800, Currency::EUR),
        "adult + child 50 % off + senior's fixed price"
    );
    let booking = booking_reaches(&server.state, sale.booking.id, BookingStatus::Confirmed).await;
    assert_eq!(booking.ticket_type(&"A1".parse().unwrap()), "adult");
    assert_eq!(booking.ticket_type(&"A2".parse().unwrap()), "child");

    let printed: BookingTickets = customer
        .get_ok(&format!("/api/bookings/{}/tickets", booking.id))
        .await;
    let mut types: Vec<(String, String)> = printed
        .tickets
        .iter()
        .map(|t| (t.seat.to_string(), t.ticket_type.clone()))
        .collect();
    types.sort();
    assert_eq!(
        types,
        [
            ("A1".to_string(), "Adult".to_string()),
            ("A2".to_string(), "Child".to_string()),
            ("A3".to_string(), "Senior".to_string())
        ]
    );
    let csv = admin
        .get(&format!(
            "/api/admin/bookings?show_id={}&format=csv",
            show.id
        ))
        .await
        .text()
        .await
        .unwrap();
    assert!(
        csv.lines().next().unwrap().contains("ticket_types"),
        "{csv}"
    );
    assert!(csv.contains("adult child senior"), "{csv}");
}
