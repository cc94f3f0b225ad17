//! The admin API: who may reach it, venues and shows, staff, bookings as JSON and CSV,
//! analytics and the audit log.

use std::collections::BTreeMap;

use crate::support::{cash_payment, TestApi, TestServer};
use eventory_shared::api::*;
use eventory_shared::*;
use reqwest::StatusCode;
use serde_json::json;

use super::confirmed;

fn show_request(venue: VenueId, category: &str) -> serde_json::Value {
    let starts = chrono::Utc::now() + chrono::Duration::days(2);
    json!({
        "venue_id": venue,
        "title": "Admin film",
        "starts_at": starts,
        "prices": { category: {"amount_minor": 900, "currency": "EUR"} },
        "sale_opens_at": chrono::Utc::now() - chrono::Duration::hours(1),
        "sale_closes_at": starts,
        "status": "on_sale",
    })
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn admin_manages_venues_shows_staff_and_reads_bookings_and_analytics() {
    let server = TestServer::start(crate::support::cluster_config())
        .await
        .expect("server starts");
    let anonymous = TestApi::anonymous(&server);
    let admin = anonymous.as_token(server.token(Role::Admin));

    // Nobody else reaches the admin API.
    for role in [Role::Customer, Role::Cashier, Role::Kiosk] {
        let other = anonymous.as_token(server.token(role));
        for path in [
            "/api/admin/venues",
            "/api/admin/bookings",
            "/api/admin/analytics",
            "/api/admin/users",
            "/api/admin/audit",
        ] {
            assert_eq!(
                other.get(path).await.status(),
                StatusCode::FORBIDDEN,
                "{role} {path}"
            );
        }
        let response = other.post("/api/admin/staff", &json!({})).await;
        assert!(
            matches!(
                response.status(),
                StatusCode::FORBIDDEN | StatusCode::BAD_REQUEST
            ),
            "{role}: {}",
            response.status()
        );
    }
    assert_eq!(
        anonymous.get("/api/admin/venues").await.status(),
        StatusCode::UNAUTHORIZED
    );

    // A venue and a show.
    let layout = VenueLayout::grid(2, 5, &CategoryId::new("standard"), None);
    let venue: Venue = admin
        .post_ok(
            "/api/admin/venues",
            &json!({"name": "Hall 7", "layout": layout}),
            StatusCode::CREATED,
        )
        .await;
    let bad = admin
        .post("/api/admin/shows", &show_request(venue.id, "premium"))
        .await;
    assert_eq!(
        bad.status(),
        StatusCode::UNPROCESSABLE_ENTITY,
        "prices must cover the venue's categories"
    );
    let response = admin
        .post("/api/admin/shows", &show_request(venue.id, "standard"))
        .await;
    assert_eq!(response.status(), StatusCode::CREATED);
    let show: Show = response.json().await.unwrap();

    // Staff: a cashier who sells A1 and A2 at the counter.
    let email = format!("till-{}@eventory.local", uuid::Uuid::new_v4().simple());
    let staff = admin
        .post(
            "/api/admin/staff",
            &json!({"email": email, "password": "till password 1", "display_name": "Till 1", "role": "cashier"}),
        )
        .await;
    assert_eq!(staff.status(), StatusCode::CREATED);
    let staff: UserProfile = staff.json().await.unwrap();
    let (till, _) = anonymous.sign_in(&email, "till password 1").await;
    let hold = till.hold(show.id, &["A1", "A2"]).await;
    let sale = till.checkout(&hold, &cash_payment(2000)).await;
    confirmed(&server, sale.booking.id).await;

    // A layout edit that drops a sold seat is refused, naming it; one that keeps them passes.
    let venue_path = format!("/api/admin/venues/{}", venue.id);
    let mut smaller = layout.clone();
    smaller.rows[0].seats.retain(|s| s.number != 2);
    let refused = admin
        .put(&venue_path, &json!({"name": "Hall 7", "layout": smaller}))
        .await;
    assert_eq!(refused.status(), StatusCode::CONFLICT);
    let body: ApiErrorBody = refused.json().await.unwrap();
    assert_eq!(body.seats, vec!["A2".parse::<SeatId>().unwrap()]);
    let mut kept = layout.clone();
    kept.rows[1].seats.retain(|s| s.number != 5);
    let ok = admin
        .put(&venue_path, &json!({"name": "Hall 7", "layout": kept}))
        .await;
    assert_eq!(ok.status(), StatusCode::OK);
    let gone = till
        .post(
            &format!("/api/shows/{}/holds", show.id),
            &json!({"seats": ["B5"]}),
        )
        .await;
    assert_eq!(
        gone.status(),
        StatusCode::UNPROCESSABLE_ENTITY,
        "the ledger follows the new layout"
    );

    // Bookings with filters, as JSON and CSV.
    let list: BookingList = admin
        .get_ok(&format!(
            "/api/admin/bookings?show_id={}&channel=counter",
            show.id
        ))
        .await;
    assert_eq!(list.bookings.len(), 1);
    let none: BookingList = admin
        .get_ok(&format!(
            "/api/admin/bookings?show_id={}&channel=kiosk",
            show.id
        ))
        .await;
    assert!(none.bookings.is_empty());
    let csv = admin
        .get(&format!(
            "/api/admin/bookings?show_id={}&format=csv",
            show.id
        ))
        .await;
    assert!(csv.headers()["content-type"]
        .to_str()
        .unwrap()
        .starts_with("text/csv"));
    let csv = csv.text().await.unwrap();
    assert_eq!(csv.lines().count(), 2);
    assert!(
        csv.lines()
            .nth(1)
            .unwrap()
            .contains(",counter,confirmed,cash,A1 A2,adult adult,1800,EUR,"),
        "{csv}"
    );
    let bad_query = admin
        .get("/api/admin/bookings?status=%7B%22%24ne%22%3Anull%7D")
        .await;
    assert_eq!(
        bad_query.status(),
        StatusCode::BAD_REQUEST,
        "operator-shaped filters are not filters"
    );

    // Analytics computed by the store.
    let analytics: AnalyticsResponse = admin.get_ok("/api/admin/analytics").await;
    let counter: i64 = analytics
        .sales
        .by_day
        .iter()
        .filter(|d| d.channel == Channel::Counter)
        .map(|d| d.revenue_minor)
        .sum();
    assert_eq!(counter, 1800);
    let occupancy = analytics
        .occupancy
        .iter()
        .find(|o| o.show_id == show.id)
        .unwrap();
    assert_eq!((occupancy.sold, occupancy.capacity), (2, 9));

    // Disabling the cashier stops their sign-in; the audit log has it all.
    let disabled = admin
        .post_empty(&format!("/api/admin/users/{}/disable", staff.id))
        .await;
    assert_eq!(disabled.status(), StatusCode::NO_CONTENT);
    let signin = anonymous
        .post(
            "/api/auth/sign-in",
            &json!({"email": email, "password": "till password 1"}),
        )
        .await;
    assert_eq!(signin.status(), StatusCode::UNAUTHORIZED);
    let audit: Vec<AuditView> = admin.get_ok("/api/admin/audit").await;
    let actions: BTreeMap<&str, usize> = audit.iter().fold(BTreeMap::new(), |mut m, e| {
        *m.entry(e.action.as_str()).or_default() += 1;
        m
    });
    for action in [
        "venue.created",
        "venue.updated",
        "show.created",
        "staff.created",
        "user.disabled",
    ] {
        assert!(
            actions.contains_key(action),
            "{action} missing from {actions:?}"
        );
    }
    server.shutdown().await.expect("server stops cleanly");
}
