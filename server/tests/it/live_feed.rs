//! The live seat-map feed through real websockets: the protocol, two server instances sharing
//! changes through the real Redis, re-sync on a version gap, and slow consumers disconnected
//! without stalling others.

use std::collections::HashMap;
use std::sync::Arc;
use std::time::Duration;

use async_trait::async_trait;
use axum::extract::WebSocketUpgrade;
use axum::routing::get;
use axum::Router;
use eventory_server::live::{session, Hub, LayoutSource, LedgerSeatMaps, SeatFeed, SeatMaps};
use eventory_server::seats::{HoldOutcome, HoldRequest, MemoryLedger, SeatChange, SeatLedger};
use eventory_shared::live::{ClientMessage, ServerMessage};
use eventory_shared::{CategoryId, SeatState, ShowId, VenueLayout};
use futures::{SinkExt, StreamExt};
use tokio_tungstenite::tungstenite::Message;
use tokio_util::sync::CancellationToken;
use uuid::Uuid;

type Client =
    tokio_tungstenite::WebSocketStream<tokio_tungstenite::MaybeTlsStream<tokio::net::TcpStream>>;

struct Layouts(HashMap<ShowId, VenueLayout>);

#[async_trait]
impl LayoutSource for Layouts {
    async fn layout(&self, show: ShowId) -> anyhow::Result<Option<VenueLayout>> {
        Ok(self.0.get(&show).cloned())
    }
}

/// A show of 2 x 5 seats registered in `ledger`, and the seat maps that serve it.
async fn show_setup(ledger: Arc<dyn SeatLedger>) -> (ShowId, Arc<dyn SeatMaps>) {
    let show = ShowId::from_uuid(Uuid::new_v4());
    let layout = VenueLayout::grid(2, 5, &CategoryId::new("standard"), None);
    ledger
        .register_show(show, &layout.validate().unwrap())
        .await
        .unwrap();
    let maps = LedgerSeatMaps::new(ledger, Arc::new(Layouts(HashMap::from([(show, layout)]))));
    (show, Arc::new(maps))
}

/// One server instance: a hub on `feed` and a websocket route; returns its ws URL.
async fn instance(feed: &SeatFeed, maps: Arc<dyn SeatMaps>, stop: CancellationToken) -> String {
    let hub = Hub::start(feed, stop.clone());
    let sessions_stop = stop.clone();
    let app = Router::new().route(
        "/live",
        get(move |ws: WebSocketUpgrade| {
            let (hub, maps, stop) = (hub.clone(), maps.clone(), sessions_stop.clone());
            async move { ws.on_upgrade(move |socket| session::run(socket, hub, maps, stop)) }
        }),
    );
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let url = format!("ws://{}/live", listener.local_addr().unwrap());
    tokio::spawn(async move {
        axum::serve(listener, app)
            .with_graceful_shutdown(async move { stop.cancelled().await })
            .await
            .unwrap();
    });
    url
}

/// One instance on an in-process ledger and feed, serving a fresh show.
struct Single {
    stop: CancellationToken,
    ledger: Arc<dyn SeatLedger>,
    show: ShowId,
    feed: SeatFeed,
    url: String,
}

async fn single_instance() -> Single {
    let stop = CancellationToken::new();
    let ledger: Arc<dyn SeatLedger> = Arc::new(MemoryLedger::new());
    let (show, maps) = show_setup(ledger.clone()).await;
    let feed = SeatFeed::in_process();
    let url = instance(&feed, maps, stop.clone()).await;
    Single {
        stop,
        ledger,
        show,
        feed,
        url,
    }
}

/// Two instances sharing a Redis feed and ledger, serving a fresh show: A's address, B's feed.
struct Two {
    stop: CancellationToken,
    ledger: Arc<dyn SeatLedger>,
    show: ShowId,
    feed_b: SeatFeed,
    url_a: String,
}

async fn two_instances() -> Two {
    let stop = CancellationToken::new();
    let url = crate::support::redis_url();
    let namespace = crate::support::test_namespace();
    let ledger: Arc<dyn SeatLedger> = Arc::new(crate::support::redis_ledger().await);
    let (show, maps) = show_setup(ledger.clone()).await;
    let feed_a = SeatFeed::redis(&url, &namespace, stop.clone())
        .await
        .unwrap();
    let feed_b = SeatFeed::redis(&url, &namespace, stop.clone())
        .await
        .unwrap();
    let url_a = instance(&feed_a, maps.clone(), stop.clone()).await;
    let _url_b = instance(&feed_b, maps, stop.clone()).await;
    Two {
        stop,
        ledger,
        show,
        feed_b,
        url_a,
    }
}

async fn connect(url: &str) -> Client {
    tokio_tungstenite::connect_async(url).await.unwrap().0
}

async fn send(client: &mut Client, message: &ClientMessage) {
    client
        .send(Message::Text(
            serde_json::to_string(message).unwrap().into(),
        ))
        .await
        .unwrap();
}

async fn receive(client: &mut Client) -> ServerMessage {
    loop {
        let message = tokio::time::timeout(Duration::from_secs(5), client.next())
            .await
            .expect("a message within 5 s")
            .expect("socket open")
            .unwrap();
        match message {
            Message::Text(text) => return serde_json::from_str(&text).unwrap(),
            Message::Ping(_) | Message::Pong(_) => continue,
            other => panic!("unexpected {other:?}"),
        }
    }
}

async fn join(client: &mut Client, show: ShowId) -> u64 {
    send(client, &ClientMessage::JoinShow { show_id: show }).await;
    match receive(client).await {
        ServerMessage::InitialSeatStatus { seat_map } => {
            assert_eq!(seat_map.show_id, show);
            assert_eq!(seat_map.layout.capacity(), 10);
            seat_map.version
        }
        other => panic!("expected initial_seat_status, got {other:?}"),
    }
}

async fn hold(ledger: &Arc<dyn SeatLedger>, show: ShowId, seats: &[&str]) -> SeatChange {
    match ledger
        .hold(HoldRequest {
            show_id: show,
            seats: crate::support::seats(seats),
            owner: "x".into(),
            ttl: Duration::from_secs(60),
            idempotency_key: None,
            limits: eventory_server::seats::HoldLimits::GENEROUS,
        })
        .await
        .unwrap()
    {
        HoldOutcome::Held {
            change: Some(change),
            ..
        } => change,
        other => panic!("{other:?}"),
    }
}

#[tokio::test]
async fn join_gives_the_map_then_deltas_in_version_order() {
    let Single {
        stop,
        ledger,
        show,
        feed,
        url,
    } = single_instance().await;
    let mut client = connect(&url).await;
    let version = join(&mut client, show).await;

    let held = hold(&ledger, show, &["A1", "A2"]).await;
    feed.publish(held.clone()).await;
    match receive(&mut client).await {
        ServerMessage::SeatLocked(delta) => {
            assert_eq!(delta.version, version + 1);
            assert_eq!(delta.seats, held.seats);
            assert_eq!(delta.hold_id, held.hold_id);
        }
        other => panic!("{other:?}"),
    }
    let released = ledger.release(held.hold_id.unwrap()).await.unwrap();
    feed.publish(released).await;
    assert!(
        matches!(receive(&mut client).await, ServerMessage::SeatReleased(d) if d.version == version + 2)
    );

    // Unknown shows and garbage get clear errors, and the connection stays usable.
    send(
        &mut client,
        &ClientMessage::JoinShow {
            show_id: ShowId::from_uuid(Uuid::new_v4()),
        },
    )
    .await;
    assert!(matches!(
        receive(&mut client).await,
        ServerMessage::Error {
            code: eventory_shared::ErrorCode::NotFound,
            ..
        }
    ));
    client
        .send(Message::Text("{\"type\":\"drop_table\"}".into()))
        .await
        .unwrap();
    assert!(matches!(
        receive(&mut client).await,
        ServerMessage::Error {
            code: eventory_shared::ErrorCode::BadRequest,
            ..
        }
    ));

    // After leave_show no more deltas of that show arrive.
    send(&mut client, &ClientMessage::LeaveShow { show_id: show }).await;
    tokio::time::sleep(Duration::from_millis(50)).await;
    feed.publish(hold(&ledger, show, &["B1"]).await).await;
    let quiet = tokio::time::timeout(Duration::from_millis(300), client.next()).await;
    assert!(quiet.is_err(), "got {quiet:?} after leaving");
    stop.cancel();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_change_made_on_one_instance_reaches_subscribers_of_another() {
    let Two {
        stop,
        ledger,
        show,
        feed_b,
        url_a,
    } = two_instances().await;

    let mut on_a = connect(&url_a).await;
    let version = join(&mut on_a, show).await;
    // The hold is made and announced by instance B.
    let held = hold(&ledger, show, &["A3"]).await;
    feed_b.publish(held.clone()).await;
    match receive(&mut on_a).await {
        ServerMessage::SeatLocked(delta) => {
            assert_eq!(delta.version, version + 1);
            assert_eq!(delta.seats, held.seats);
        }
        other => panic!("{other:?}"),
    }
    stop.cancel();
}

#[tokio::test]
async fn a_version_gap_is_repaired_with_a_fresh_snapshot() {
    let Single {
        stop,
        ledger,
        show,
        feed,
        url,
    } = single_instance().await;
    let mut client = connect(&url).await;
    let version = join(&mut client, show).await;

    let _lost = hold(&ledger, show, &["A1"]).await; // never published: lost in transit
    let second = hold(&ledger, show, &["A2"]).await;
    feed.publish(second).await;
    match receive(&mut client).await {
        ServerMessage::InitialSeatStatus { seat_map } => {
            assert_eq!(seat_map.version, version + 2);
            assert_eq!(seat_map.state(&"A1".parse().unwrap()), SeatState::Held);
            assert_eq!(seat_map.state(&"A2".parse().unwrap()), SeatState::Held);
        }
        other => panic!("expected a re-sync, got {other:?}"),
    }
    stop.cancel();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_slow_client_is_disconnected_without_stalling_the_others() {
    let Single {
        stop,
        ledger: _,
        show,
        feed,
        url,
    } = single_instance().await;
    let mut fast = connect(&url).await;
    let mut slow = connect(&url).await;
    let base = join(&mut fast, show).await;
    assert_eq!(join(&mut slow, show).await, base);

    // Big deltas so the slow client's socket buffers fill; paced so a reading client keeps up.
    let seats = crate::support::grid_seats(2, 5);
    const CHANGES: u64 = 20_000;
    let publisher = {
        let feed = feed.clone();
        tokio::spawn(async move {
            for i in 1..=CHANGES {
                feed.publish(SeatChange {
                    show_id: show,
                    version: base + i,
                    state: if i % 2 == 1 {
                        SeatState::Held
                    } else {
                        SeatState::Available
                    },
                    seats: seats.clone(),
                    hold_id: Some(eventory_shared::HoldId::from_uuid(Uuid::new_v4())),
                })
                .await;
                // Paced so a client that reads keeps up even on a busy 2-core machine; the
                // volume (not the rate) is what fills the slow client's buffers.
                if i % 10 == 0 {
                    tokio::time::sleep(Duration::from_millis(2)).await;
                }
            }
        })
    };
    let mut last = base;
    while last < base + CHANGES {
        match receive(&mut fast).await {
            ServerMessage::SeatLocked(d) | ServerMessage::SeatReleased(d) => {
                assert_eq!(d.version, last + 1, "in order, no gaps");
                last = d.version;
            }
            other => panic!("{other:?}"),
        }
    }
    publisher.await.unwrap();

    // The slow client never read: it must find a close frame with the slow-consumer code
    // after whatever was buffered.
    let closed = tokio::time::timeout(Duration::from_secs(20), async {
        while let Some(message) = slow.next().await {
            match message {
                Ok(Message::Close(frame)) => return frame.map(|f| u16::from(f.code)),
                Ok(_) => continue,
                Err(_) => return None,
            }
        }
        None
    })
    .await
    .expect("the slow client is dropped");
    assert_eq!(closed, Some(eventory_server::live::CLOSE_SLOW_CONSUMER));
    stop.cancel();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_show_cancelled_on_one_instance_is_announced_to_followers_of_another() {
    let Two {
        stop,
        ledger,
        show,
        feed_b,
        url_a,
    } = two_instances().await;
    let mut on_a = connect(&url_a).await;
    let version = join(&mut on_a, show).await;
    // Instance B cancels; A's follower is told, and seat deltas go on in order after it.
    feed_b.announce_cancelled(show).await;
    assert_eq!(
        receive(&mut on_a).await,
        ServerMessage::ShowCancelled { show_id: show }
    );
    let held = hold(&ledger, show, &["A4"]).await;
    feed_b.publish(held).await;
    match receive(&mut on_a).await {
        ServerMessage::SeatLocked(delta) => assert_eq!(delta.version, version + 1),
        other => panic!("{other:?}"),
    }
    stop.cancel();
}
