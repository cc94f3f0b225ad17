//! The HTTP API on the real services: accounts and sessions, what each role may reach, staff
//! refunds, shows with seat maps, and two server instances sharing live updates.

mod common;

use std::time::{Duration, Instant};

use common::TestServer;
use eventory_server::store::test_support;
use eventory_shared::api::{
    BookingTickets, CheckoutResponse, HoldResponse, ShowDetail, TokenPair, UserProfile,
};
use eventory_shared::live::{ClientMessage, ServerMessage};
use eventory_shared::*;
use futures::{SinkExt, StreamExt};
use reqwest::{Client, StatusCode};
use serde_json::json;
use tokio_tungstenite::tungstenite::Message;

async fn post(
    client: &Client,
    url: String,
    token: Option<&str>,
    body: serde_json::Value,
) -> reqwest::Response {
    let mut request = client.post(url).json(&body);
    if let Some(token) = token {
        request = request.bearer_auth(token);
    }
    request.send().await.unwrap()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sign_up_sign_in_refresh_rotation_and_sign_out() {
    let server = TestServer::start(common::cluster_config()).await;
    let client = Client::new();
    let email = format!("ada-{}@example.com", uuid::Uuid::new_v4().simple());
    let sign_up =
        json!({"email": email, "password": "correct horse battery", "display_name": "Ada"});
    let response = post(
        &client,
        server.url("/api/auth/sign-up"),
        None,
        sign_up.clone(),
    )
    .await;
    assert_eq!(response.status(), StatusCode::CREATED);
    let pair: TokenPair = response.json().await.unwrap();
    assert_eq!(pair.user.role, Role::Customer);
    assert_eq!(
        post(&client, server.url("/api/auth/sign-up"), None, sign_up)
            .await
            .status(),
        StatusCode::CONFLICT
    );
    let weak = json!({"email": "weak@example.com", "password": "short", "display_name": "W"});
    assert_eq!(
        post(&client, server.url("/api/auth/sign-up"), None, weak)
            .await
            .status(),
        StatusCode::UNPROCESSABLE_ENTITY
    );
    let sneaky = json!({"email": "x@example.com", "password": "correct horse battery", "display_name": "X", "role": "admin"});
    assert_eq!(
        post(&client, server.url("/api/auth/sign-up"), None, sneaky)
            .await
            .status(),
        StatusCode::BAD_REQUEST,
        "no role from the client"
    );

    let wrong = json!({"email": email.to_uppercase(), "password": "wrong password!"});
    let response = post(&client, server.url("/api/auth/sign-in"), None, wrong).await;
    assert_eq!(response.status(), StatusCode::UNAUTHORIZED);
    let right = json!({"email": email.to_uppercase(), "password": "correct horse battery"});
    let signed_in: TokenPair = post(&client, server.url("/api/auth/sign-in"), None, right)
        .await
        .json()
        .await
        .unwrap();
    let me: UserProfile = client
        .get(server.url("/api/me"))
        .bearer_auth(&signed_in.access_token)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(me.email, email);

    let refreshed = post(
        &client,
        server.url("/api/auth/refresh"),
        None,
        json!({"refresh_token": signed_in.refresh_token}),
    )
    .await;
    assert_eq!(refreshed.status(), StatusCode::OK);
    let refreshed: TokenPair = refreshed.json().await.unwrap();
    let reused = post(
        &client,
        server.url("/api/auth/refresh"),
        None,
        json!({"refresh_token": signed_in.refresh_token}),
    )
    .await;
    assert_eq!(
        reused.status(),
        StatusCode::UNAUTHORIZED,
        "a refresh token works once"
    );
    let out = post(
        &client,
        server.url("/api/auth/sign-out"),
        None,
        json!({"refresh_token": refreshed.refresh_token}),
    )
    .await;
    assert_eq!(out.status(), StatusCode::NO_CONTENT);
    let after = post(
        &client,
        server.url("/api/auth/refresh"),
        None,
        json!({"refresh_token": refreshed.refresh_token}),
    )
    .await;
    assert_eq!(after.status(), StatusCode::UNAUTHORIZED, "signed out");
    server.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sign_in_is_rate_limited_per_account() {
    let server = TestServer::start(common::cluster_config()).await;
    let client = Client::new();
    let email = format!("target-{}@example.com", uuid::Uuid::new_v4().simple());
    let mut statuses = Vec::new();
    for _ in 0..12 {
        let body = json!({"email": email, "password": "guess guess guess"});
        statuses.push(
            post(&client, server.url("/api/auth/sign-in"), None, body)
                .await
                .status(),
        );
    }
    assert!(
        statuses[..10]
            .iter()
            .all(|s| *s == StatusCode::UNAUTHORIZED),
        "{statuses:?}"
    );
    assert_eq!(statuses[10], StatusCode::TOO_MANY_REQUESTS);
    assert_eq!(statuses[11], StatusCode::TOO_MANY_REQUESTS);
    server.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn each_role_reaches_only_what_it_should_and_staff_refunds_free_the_seats() {
    let server = TestServer::start(common::cluster_config()).await;
    let show = test_support::show_on_sale(server.state.store.as_ref(), 2, 5).await;
    let client = Client::new();
    let booking_url = |id: BookingId| server.url(&format!("/api/bookings/{id}/refund"));

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
        let request = if method == "GET" {
            client.get(server.url(path))
        } else {
            client
                .post(server.url(path))
                .json(&json!({"payment": "card"}))
        };
        assert_eq!(
            request.send().await.unwrap().status(),
            StatusCode::UNAUTHORIZED,
            "{method} {path}"
        );
    }
    assert_eq!(
        client
            .get(server.url("/api/shows"))
            .send()
            .await
            .unwrap()
            .status(),
        StatusCode::OK
    );

    // A cashier sells two seats for cash.
    let cashier = server.token(Role::Cashier);
    let hold: HoldResponse = post(
        &client,
        server.url(&format!("/api/shows/{show}/holds")),
        Some(&cashier),
        json!({"seats": ["A1", "A2"]}),
    )
    .await
    .json()
    .await
    .unwrap();
    let sale: CheckoutResponse = post(
        &client,
        server.url(&format!("/api/holds/{}/checkout", hold.hold_id)),
        Some(&cashier),
        json!({"payment": "cash", "cash_tendered": {"amount_minor": 2000, "currency": "EUR"}}),
    )
    .await
    .json()
    .await
    .unwrap();
    let deadline = Instant::now() + Duration::from_secs(30);
    while server
        .state
        .store
        .booking(sale.booking.id)
        .await
        .unwrap()
        .unwrap()
        .booking
        .status
        != BookingStatus::Confirmed
    {
        assert!(Instant::now() < deadline, "not confirmed");
        tokio::time::sleep(Duration::from_millis(50)).await;
    }

    // Staff find it by the code on the tickets (any letter case); others may not look.
    let get = |path: String, token: &str| {
        client
            .get(server.url(&path))
            .bearer_auth(token.to_owned())
            .send()
    };
    let code = sale.booking.code.to_lowercase();
    let found = get(format!("/api/bookings/by-code/{code}"), &cashier)
        .await
        .unwrap();
    assert_eq!(found.status(), StatusCode::OK);
    assert_eq!(found.json::<Booking>().await.unwrap().id, sale.booking.id);
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
        let response = get(path.clone(), &server.token(Role::Customer))
            .await
            .unwrap();
        assert_eq!(response.status(), status, "{path}");
    }
    for bad in ["NOPE2345", "%24ne", "a%20b"] {
        let response = get(format!("/api/bookings/by-code/{bad}"), &cashier)
            .await
            .unwrap();
        assert_eq!(response.status(), StatusCode::NOT_FOUND, "{bad}");
    }
    // Its tickets: one per seat, each with a distinct QR token; hidden from other customers.
    let tickets_path = format!("/api/bookings/{}/tickets", sale.booking.id);
    let tickets_now = async || -> BookingTickets {
        get(tickets_path.clone(), &cashier)
            .await
            .unwrap()
            .json()
            .await
            .unwrap()
    };
    let tickets = tickets_now().await;
    assert_eq!(tickets.show.id, show);
    assert_eq!(tickets.tickets.len(), 2);
    assert!(tickets
        .tickets
        .iter()
        .all(|t| t.valid && t.qr_token.len() >= 16));
    assert_ne!(tickets.tickets[0].qr_token, tickets.tickets[1].qr_token);
    let stranger = get(tickets_path.clone(), &server.token(Role::Customer))
        .await
        .unwrap();
    assert_eq!(stranger.status(), StatusCode::NOT_FOUND);

    // Customers and kiosks may not refund; cashiers may, once.
    let refund = json!({"reason": "customer changed plans"});
    for role in [Role::Customer, Role::Kiosk] {
        let response = post(
            &client,
            booking_url(sale.booking.id),
            Some(&server.token(role)),
            refund.clone(),
        )
        .await;
        assert_eq!(response.status(), StatusCode::FORBIDDEN, "{role}");
    }
    let partial = post(
        &client,
        booking_url(sale.booking.id),
        Some(&cashier),
        json!({"seats": ["A1"], "reason": "x"}),
    )
    .await;
    assert_eq!(partial.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let response = post(
        &client,
        booking_url(sale.booking.id),
        Some(&cashier),
        refund.clone(),
    )
    .await;
    assert_eq!(response.status(), StatusCode::OK);
    assert_eq!(
        response.json::<Booking>().await.unwrap().status,
        BookingStatus::Refunded
    );
    // Asking again (a retry, a second cashier) answers the refund that was made; no money
    // moves twice.
    let again = post(
        &client,
        booking_url(sale.booking.id),
        Some(&cashier),
        refund,
    )
    .await;
    assert_eq!(again.status(), StatusCode::OK);
    assert_eq!(
        again.json::<Booking>().await.unwrap().status,
        BookingStatus::Refunded
    );

    // Refunded tickets no longer count.
    let tickets = tickets_now().await;
    assert!(tickets.tickets.iter().all(|t| !t.valid));

    // The seats are for sale again, and the refund is in the audit log.
    let again = post(
        &client,
        server.url(&format!("/api/shows/{show}/holds")),
        Some(&server.token(Role::Customer)),
        json!({"seats": ["A1", "A2"]}),
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
    server.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn shows_list_and_detail_with_seat_map() {
    let server = TestServer::start(common::cluster_config()).await;
    let show = test_support::show_on_sale(server.state.store.as_ref(), 2, 5).await;
    let client = Client::new();
    let listed: Vec<Show> = client
        .get(server.url("/api/shows"))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert!(listed.iter().any(|s| s.id == show));
    let date = listed
        .iter()
        .find(|s| s.id == show)
        .unwrap()
        .starts_at
        .date_naive();
    let on_date: Vec<Show> = client
        .get(server.url(&format!("/api/shows?date={date}")))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert!(on_date.iter().any(|s| s.id == show));
    assert_eq!(
        client
            .get(server.url("/api/shows?date=tomorrow"))
            .send()
            .await
            .unwrap()
            .status(),
        StatusCode::BAD_REQUEST
    );
    let detail: ShowDetail = client
        .get(server.url(&format!("/api/shows/{show}")))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(detail.seat_map.layout.capacity(), 10);
    assert!(detail.seat_map.states.is_empty());
    let missing = client
        .get(server.url(&format!("/api/shows/{}", uuid::Uuid::new_v4())))
        .send()
        .await
        .unwrap();
    assert_eq!(missing.status(), StatusCode::NOT_FOUND);
    server.shutdown().await;
}

/// Two instances on the same Redis, MongoDB and Kafka: a client of A sees a hold made on B.
#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn two_instances_share_live_updates() {
    let config = common::cluster_config();
    let a = TestServer::start(config.clone()).await;
    let b = TestServer::start(config).await;
    let show = test_support::show_on_sale(a.state.store.as_ref(), 2, 5).await;

    let url = format!("{}/api/live", a.base.replace("http", "ws"));
    let mut request =
        tokio_tungstenite::tungstenite::client::IntoClientRequest::into_client_request(url)
            .unwrap();
    request.headers_mut().insert(
        "authorization",
        format!("Bearer {}", a.token(Role::Customer))
            .parse()
            .unwrap(),
    );
    let (mut live, _) = tokio_tungstenite::connect_async(request).await.unwrap();
    live.send(Message::Text(
        serde_json::to_string(&ClientMessage::JoinShow { show_id: show })
            .unwrap()
            .into(),
    ))
    .await
    .unwrap();
    let version = loop {
        if let Message::Text(text) = live.next().await.unwrap().unwrap() {
            match serde_json::from_str(&text).unwrap() {
                ServerMessage::InitialSeatStatus { seat_map } => break seat_map.version,
                other => panic!("{other:?}"),
            }
        }
    };

    let held = post(
        &Client::new(),
        b.url(&format!("/api/shows/{show}/holds")),
        Some(&b.token(Role::Customer)),
        json!({"seats": ["B4"]}),
    )
    .await;
    assert_eq!(held.status(), StatusCode::CREATED);
    let message = tokio::time::timeout(Duration::from_secs(5), async {
        loop {
            if let Message::Text(text) = live.next().await.unwrap().unwrap() {
                return serde_json::from_str::<ServerMessage>(&text).unwrap();
            }
        }
    })
    .await
    .expect("A's client hears B's hold within 5 s");
    match message {
        ServerMessage::SeatLocked(delta) => {
            assert_eq!(delta.version, version + 1);
            assert_eq!(delta.seats, common::seats(&["B4"]));
        }
        other => panic!("{other:?}"),
    }
    a.shutdown().await;
    b.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn staff_exchange_moves_a_booking_like_for_like() {
    let server = TestServer::start(common::cluster_config()).await;
    let show = test_support::show_on_sale(server.state.store.as_ref(), 2, 5).await;
    let client = Client::new();
    let cashier = server.token(Role::Cashier);
    let holds_url = server.url(&format!("/api/shows/{show}/holds"));

    let hold: HoldResponse = post(
        &client,
        holds_url.clone(),
        Some(&cashier),
        json!({"seats": ["A1"]}),
    )
    .await
    .json()
    .await
    .unwrap();
    let sale: CheckoutResponse = post(
        &client,
        server.url(&format!("/api/holds/{}/checkout", hold.hold_id)),
        Some(&cashier),
        json!({"payment": "cash", "cash_tendered": {"amount_minor": 1000, "currency": "EUR"}}),
    )
    .await
    .json()
    .await
    .unwrap();
    let deadline = Instant::now() + Duration::from_secs(30);
    while server
        .state
        .store
        .booking(sale.booking.id)
        .await
        .unwrap()
        .unwrap()
        .booking
        .status
        != BookingStatus::Confirmed
    {
        assert!(Instant::now() < deadline);
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    let exchange_url = server.url(&format!("/api/bookings/{}/exchange", sale.booking.id));

    // Two seats for one: a different price, refused.
    let two: HoldResponse = post(
        &client,
        holds_url.clone(),
        Some(&cashier),
        json!({"seats": ["B1", "B2"]}),
    )
    .await
    .json()
    .await
    .unwrap();
    let refused = post(
        &client,
        exchange_url.clone(),
        Some(&cashier),
        json!({"hold_id": two.hold_id}),
    )
    .await;
    assert_eq!(refused.status(), StatusCode::UNPROCESSABLE_ENTITY);
    // Customers may not exchange.
    let forbidden = post(
        &client,
        exchange_url.clone(),
        Some(&server.token(Role::Customer)),
        json!({"hold_id": two.hold_id}),
    )
    .await;
    assert_eq!(forbidden.status(), StatusCode::FORBIDDEN);

    let one: HoldResponse = post(
        &client,
        holds_url.clone(),
        Some(&cashier),
        json!({"seats": ["B5"]}),
    )
    .await
    .json()
    .await
    .unwrap();
    let response = post(
        &client,
        exchange_url.clone(),
        Some(&cashier),
        json!({"hold_id": one.hold_id}),
    )
    .await;
    assert_eq!(response.status(), StatusCode::OK);
    let moved: Booking = response.json().await.unwrap();
    assert_eq!(moved.status, BookingStatus::Confirmed);
    assert_eq!(moved.seats, common::seats(&["B5"]));
    assert_eq!(moved.amount, sale.booking.amount);
    assert_eq!(
        server
            .state
            .store
            .booking(sale.booking.id)
            .await
            .unwrap()
            .unwrap()
            .booking
            .status,
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
    let again = post(
        &client,
        exchange_url.clone(),
        Some(&cashier),
        json!({"hold_id": one.hold_id}),
    )
    .await;
    assert_eq!(again.status(), StatusCode::OK);
    assert_eq!(again.json::<Booking>().await.unwrap().id, moved.id);
    let other: HoldResponse = post(
        &client,
        holds_url.clone(),
        Some(&cashier),
        json!({"seats": ["B4"]}),
    )
    .await
    .json()
    .await
    .unwrap();
    let refused = post(
        &client,
        exchange_url,
        Some(&cashier),
        json!({"hold_id": other.hold_id}),
    )
    .await;
    assert_eq!(
        refused.status(),
        StatusCode::CONFLICT,
        "the old booking is no longer confirmed"
    );
    server.shutdown().await;
}
