//! Holds through the real HTTP server (Redis ledger): the status codes and error bodies a
//! client sees, authorisation, idempotency, bad input changing nothing, and 500 concurrent
//! clients on one seat.

use std::sync::Arc;

use crate::support::{TestApi, TestServer};
use eventory_shared::api::HoldResponse;
use eventory_shared::{ApiErrorBody, ErrorCode, Role, ShowId};
use reqwest::StatusCode;
use serde_json::json;
use uuid::Uuid;

async fn server_with_show() -> (TestServer, ShowId) {
    let server = TestServer::start(crate::support::cluster_config())
        .await
        .expect("server starts");
    // A real show in the store; the ledger learns it on the first hold (on-demand rebuild).
    let show =
        eventory_server::store::test_support::show_on_sale(server.state.store.as_ref(), 5, 10)
            .await;
    (server, show)
}

async fn error(response: reqwest::Response) -> (StatusCode, ApiErrorBody) {
    let status = response.status();
    (status, response.json().await.expect("JSON error body"))
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn hold_then_conflict_then_release() {
    let (server, show) = server_with_show().await;
    let client = reqwest::Client::new();
    let alice = server.token(Role::Customer);
    let bob = server.token(Role::Customer);
    let holds = server.url(&format!("/api/shows/{show}/holds"));

    let response = client
        .post(&holds)
        .bearer_auth(&alice)
        .json(&json!({"seats": ["A1", "a2"]}))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), StatusCode::CREATED);
    let hold: HoldResponse = response.json().await.unwrap();
    assert_eq!(
        hold.seats
            .iter()
            .map(ToString::to_string)
            .collect::<Vec<_>>(),
        ["A1", "A2"]
    );

    let (status, body) = error(
        client
            .post(&holds)
            .bearer_auth(&bob)
            .json(&json!({"seats": ["A2", "A3"]}))
            .send()
            .await
            .unwrap(),
    )
    .await;
    assert_eq!(
        (status, body.code),
        (StatusCode::CONFLICT, ErrorCode::SeatsTaken)
    );
    assert_eq!(
        body.seats
            .iter()
            .map(ToString::to_string)
            .collect::<Vec<_>>(),
        ["A2"]
    );

    // Bob cannot see, extend or release Alice's hold.
    let hold_url = server.url(&format!("/api/holds/{}", hold.hold_id));
    assert_eq!(
        client
            .get(&hold_url)
            .bearer_auth(&bob)
            .send()
            .await
            .unwrap()
            .status(),
        StatusCode::NOT_FOUND
    );
    assert_eq!(
        client
            .delete(&hold_url)
            .bearer_auth(&bob)
            .send()
            .await
            .unwrap()
            .status(),
        StatusCode::NOT_FOUND
    );
    let extended = client
        .post(format!("{hold_url}/extend"))
        .bearer_auth(&alice)
        .send()
        .await
        .unwrap();
    assert_eq!(extended.status(), StatusCode::OK);
    assert!(extended.json::<HoldResponse>().await.unwrap().expires_at >= hold.expires_at);

    assert_eq!(
        client
            .delete(&hold_url)
            .bearer_auth(&alice)
            .send()
            .await
            .unwrap()
            .status(),
        StatusCode::NO_CONTENT
    );
    let response = client
        .post(&holds)
        .bearer_auth(&bob)
        .json(&json!({"seats": ["A2", "A3"]}))
        .send()
        .await
        .unwrap();
    assert_eq!(
        response.status(),
        StatusCode::CREATED,
        "released seats are for sale again"
    );
    server.shutdown().await.expect("server stops cleanly");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn bad_input_gets_a_clear_4xx_and_changes_nothing() {
    let (server, show) = server_with_show().await;
    let client = reqwest::Client::new();
    let token = server.token(Role::Kiosk);
    let holds = server.url(&format!("/api/shows/{show}/holds"));
    let raw = |body: &'static str| {
        client
            .post(&holds)
            .bearer_auth(&token)
            .header("content-type", "application/json")
            .body(body)
    };

    for (request, status, code) in [
        (raw("{\"seats\": [\"A1\""), StatusCode::BAD_REQUEST, ErrorCode::BadRequest),
        (raw("{\"seats\": \"A1\"}"), StatusCode::BAD_REQUEST, ErrorCode::BadRequest),
        (raw("{\"seats\": [\"A0\"]}"), StatusCode::BAD_REQUEST, ErrorCode::BadRequest),
        (raw("{\"seats\": [{\"$ne\": null}]}"), StatusCode::BAD_REQUEST, ErrorCode::BadRequest),
        (raw("{\"seats\": [], \"admin\": true}"), StatusCode::BAD_REQUEST, ErrorCode::BadRequest),
        (raw("{\"seats\": []}"), StatusCode::UNPROCESSABLE_ENTITY, ErrorCode::ValidationFailed),
        (raw("{\"seats\": [\"A1\", \"A1\"]}"), StatusCode::UNPROCESSABLE_ENTITY, ErrorCode::ValidationFailed),
        (raw("{\"seats\": [\"Z9\", \"A1\"]}"), StatusCode::UNPROCESSABLE_ENTITY, ErrorCode::UnknownSeat),
        (
            raw("{\"seats\": [\"A1\",\"A2\",\"A3\",\"A4\",\"A5\",\"A6\",\"A7\",\"A8\",\"A9\",\"A10\",\"B1\"]}"),
            StatusCode::UNPROCESSABLE_ENTITY,
            ErrorCode::TooManySeats,
        ),
        (
            client.post(&holds).bearer_auth(&token).body("{\"seats\": [\"A1\"]}"),
            StatusCode::UNSUPPORTED_MEDIA_TYPE,
            ErrorCode::BadRequest,
        ),
        (
            client.post(&holds).bearer_auth(&token).header("content-type", "application/json").body(vec![b' '; 100_000]),
            StatusCode::PAYLOAD_TOO_LARGE,
            ErrorCode::PayloadTooLarge,
        ),
    ] {
        let (got, body) = error(request.send().await.unwrap()).await;
        assert_eq!((got, body.code), (status, code), "{}", body.message);
    }
    let unknown_show = server.url(&format!("/api/shows/{}/holds", Uuid::new_v4()));
    let (status, body) = error(
        client
            .post(unknown_show)
            .bearer_auth(&token)
            .json(&json!({"seats": ["A1"]}))
            .send()
            .await
            .unwrap(),
    )
    .await;
    assert_eq!(
        (status, body.code),
        (StatusCode::NOT_FOUND, ErrorCode::NotFound)
    );
    let not_uuid = server.url("/api/shows/not-a-show/holds");
    assert_eq!(
        client
            .post(not_uuid)
            .bearer_auth(&token)
            .json(&json!({"seats": ["A1"]}))
            .send()
            .await
            .unwrap()
            .status(),
        StatusCode::BAD_REQUEST
    );

    let snapshot = server.state.ledger.snapshot(show).await.unwrap();
    assert!(
        snapshot.seats.is_empty(),
        "no bad request held anything: {:?}",
        snapshot.seats
    );
    server.shutdown().await.expect("server stops cleanly");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn tokens_are_required_and_checked() {
    let (server, show) = server_with_show().await;
    let client = reqwest::Client::new();
    let holds = server.url(&format!("/api/shows/{show}/holds"));
    let body = json!({"seats": ["A1"]});
    let forged = {
        let keys = eventory_server::auth::tokens::TokenKeys::new(
            b"not-the-server-secret-not-the-se",
            std::time::Duration::from_secs(60),
        );
        keys.issue(
            eventory_shared::UserId::from_uuid(Uuid::new_v4()),
            Role::Admin,
        )
        .0
    };
    for request in [
        client.post(&holds).json(&body),
        client.post(&holds).bearer_auth("garbage").json(&body),
        client.post(&holds).bearer_auth(&forged).json(&body),
        client
            .post(&holds)
            .header("authorization", "Basic YWRtaW46YWRtaW4=")
            .json(&body),
    ] {
        let (status, err) = error(request.send().await.unwrap()).await;
        assert_eq!(
            (status, err.code),
            (StatusCode::UNAUTHORIZED, ErrorCode::Unauthorized)
        );
    }
    // Unauthenticated requests never reached the ledger (it has not even learnt the show).
    let snapshot = server.state.ledger.snapshot(show).await;
    assert!(snapshot.map_or(true, |s| s.seats.is_empty()));
    server.shutdown().await.expect("server stops cleanly");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn idempotency_key_returns_the_same_hold() {
    let (server, show) = server_with_show().await;
    let cashier = TestApi::as_role(&server, Role::Cashier);
    let holds = format!("/api/shows/{show}/holds");
    let send = async |seats: serde_json::Value| {
        let body = json!({ "seats": seats });
        cashier
            .post_idempotent(&holds, &body, "till-3-sale-17")
            .await
    };
    let first: HoldResponse = send(json!(["C1", "C2"])).await.json().await.unwrap();
    let retry = send(json!(["C1", "C2"])).await;
    assert_eq!(retry.status(), StatusCode::CREATED);
    assert_eq!(
        retry.json::<HoldResponse>().await.unwrap().hold_id,
        first.hold_id
    );
    let (status, body) = error(send(json!(["C3"])).await).await;
    assert_eq!(
        (status, body.code),
        (StatusCode::CONFLICT, ErrorCode::IdempotencyConflict)
    );
    server.shutdown().await.expect("server stops cleanly");
}

/// The seed's test through the full HTTP stack: 500 clients, one seat, one 201 and 499 409s.
#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn five_hundred_clients_one_seat_one_winner() {
    let (server, show) = server_with_show().await;
    let client = reqwest::Client::builder()
        .pool_max_idle_per_host(64)
        .build()
        .unwrap();
    let url = Arc::new(server.url(&format!("/api/shows/{show}/holds")));
    let barrier = Arc::new(tokio::sync::Barrier::new(500));
    let tasks: Vec<_> = (0..500)
        .map(|_| {
            let (client, url, barrier) = (client.clone(), url.clone(), barrier.clone());
            let token = server.token(Role::Customer);
            tokio::spawn(async move {
                barrier.wait().await;
                client
                    .post(url.as_str())
                    .bearer_auth(token)
                    .json(&json!({"seats": ["E5"]}))
                    .send()
                    .await
                    .unwrap()
                    .status()
            })
        })
        .collect();
    let (mut created, mut conflict) = (0, 0);
    for task in tasks {
        match task.await.unwrap() {
            StatusCode::CREATED => created += 1,
            StatusCode::CONFLICT => conflict += 1,
            other => panic!("unexpected {other}"),
        }
    }
    assert_eq!((created, conflict), (1, 499));
    server.shutdown().await.expect("server stops cleanly");
}
