//! Accounts and sessions: sign-up, sign-in, refresh rotation, sign-out, rate limits.

use crate::support::{TestApi, TestServer};
use eventory_shared::api::{TokenPair, UserProfile};
use eventory_shared::*;
use reqwest::StatusCode;
use serde_json::json;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sign_up_sign_in_refresh_rotation_and_sign_out() {
    let server = TestServer::start(crate::support::cluster_config())
        .await
        .expect("server starts");
    let anonymous = TestApi::anonymous(&server);
    let email = format!("ada-{}@example.com", uuid::Uuid::new_v4().simple());
    let sign_up =
        json!({"email": email, "password": "correct horse battery", "display_name": "Ada"});
    let response = anonymous.post("/api/auth/sign-up", &sign_up).await;
    assert_eq!(response.status(), StatusCode::CREATED);
    let pair: TokenPair = response.json().await.unwrap();
    assert_eq!(pair.user.role, Role::Customer);
    assert_eq!(
        anonymous.post("/api/auth/sign-up", &sign_up).await.status(),
        StatusCode::CONFLICT
    );
    let weak = json!({"email": "weak@example.com", "password": "short", "display_name": "W"});
    assert_eq!(
        anonymous.post("/api/auth/sign-up", &weak).await.status(),
        StatusCode::UNPROCESSABLE_ENTITY
    );
    let sneaky = json!({"email": "x@example.com", "password": "correct horse battery", "display_name": "X", "role": "admin"});
    assert_eq!(
        anonymous.post("/api/auth/sign-up", &sneaky).await.status(),
        StatusCode::BAD_REQUEST,
        "no role from the client"
    );

    let wrong = json!({"email": email.to_uppercase(), "password": "wrong password!"});
    let response = anonymous.post("/api/auth/sign-in", &wrong).await;
    assert_eq!(response.status(), StatusCode::UNAUTHORIZED);
    let (signed_in_api, signed_in) = anonymous
        .sign_in(&email.to_uppercase(), "correct horse battery")
        .await;
    let me: UserProfile = signed_in_api.get_ok("/api/me").await;
    assert_eq!(me.email, email);

    let refresh = |token: &str| json!({ "refresh_token": token });
    let refreshed = anonymous
        .post("/api/auth/refresh", &refresh(&signed_in.refresh_token))
        .await;
    assert_eq!(refreshed.status(), StatusCode::OK);
    let refreshed: TokenPair = refreshed.json().await.unwrap();
    let reused = anonymous
        .post("/api/auth/refresh", &refresh(&signed_in.refresh_token))
        .await;
    assert_eq!(
        reused.status(),
        StatusCode::UNAUTHORIZED,
        "a refresh token works once"
    );
    let out = anonymous
        .post("/api/auth/sign-out", &refresh(&refreshed.refresh_token))
        .await;
    assert_eq!(out.status(), StatusCode::NO_CONTENT);
    let after = anonymous
        .post("/api/auth/refresh", &refresh(&refreshed.refresh_token))
        .await;
    assert_eq!(after.status(), StatusCode::UNAUTHORIZED, "signed out");
    server.shutdown().await.expect("server stops cleanly");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sign_in_is_rate_limited_per_account() {
    let server = TestServer::start(crate::support::cluster_config())
        .await
        .expect("server starts");
    let anonymous = TestApi::anonymous(&server);
    let email = format!("target-{}@example.com", uuid::Uuid::new_v4().simple());
    let mut statuses = Vec::new();
    for _ in 0..12 {
        let body = json!({"email": email, "password": "guess guess guess"});
        statuses.push(anonymous.post("/api/auth/sign-in", &body).await.status());
    }
    assert!(
        statuses[..10]
            .iter()
            .all(|s| *s == StatusCode::UNAUTHORIZED),
        "{statuses:?}"
    );
    assert_eq!(statuses[10], StatusCode::TOO_MANY_REQUESTS);
    assert_eq!(statuses[11], StatusCode::TOO_MANY_REQUESTS);
    server.shutdown().await.expect("server stops cleanly");
}
