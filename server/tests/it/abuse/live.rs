//! The live websocket: opened with a single-use ticket (never a token in the URL), capped per
//! account, and a flood of `join_show` for shows that do not exist leaves nothing behind.

use eventory_shared::live::{ClientMessage, ServerMessage};
use futures::{SinkExt, StreamExt};
use tokio_tungstenite::tungstenite::Message;
use tokio_tungstenite::{MaybeTlsStream, WebSocketStream};

use super::*;

pub(super) type Live = WebSocketStream<MaybeTlsStream<tokio::net::TcpStream>>;

/// A single-use ticket for `api`'s caller.
async fn ticket(api: &TestApi) -> String {
    let ticket: eventory_shared::api::LiveTicket = api
        .post_ok("/api/live/ticket", &json!({}), StatusCode::CREATED)
        .await;
    ticket.ticket
}

/// Opens `/api/live?<query>`: the socket, or the refusal's status.
async fn open(server: &TestServer, query: &str) -> Result<Live, StatusCode> {
    let url = format!("ws://{}/api/live?{query}", server.address);
    match tokio_tungstenite::connect_async(url).await {
        Ok((socket, _)) => Ok(socket),
        Err(tokio_tungstenite::tungstenite::Error::Http(response)) => Err(response.status()),
        Err(other) => panic!("websocket: {other}"),
    }
}

/// The live feed of `api`'s caller, through a fresh ticket.
pub(super) async fn connect(server: &TestServer, api: &TestApi) -> Result<Live, StatusCode> {
    let ticket = ticket(api).await;
    open(server, &format!("ticket={ticket}")).await
}

/// The close code the server ends `live` with (reading past other messages).
pub(super) async fn close_code(live: &mut Live) -> Option<u16> {
    let read = async {
        while let Some(message) = live.next().await {
            match message {
                Ok(Message::Close(frame)) => return frame.map(|f| u16::from(f.code)),
                Ok(_) => continue,
                Err(_) => return None,
            }
        }
        None
    };
    tokio::time::timeout(std::time::Duration::from_secs(10), read)
        .await
        .expect("the server closed the feed")
}

async fn join(live: &mut Live, show: ShowId) {
    let text = serde_json::to_string(&ClientMessage::JoinShow { show_id: show }).unwrap();
    live.send(Message::Text(text.into())).await.unwrap();
}

async fn next_message(live: &mut Live) -> ServerMessage {
    loop {
        match live.next().await.expect("open").expect("readable") {
            Message::Text(text) => return serde_json::from_str(&text).unwrap(),
            _ => continue,
        }
    }
}

fn error_code(message: &ServerMessage) -> Option<eventory_shared::ErrorCode> {
    match message {
        ServerMessage::Error { code, .. } => Some(*code),
        _ => None,
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_feed_opens_with_a_single_use_ticket_only() {
    let (server, _dir) = server(&[]).await;
    let (alice, pair) = customer(&server).await;
    let ticket = ticket(&alice).await;
    let mut live = open(&server, &format!("ticket={ticket}"))
        .await
        .expect("opens");
    let show = show(&server, 1, 3).await;
    join(&mut live, show).await;
    assert!(matches!(
        next_message(&mut live).await,
        ServerMessage::InitialSeatStatus { .. }
    ));
    // The same ticket again, a made-up one, or the access token in the URL: refused.
    assert_eq!(
        open(&server, &format!("ticket={ticket}")).await.err(),
        Some(StatusCode::UNAUTHORIZED)
    );
    assert_eq!(
        open(&server, "ticket=made-up").await.err(),
        Some(StatusCode::UNAUTHORIZED)
    );
    assert_eq!(
        open(&server, &format!("access_token={}", pair.access_token))
            .await
            .err(),
        Some(StatusCode::UNAUTHORIZED)
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn connections_per_account_are_capped() {
    let (server, _dir) = server(&[("EVENTORY_LIVE_CONNECTIONS_PER_ACCOUNT", "2")]).await;
    let (alice, _) = customer(&server).await;
    let first = connect(&server, &alice).await.expect("first");
    let _second = connect(&server, &alice).await.expect("second");
    assert_eq!(
        connect(&server, &alice).await.err(),
        Some(StatusCode::TOO_MANY_REQUESTS)
    );
    drop(first);
    // A place frees up once a connection ends.
    eventory_testkit::wait_until(
        "a closed connection frees its place",
        eventory_testkit::WAIT,
        || {
            let server = &server;
            let alice = &alice;
            async move { connect(server, alice).await.ok() }
        },
    )
    .await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn joins_are_rate_limited_per_session() {
    let (server, _dir) = server(&[("EVENTORY_LIVE_JOINS_PER_MINUTE", "3")]).await;
    let (alice, _) = customer(&server).await;
    let show = show(&server, 1, 3).await;
    let mut live = connect(&server, &alice).await.unwrap();
    for _ in 0..3 {
        join(&mut live, show).await;
        assert!(matches!(
            next_message(&mut live).await,
            ServerMessage::InitialSeatStatus { .. }
        ));
    }
    join(&mut live, show).await;
    assert_eq!(
        error_code(&next_message(&mut live).await),
        Some(eventory_shared::ErrorCode::RateLimited)
    );
}

/// `n` joins of shows that do not exist, each answered `not_found`.
async fn unknown_joins(live: &mut Live, n: usize) {
    for _ in 0..n {
        join(live, ShowId::from_uuid(uuid::Uuid::new_v4())).await;
        assert_eq!(
            error_code(&next_message(live).await),
            Some(eventory_shared::ErrorCode::NotFound)
        );
    }
}

/// Resident memory of this process, in KiB.
fn resident_kib() -> u64 {
    let status = std::fs::read_to_string("/proc/self/status").unwrap();
    status
        .lines()
        .find_map(|l| l.strip_prefix("VmRSS:"))
        .and_then(|v| v.trim().trim_end_matches("kB").trim().parse().ok())
        .unwrap()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn twenty_thousand_unknown_show_joins_leave_memory_flat() {
    // The join limit is lifted here: this is about what an unknown show leaves behind.
    let (server, _dir) = server(&[("EVENTORY_LIVE_JOINS_PER_MINUTE", "1000000")]).await;
    let (alice, _) = customer(&server).await;
    let mut live = connect(&server, &alice).await.unwrap();
    // Warm up (allocator pools, caches at their bound), then measure 20,000 more.
    unknown_joins(&mut live, 2_000).await;
    let before = resident_kib();
    unknown_joins(&mut live, 20_000).await;
    let grown = resident_kib().saturating_sub(before);
    assert_eq!(
        server.state.hub.rooms(),
        0,
        "rooms of shows that do not exist"
    );
    println!("20,000 unknown-show joins: resident memory grew {grown} KiB");
    assert!(
        grown < 16 * 1024,
        "resident memory grew {grown} KiB over 20,000 joins (was ~200 MB before rooms were cleaned up)"
    );
}
