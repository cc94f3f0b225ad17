//! Rewards, loyalty, coupons and the admin API through the real server and services.

mod common;

use std::collections::BTreeMap;
use std::time::{Duration, Instant};

use common::TestServer;
use eventory_server::store::test_support;
use eventory_shared::api::*;
use eventory_shared::*;
use reqwest::{Client, StatusCode};
use serde_json::json;

async fn buy(server: &TestServer, token: &str, show: ShowId, seats: &[&str]) -> Booking {
    let client = Client::new();
    let hold: HoldResponse = client
        .post(server.url(&format!("/api/shows/{show}/holds")))
        .bearer_auth(token)
        .json(&json!({ "seats": seats }))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let response = client
        .post(server.url(&format!("/api/holds/{}/checkout", hold.hold_id)))
        .bearer_auth(token)
        .json(&json!({"payment": "card"}))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), StatusCode::ACCEPTED);
    let body: CheckoutResponse = response.json().await.unwrap();
    confirmed(server, body.booking.id).await
}

async fn confirmed(server: &TestServer, id: BookingId) -> Booking {
    let deadline = Instant::now() + Duration::from_secs(30);
    loop {
        let record = server.state.store.booking(id).await.unwrap().unwrap();
        if record.booking.status == BookingStatus::Confirmed {
            // Rewards and points are granted right after the confirmation.
            tokio::time::sleep(Duration::from_millis(200)).await;
            return record.booking;
        }
        assert!(
            Instant::now() < deadline,
            "not confirmed: {:?}",
            record.booking.status
        );
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn three_seats_earn_one_card_revealed_once_and_voided_by_a_refund() {
    let server = TestServer::start(common::cluster_config()).await;
    let show = test_support::show_on_sale(server.state.store.as_ref(), 3, 10).await;
    let client = Client::new();
    let token = server.token(Role::Customer);

    let small = buy(&server, &token, show, &["A1", "A2"]).await;
    let response = client
        .get(server.url(&format!("/api/bookings/{}/reward", small.id)))
        .bearer_auth(&token)
        .send()
        .await
        .unwrap();
    assert_eq!(
        response.status(),
        StatusCode::NOT_FOUND,
        "2 seats earn no card"
    );

    let big = buy(&server, &token, show, &["B1", "B2", "B3"]).await;
    let card: RewardView = client
        .get(server.url(&format!("/api/bookings/{}/reward", big.id)))
        .bearer_auth(&token)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(
        card,
        RewardView {
            state: RewardState::Unscratched,
            prize: None
        }
    );
    let stranger = client
        .post(server.url(&format!("/api/bookings/{}/reward/scratch", big.id)))
        .bearer_auth(server.token(Role::Customer))
        .send()
        .await
        .unwrap();
    assert_eq!(
        stranger.status(),
        StatusCode::NOT_FOUND,
        "only the buyer scratches"
    );

    let scratches: Vec<_> = (0..20)
        .map(|_| {
            let (client, url, token) = (
                client.clone(),
                server.url(&format!("/api/bookings/{}/reward/scratch", big.id)),
                token.clone(),
            );
            tokio::spawn(async move {
                client
                    .post(url)
                    .bearer_auth(token)
                    .send()
                    .await
                    .unwrap()
                    .json::<ScratchResponse>()
                    .await
                    .unwrap()
            })
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
    let loyalty: LoyaltyView = client
        .get(server.url("/api/me/loyalty"))
        .bearer_auth(&token)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(loyalty.points, 5);

    // A refund voids an unscratched card and takes the points back.
    let third = buy(&server, &token, show, &["C1", "C2", "C3"]).await;
    let cashier = server.token(Role::Cashier);
    let refund = client
        .post(server.url(&format!("/api/bookings/{}/refund", third.id)))
        .bearer_auth(&cashier)
        .json(&json!({"reason": "test"}))
        .send()
        .await
        .unwrap();
    assert_eq!(refund.status(), StatusCode::OK);
    let voided = client
        .post(server.url(&format!("/api/bookings/{}/reward/scratch", third.id)))
        .bearer_auth(&token)
        .send()
        .await
        .unwrap();
    assert_eq!(voided.status(), StatusCode::CONFLICT);
    let loyalty: LoyaltyView = client
        .get(server.url("/api/me/loyalty"))
        .bearer_auth(&token)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(loyalty.points, 5, "refunded seats take their points back");
    server.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn ten_seats_unlock_a_coupon_that_applies_once_even_when_used_twice_at_once() {
    let server = TestServer::start(common::cluster_config()).await;
    let show = test_support::show_on_sale(server.state.store.as_ref(), 3, 10).await;
    let client = Client::new();
    let token = server.token(Role::Customer);
    buy(&server, &token, show, &["A1", "A2", "A3", "A4"]).await;
    buy(&server, &token, show, &["A5", "A6", "A7", "A8"]).await;
    let loyalty: LoyaltyView = client
        .get(server.url("/api/me/loyalty"))
        .bearer_auth(&token)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert!(loyalty.coupons.is_empty(), "8 seats: no coupon yet");
    buy(&server, &token, show, &["A9", "A10"]).await;
    let loyalty: LoyaltyView = client
        .get(server.url("/api/me/loyalty"))
        .bearer_auth(&token)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(loyalty.points, 10);
    assert_eq!(loyalty.coupons.len(), 1);
    let code = loyalty.coupons[0].code.clone();

    // Two checkouts race with the coupon: one gets 20% off, the other is refused.
    let mut holds = Vec::new();
    for seat in ["B1", "B2"] {
        let hold: HoldResponse = client
            .post(server.url(&format!("/api/shows/{show}/holds")))
            .bearer_auth(&token)
            .json(&json!({"seats": [seat]}))
            .send()
            .await
            .unwrap()
            .json()
            .await
            .unwrap();
        holds.push(hold);
    }
    let racers: Vec<_> = holds
        .iter()
        .map(|hold| {
            let (client, url, token, code) = (
                client.clone(),
                server.url(&format!("/api/holds/{}/checkout", hold.hold_id)),
                token.clone(),
                code.clone(),
            );
            tokio::spawn(async move {
                client
                    .post(url)
                    .bearer_auth(token)
                    .json(&json!({"payment": "card", "coupon": code}))
                    .send()
                    .await
                    .unwrap()
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
    let thief = server.token(Role::Customer);
    let other = client
        .post(server.url(&format!("/api/shows/{show}/holds")))
        .bearer_auth(&thief)
        .json(&json!({"seats": ["C9"]}))
        .send()
        .await
        .unwrap()
        .json::<HoldResponse>()
        .await
        .unwrap();
    let stolen = client
        .post(server.url(&format!("/api/holds/{}/checkout", other.hold_id)))
        .bearer_auth(&thief)
        .json(&json!({"payment": "card", "coupon": code}))
        .send()
        .await
        .unwrap();
    assert_eq!(
        stolen.status(),
        StatusCode::UNPROCESSABLE_ENTITY,
        "someone else's coupon"
    );
    server.shutdown().await;
}

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
    let server = TestServer::start(common::cluster_config()).await;
    let client = Client::new();
    let admin = server.token(Role::Admin);

    // Nobody else reaches the admin API.
    for role in [Role::Customer, Role::Cashier, Role::Kiosk] {
        let token = server.token(role);
        for path in [
            "/api/admin/venues",
            "/api/admin/bookings",
            "/api/admin/analytics",
            "/api/admin/users",
            "/api/admin/audit",
        ] {
            assert_eq!(
                client
                    .get(server.url(path))
                    .bearer_auth(&token)
                    .send()
                    .await
                    .unwrap()
                    .status(),
                StatusCode::FORBIDDEN,
                "{role} {path}"
            );
        }
        let response = client
            .post(server.url("/api/admin/staff"))
            .bearer_auth(&token)
            .json(&json!({}))
            .send()
            .await
            .unwrap();
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
        client
            .get(server.url("/api/admin/venues"))
            .send()
            .await
            .unwrap()
            .status(),
        StatusCode::UNAUTHORIZED
    );

    // A venue and a show.
    let layout = VenueLayout::grid(2, 5, &CategoryId::new("standard"), None);
    let venue: Venue = client
        .post(server.url("/api/admin/venues"))
        .bearer_auth(&admin)
        .json(&json!({"name": "Hall 7", "layout": layout}))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let bad = client
        .post(server.url("/api/admin/shows"))
        .bearer_auth(&admin)
        .json(&show_request(venue.id, "premium"))
        .send()
        .await
        .unwrap();
    assert_eq!(
        bad.status(),
        StatusCode::UNPROCESSABLE_ENTITY,
        "prices must cover the venue's categories"
    );
    let response = client
        .post(server.url("/api/admin/shows"))
        .bearer_auth(&admin)
        .json(&show_request(venue.id, "standard"))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), StatusCode::CREATED);
    let show: Show = response.json().await.unwrap();

    // Staff: a cashier who sells A1 and A2 at the counter.
    let email = format!("till-{}@eventory.local", uuid::Uuid::new_v4().simple());
    let staff = client.post(server.url("/api/admin/staff")).bearer_auth(&admin).json(&json!({"email": email, "password": "till password 1", "display_name": "Till 1", "role": "cashier"})).send().await.unwrap();
    assert_eq!(staff.status(), StatusCode::CREATED);
    let staff: UserProfile = staff.json().await.unwrap();
    let pair: TokenPair = client
        .post(server.url("/api/auth/sign-in"))
        .json(&json!({"email": email, "password": "till password 1"}))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let hold: HoldResponse = client
        .post(server.url(&format!("/api/shows/{}/holds", show.id)))
        .bearer_auth(&pair.access_token)
        .json(&json!({"seats": ["A1", "A2"]}))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let sale: CheckoutResponse = client
        .post(server.url(&format!("/api/holds/{}/checkout", hold.hold_id)))
        .bearer_auth(&pair.access_token)
        .json(
            &json!({"payment": "cash", "cash_tendered": {"amount_minor": 2000, "currency": "EUR"}}),
        )
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    confirmed(&server, sale.booking.id).await;

    // A layout edit that drops a sold seat is refused, naming it; one that keeps them passes.
    let mut smaller = layout.clone();
    smaller.rows[0].seats.retain(|s| s.number != 2);
    let refused = client
        .put(server.url(&format!("/api/admin/venues/{}", venue.id)))
        .bearer_auth(&admin)
        .json(&json!({"name": "Hall 7", "layout": smaller}))
        .send()
        .await
        .unwrap();
    assert_eq!(refused.status(), StatusCode::CONFLICT);
    let body: ApiErrorBody = refused.json().await.unwrap();
    assert_eq!(body.seats, vec!["A2".parse::<SeatId>().unwrap()]);
    let mut kept = layout.clone();
    kept.rows[1].seats.retain(|s| s.number != 5);
    let ok = client
        .put(server.url(&format!("/api/admin/venues/{}", venue.id)))
        .bearer_auth(&admin)
        .json(&json!({"name": "Hall 7", "layout": kept}))
        .send()
        .await
        .unwrap();
    assert_eq!(ok.status(), StatusCode::OK);
    let gone = client
        .post(server.url(&format!("/api/shows/{}/holds", show.id)))
        .bearer_auth(&pair.access_token)
        .json(&json!({"seats": ["B5"]}))
        .send()
        .await
        .unwrap();
    assert_eq!(
        gone.status(),
        StatusCode::UNPROCESSABLE_ENTITY,
        "the ledger follows the new layout"
    );

    // Bookings with filters, as JSON and CSV.
    let list: BookingList = client
        .get(server.url(&format!(
            "/api/admin/bookings?show_id={}&channel=counter",
            show.id
        )))
        .bearer_auth(&admin)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(list.bookings.len(), 1);
    let none: BookingList = client
        .get(server.url(&format!(
            "/api/admin/bookings?show_id={}&channel=kiosk",
            show.id
        )))
        .bearer_auth(&admin)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert!(none.bookings.is_empty());
    let csv = client
        .get(server.url(&format!(
            "/api/admin/bookings?show_id={}&format=csv",
            show.id
        )))
        .bearer_auth(&admin)
        .send()
        .await
        .unwrap();
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
            .contains(",counter,confirmed,cash,A1 A2,1800,EUR,"),
        "{csv}"
    );
    let bad_query = client
        .get(server.url("/api/admin/bookings?status=%7B%22%24ne%22%3Anull%7D"))
        .bearer_auth(&admin)
        .send()
        .await
        .unwrap();
    assert_eq!(
        bad_query.status(),
        StatusCode::BAD_REQUEST,
        "operator-shaped filters are not filters"
    );

    // Analytics computed by the store.
    let analytics: AnalyticsResponse = client
        .get(server.url("/api/admin/analytics"))
        .bearer_auth(&admin)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
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
    let disabled = client
        .post(server.url(&format!("/api/admin/users/{}/disable", staff.id)))
        .bearer_auth(&admin)
        .send()
        .await
        .unwrap();
    assert_eq!(disabled.status(), StatusCode::NO_CONTENT);
    let signin = client
        .post(server.url("/api/auth/sign-in"))
        .json(&json!({"email": email, "password": "till password 1"}))
        .send()
        .await
        .unwrap();
    assert_eq!(signin.status(), StatusCode::UNAUTHORIZED);
    let audit: Vec<AuditView> = client
        .get(server.url("/api/admin/audit"))
        .bearer_auth(&admin)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
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
    server.shutdown().await;
}
