//! Abuse resistance, tried from outside as an attacker with one free account would: hoarding
//! seats, floods of sign-ups and sign-ins, spoofed client addresses, tokens in URLs, websocket
//! floods. One file per front: holds, accounts, live.

mod accounts;
mod holds;
mod live;

use eventory_server::store::test_support::show_on_sale;
use eventory_shared::api::TokenPair;
use eventory_shared::ShowId;
use eventory_testkit::{TestApi, TestServer};
use reqwest::StatusCode;
use serde_json::{json, Value};

use crate::support::embedded_config_with;

/// An embedded server with these settings, and its data folder.
async fn server(vars: &[(&str, &str)]) -> (TestServer, tempfile::TempDir) {
    let dir = tempfile::tempdir().unwrap();
    let server = TestServer::start(embedded_config_with(dir.path(), vars))
        .await
        .unwrap();
    (server, dir)
}

/// A show on sale with `rows` x `per_row` seats.
async fn show(server: &TestServer, rows: u32, per_row: u16) -> ShowId {
    show_on_sale(server.state.store.as_ref(), rows, per_row).await
}

/// A new customer account, signed up through the API (so it is a real, stored account).
async fn customer(server: &TestServer) -> (TestApi, TokenPair) {
    let email = format!("{}@example.com", uuid::Uuid::new_v4().simple());
    let pair: TokenPair = TestApi::anonymous(server)
        .post_ok(
            "/api/auth/sign-up",
            &json!({"email": email, "password": "a long enough password", "display_name": "Mallory"}),
            StatusCode::CREATED,
        )
        .await;
    (TestApi::with_token(server, pair.access_token.clone()), pair)
}

/// The status and the error code of an answer.
async fn code_of(response: reqwest::Response) -> (StatusCode, String) {
    let status = response.status();
    let body: Value = response.json().await.unwrap_or(Value::Null);
    (status, body["code"].as_str().unwrap_or_default().to_owned())
}
