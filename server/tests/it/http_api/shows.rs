//! Shows with their seat maps, and two server instances sharing live updates.

use std::time::Duration;

use crate::support::{TestApi, TestServer};
use eventory_server::store::test_support;
use eventory_shared::api::ShowDetail;
use eventory_shared::live::{ClientMessage, ServerMessage};
use eventory_shared::*;
use futures::{SinkExt, StreamExt};
use reqwest::StatusCode;
use tokio_tungstenite::tungstenite::Message;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn shows_list_and_detail_with_seat_map() {
    let server = TestServer::start(crate::support::cluster_config())
        .await
        .expect("server starts");
    let show = test_support::show_on_sale(server.state.store.as_ref(), 2, 5).await;
    let anonymous = TestApi::anonymous(&server);
    let listed: Vec<Show> = anonymous.get_ok("/api/shows").await;
    assert!(listed.iter().any(|s| s.id == show));
    let date = listed
        .iter()
        .find(|s| s.id == show)
        .unwrap()
        .starts_at
        .date_naive();
    let on_date: Vec<Show> = anonymous.get_ok(&format!("/api/shows?date={date}")).await;
    assert!(on_date.iter().any(|s| s.id == show));
    assert_eq!(
        anonymous.get("/api/shows?date=tomorrow").await.status(),
        StatusCode::BAD_REQUEST
    );
    let detail: ShowDetail = anonymous.get_ok(&format!("/api/shows/{show}")).await;
    assert_eq!(detail.seat_map.layout.capacity(), 10);
    assert!(detail.seat_map.states.is_empty());
    let missing = anonymous
        .get(&format!("/api/shows/{}", uuid::Uuid::new_v4()))
        .await;
    assert_eq!(missing.status(), StatusCode::NOT_FOUND);
    server.shutdown().await.expect("server stops cleanly");
}

/// Two instances on the same Redis, MongoDB and Kafka: a client of A sees a hold made on B.
#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn two_instances_share_live_updates() {
    let config = crate::support::cluster_config();
    let a = TestServer::start(config.clone())
        .await
        .expect("server starts");
    let b = TestServer::start(config).await.expect("server starts");
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

    let held = TestApi::as_role(&b, Role::Customer)
        .post(
            &format!("/api/shows/{show}/holds"),
            &serde_json::json!({"seats": ["B4"]}),
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
            assert_eq!(delta.seats, crate::support::seats(&["B4"]));
        }
        other => panic!("{other:?}"),
    }
    a.shutdown().await.expect("server stops cleanly");
    b.shutdown().await.expect("server stops cleanly");
}
