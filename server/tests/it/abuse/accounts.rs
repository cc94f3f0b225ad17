//! Sign-up and sign-in floods, lockouts an outsider could trigger, spoofed client addresses,
//! tokens in URLs, and what disabling an account ends.

use std::time::{Duration, Instant};

use eventory_server::auth::password::hash_password;
use eventory_server::store::UserRecord;
use eventory_shared::{Role, UserId};

use super::*;

/// A stored account of `role` with `password`.
async fn account(server: &TestServer, role: Role, password: &str) -> String {
    let email = format!("{}@venue.example", uuid::Uuid::new_v4().simple());
    server
        .state
        .store
        .insert_user(&UserRecord {
            id: UserId::from_uuid(uuid::Uuid::new_v4()),
            email: email.clone(),
            display_name: "Staff".into(),
            password_hash: hash_password(password).unwrap(),
            role,
            disabled: false,
            created_at: chrono::Utc::now(),
        })
        .await
        .unwrap();
    email
}

/// A sign-in as if from `client` behind the trusted proxy (the proxy's own
/// `X-Forwarded-For` line comes last, after whatever the client sent).
async fn sign_in_from(
    server: &TestServer,
    client: &str,
    claimed: Option<&str>,
    email: &str,
    password: &str,
) -> StatusCode {
    let mut request = reqwest::Client::new()
        .post(server.url("/api/auth/sign-in"))
        .json(&json!({"email": email, "password": password}));
    if let Some(claimed) = claimed {
        request = request.header("x-forwarded-for", claimed);
    }
    request
        .header("x-forwarded-for", client)
        .send()
        .await
        .unwrap()
        .status()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn a_sign_up_flood_from_one_address_is_refused_and_holds_keep_flowing() {
    // The cashier's 100 holds a minute are not what this is about.
    let (server, _dir) = server(&[("EVENTORY_HOLDS_PER_MINUTE_PER_ACCOUNT", "1000")]).await;
    let show = show(&server, 20, 20).await;
    let cashier = TestApi::as_role(&server, Role::Cashier);
    let flood = {
        let anonymous = TestApi::anonymous(&server);
        tokio::spawn(async move {
            let attempts: Vec<_> = (0..200)
                .map(|n| {
                    let anonymous = anonymous.clone();
                    tokio::spawn(async move {
                        let email = format!("bot-{n}-{}@example.com", uuid::Uuid::new_v4().simple());
                        let body = json!({"email": email, "password": "a long enough password", "display_name": "bot"});
                        anonymous.post("/api/auth/sign-up", &body).await.status()
                    })
                })
                .collect();
            let mut answers = Vec::new();
            for attempt in attempts {
                answers.push(attempt.await.unwrap());
            }
            answers
        })
    };
    // Meanwhile a cashier holds and releases, one seat at a time.
    let mut latencies = Vec::new();
    for n in 0..100u32 {
        let seat = format!("{}{}", char::from(b'A' + (n / 20) as u8), n % 20 + 1);
        let started = Instant::now();
        let hold = cashier.hold(show, &[seat.as_str()]).await;
        latencies.push(started.elapsed());
        cashier
            .delete(&format!("/api/holds/{}", hold.hold_id))
            .await;
    }
    let answers = flood.await.unwrap();
    let created = answers
        .iter()
        .filter(|s| **s == StatusCode::CREATED)
        .count();
    let refused = answers
        .iter()
        .filter(|s| **s == StatusCode::TOO_MANY_REQUESTS)
        .count();
    // Past its 20 an hour, the address is refused before anything is hashed; of the 20, the
    // ones that found every hashing slot busy for 5 s were told so (503), nothing else.
    let busy = answers
        .iter()
        .filter(|s| **s == StatusCode::SERVICE_UNAVAILABLE)
        .count();
    println!("sign-up flood: {created} created, {busy} busy, {refused} refused");
    assert!(created >= 1, "{answers:?}");
    assert_eq!(
        created + busy,
        20,
        "the default: 20 sign-ups an hour per address"
    );
    assert_eq!(refused, 180, "{answers:?}");
    latencies.sort();
    let p99 = latencies[latencies.len() * 99 / 100 - 1];
    println!(
        "holds during a 200 sign-up flood: p50 {:?}, p99 {p99:?}",
        latencies[50]
    );
    // Hashing runs on the blocking pool, so holds are not stuck behind it.
    assert!(p99 < Duration::from_secs(2), "p99 {p99:?}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_outsider_cannot_lock_a_cashier_out() {
    let (server, _dir) = server(&[("EVENTORY_TRUSTED_PROXIES", "127.0.0.1")]).await;
    let email = account(&server, Role::Cashier, "the cashier's password").await;
    // Ten wrong passwords from an attacker's address: that pair must wait...
    for _ in 0..10 {
        let status = sign_in_from(&server, "198.51.100.66", None, &email, "guess").await;
        assert_eq!(status, StatusCode::UNAUTHORIZED);
    }
    let status = sign_in_from(
        &server,
        "198.51.100.66",
        None,
        &email,
        "the cashier's password",
    )
    .await;
    assert_eq!(status, StatusCode::TOO_MANY_REQUESTS);
    // ...the cashier at the counter signs in as ever.
    let status = sign_in_from(
        &server,
        "203.0.113.10",
        None,
        &email,
        "the cashier's password",
    )
    .await;
    assert_eq!(status, StatusCode::OK);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_spoofed_forwarded_for_line_changes_nothing() {
    let (server, _dir) = server(&[
        ("EVENTORY_TRUSTED_PROXIES", "127.0.0.1"),
        ("EVENTORY_SIGN_INS_PER_MINUTE_PER_ADDRESS", "5"),
    ])
    .await;
    let email = account(&server, Role::Customer, "a long enough password").await;
    // One client claims a new address on a line of its own each time; the proxy appends the
    // real one. The per-address limit still counts one client.
    for n in 0..5 {
        let claimed = format!("10.9.8.{n}");
        let status = sign_in_from(&server, "203.0.113.7", Some(&claimed), &email, "wrong").await;
        assert_eq!(status, StatusCode::UNAUTHORIZED);
    }
    let status = sign_in_from(&server, "203.0.113.7", Some("10.9.8.200"), &email, "wrong").await;
    assert_eq!(status, StatusCode::TOO_MANY_REQUESTS);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn tokens_in_the_url_are_refused() {
    let (server, _dir) = server(&[]).await;
    let (alice, pair) = customer(&server).await;
    let me = format!("/api/me?access_token={}", pair.access_token);
    let anonymous = TestApi::anonymous(&server);
    assert_eq!(anonymous.get(&me).await.status(), StatusCode::UNAUTHORIZED);
    assert_eq!(alice.get("/api/me").await.status(), StatusCode::OK);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn token_answers_are_not_cached_or_sniffed() {
    let (server, _dir) = server(&[]).await;
    let answer = TestApi::anonymous(&server)
        .post(
            "/api/auth/sign-up",
            &json!({"email": "x@example.com", "password": "a long enough password", "display_name": "X"}),
        )
        .await;
    assert_eq!(answer.status(), StatusCode::CREATED);
    assert_eq!(answer.headers()["cache-control"], "no-store");
    assert_eq!(answer.headers()["x-content-type-options"], "nosniff");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn overlong_inputs_are_refused_before_anything_is_counted() {
    let (server, _dir) = server(&[("EVENTORY_SIGN_INS_PER_MINUTE_PER_ADDRESS", "2")]).await;
    let anonymous = TestApi::anonymous(&server);
    let huge = "x".repeat(10_000);
    for _ in 0..5 {
        let body = json!({"email": huge, "password": "whatever"});
        let status = anonymous.post("/api/auth/sign-in", &body).await.status();
        assert_eq!(status, StatusCode::UNAUTHORIZED, "refused, not counted");
    }
    let body = json!({"email": "a@example.com", "password": "whatever"});
    assert_eq!(
        anonymous.post("/api/auth/sign-in", &body).await.status(),
        StatusCode::UNAUTHORIZED,
        "the address still has its attempts"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn disabling_an_account_ends_its_sessions() {
    let (server, _dir) = server(&[]).await;
    let (alice, pair) = customer(&server).await;
    let mut live = super::live::connect(&server, &alice)
        .await
        .expect("live opens");
    let admin = TestApi::as_role(&server, Role::Admin);
    let answer = admin
        .post(
            &format!("/api/admin/users/{}/disable", pair.user.id),
            &json!({}),
        )
        .await;
    assert_eq!(
        answer.status(),
        StatusCode::NO_CONTENT,
        "{:?}",
        answer.text().await
    );
    // Its live feed closes...
    assert_eq!(super::live::close_code(&mut live).await, Some(4001));
    // ...and its refresh token no longer works.
    let refreshed = TestApi::anonymous(&server)
        .post(
            "/api/auth/refresh",
            &json!({"refresh_token": pair.refresh_token}),
        )
        .await;
    assert_eq!(refreshed.status(), StatusCode::UNAUTHORIZED);
}
