//! The desktop app's native side against a real server (started in this process, embedded
//! backends): sign in, hold, pay cash, follow the live map through the feed client and the UI's
//! live-map state, token refresh, and reconnect + re-sync after the server restarts.

use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;

use eventory_desktop::client::{ApiClient, ClientError};
use eventory_desktop::live::{LiveEvent, LiveFeed, TokenSource};
use eventory_server::store::{test_support, UserRecord};
use eventory_server::{AppState, Config};
use eventory_shared::{
    BookingStatus, Currency, ErrorCode, Money, PaymentMethod, Role, SeatState, ShowId, UserId,
};
use eventory_testkit::TestServer;
use eventory_ui::live_map::{LiveMap, MapEvent};
use tokio::sync::mpsc;

/// The server's configuration: embedded backends in `dir`, on `address`, plus `extra`
/// environment variables.
pub(crate) fn config_with(
    dir: &std::path::Path,
    address: SocketAddr,
    extra: &[(&str, String)],
) -> Config {
    Config::from_sources(None, |key| match key {
        "EVENTORY_DATA_DIR" => Some(dir.display().to_string()),
        "EVENTORY_BIND" => Some(address.to_string()),
        "EVENTORY_JWT_SECRET" => Some("desktop-test-secret-desktop-test-secret".into()),
        "EVENTORY_CARD_LATENCY_MS" => Some("5".into()),
        _ => extra
            .iter()
            .find(|(name, _)| *name == key)
            .map(|(_, value)| value.clone()),
    })
    .unwrap()
}

/// The whole server in this process (the tests' shared in-process server), on `address`.
pub(crate) async fn start(dir: &std::path::Path, address: SocketAddr) -> TestServer {
    TestServer::start_at(config_with(dir, address, &[]), address)
        .await
        .expect("server starts")
}

pub(crate) fn free_address() -> SocketAddr {
    std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
}

pub(crate) async fn cashier(state: &AppState) -> (String, String) {
    account(state, Role::Cashier, "till").await
}

/// A `role` account `<name>@eventory.test` with the password "<name> password 1".
pub(crate) async fn account(state: &AppState, role: Role, name: &str) -> (String, String) {
    let email = format!("{name}@eventory.test");
    let password = format!("{name} password 1");
    state
        .store
        .insert_user(&UserRecord {
            id: UserId::from_uuid(uuid::Uuid::new_v4()),
            email: email.clone(),
            display_name: name.into(),
            password_hash: eventory_server::auth::password::hash_password(&password).unwrap(),
            role,
            disabled: false,
            created_at: chrono::Utc::now(),
        })
        .await
        .unwrap();
    (email, password)
}

pub(crate) fn token_source(client: &Arc<ApiClient>) -> TokenSource {
    let client = client.clone();
    Arc::new(move || {
        let client = client.clone();
        Box::pin(async move { client.live_ticket().await.ok() })
    })
}

pub(crate) async fn next_event(events: &mut mpsc::UnboundedReceiver<LiveEvent>) -> LiveEvent {
    tokio::time::timeout(Duration::from_secs(15), events.recv())
        .await
        .expect("a live event")
        .expect("feed alive")
}

/// Applies live events to the map until `done` says so.
pub(crate) async fn follow(
    events: &mut mpsc::UnboundedReceiver<LiveEvent>,
    map: &mut LiveMap,
    feed: &LiveFeed,
    mut done: impl FnMut(&LiveMap) -> bool,
) {
    while !done(map) {
        match next_event(events).await {
            LiveEvent::Connected => map.set_connected(true),
            LiveEvent::Disconnected(_) => map.set_connected(false),
            LiveEvent::Message(message) => {
                if map.apply(&message) == MapEvent::ResyncNeeded {
                    feed.resync(map.show());
                }
            }
        }
    }
}

/// A live feed of `client`'s server following `show`, once its first snapshot is on the map.
pub(crate) async fn follow_show(
    client: &Arc<ApiClient>,
    show: ShowId,
) -> (LiveFeed, mpsc::UnboundedReceiver<LiveEvent>, LiveMap) {
    let (tx, mut events) = mpsc::unbounded_channel();
    let feed = LiveFeed::spawn(
        client.live_url(),
        client.trust().clone(),
        token_source(client),
        tx,
    );
    feed.join(show);
    let mut map = LiveMap::new(show);
    follow(&mut events, &mut map, &feed, |m| !m.is_stale()).await;
    (feed, events, map)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_cashier_sells_from_the_live_map_and_the_feed_survives_a_server_restart() {
    let dir = tempfile::tempdir().unwrap();
    let address = free_address();
    let server = start(dir.path(), address).await;
    let show: ShowId = test_support::show_on_sale(server.state.store.as_ref(), 2, 5).await;
    let (email, password) = cashier(&server.state).await;

    let client = Arc::new(ApiClient::new(&format!("http://{address}")).unwrap());
    let wrong = client
        .sign_in(&email, "not the password")
        .await
        .unwrap_err();
    assert!(
        matches!(wrong, ClientError::Api { ref body, .. } if body.code == ErrorCode::Unauthorized),
        "{wrong}"
    );
    let me = client.sign_in(&email, &password).await.unwrap();
    assert_eq!(me.role, Role::Cashier);

    let (feed, mut events, mut map) = follow_show(&client, show).await;

    // Hold, pay cash, and watch the seats turn sold on the live map.
    let hold = client
        .hold(show, vec!["A1".parse().unwrap(), "A2".parse().unwrap()])
        .await
        .unwrap();
    let taken = client
        .hold(show, vec!["A2".parse().unwrap()])
        .await
        .unwrap_err();
    assert!(
        matches!(taken, ClientError::Api { ref body, .. } if body.code == ErrorCode::SeatsTaken && body.seats.len() == 1)
    );
    // A double click on "Pay": both requests carry the same Idempotency-Key and get the one
    // booking; nothing is sold or charged twice.
    let cash = Some(Money::new(5000, Currency::EUR));
    let (sale, twice) = tokio::join!(
        client.checkout(
            hold.hold_id,
            PaymentMethod::Cash,
            cash,
            None,
            Default::default(),
            None,
        ),
        client.checkout(
            hold.hold_id,
            PaymentMethod::Cash,
            cash,
            None,
            Default::default(),
            None,
        ),
    );
    let (sale, twice) = (sale.unwrap(), twice.unwrap());
    assert_eq!(
        sale.booking.id, twice.booking.id,
        "one booking for a double click"
    );
    assert_eq!(sale.change_due, Some(Money::new(3000, Currency::EUR)));
    follow(&mut events, &mut map, &feed, |m| {
        m.state(&"A2".parse().unwrap()) == SeatState::Sold
    })
    .await;
    assert_eq!(
        client.booking(sale.booking.id).await.unwrap().status,
        BookingStatus::Confirmed
    );

    // A rejected access token is refreshed transparently.
    client.set_access_token_for_test("garbage").await;
    let again = client
        .hold(show, vec!["B1".parse().unwrap()])
        .await
        .unwrap();
    client.release(again.hold_id).await.unwrap();

    // The server goes away: the map greys out; it comes back: the feed reconnects, re-joins and
    // the map is re-synced from a snapshot (with the sale, from the store).
    server.shutdown().await.expect("server stops cleanly");
    follow(&mut events, &mut map, &feed, LiveMap::is_stale).await;
    let server = start(dir.path(), address).await;
    follow(&mut events, &mut map, &feed, |m| !m.is_stale()).await;
    assert_eq!(
        map.state(&"A1".parse().unwrap()),
        SeatState::Sold,
        "sold seats come back from the store"
    );

    feed.stop().await;
    client.sign_out().await.unwrap();
    assert!(matches!(
        client.hold(show, vec!["B2".parse().unwrap()]).await,
        Err(ClientError::NotSignedIn)
    ));
    server.shutdown().await.expect("server stops cleanly");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn twenty_calls_at_token_expiry_refresh_once_and_keep_the_session() {
    let dir = tempfile::tempdir().unwrap();
    let address = free_address();
    let server = start(dir.path(), address).await;
    let (email, password) = cashier(&server.state).await;
    let client = Arc::new(ApiClient::new(&format!("http://{address}")).unwrap());
    let rotations = Arc::new(std::sync::atomic::AtomicUsize::new(0));
    let counted = rotations.clone();
    client.on_session(Arc::new(move |_| {
        counted.fetch_add(1, std::sync::atomic::Ordering::SeqCst);
    }));
    client.sign_in(&email, &password).await.unwrap();
    let signed_in = client.session().await.unwrap().refresh_token;
    assert_eq!(rotations.load(std::sync::atomic::Ordering::SeqCst), 1);

    // Twenty requests find the access token about to expire at the same moment.
    client.expire_access_token_for_test().await;
    let calls: Vec<_> = (0..20)
        .map(|_| {
            let client = client.clone();
            tokio::spawn(async move { client.my_bookings().await })
        })
        .collect();
    for call in calls {
        call.await.unwrap().expect("every caller is served");
    }
    // One refresh for all of them, its new refresh token handed to the hook (the keyring).
    assert_eq!(rotations.load(std::sync::atomic::Ordering::SeqCst), 2);
    let session = client.session().await.expect("still signed in");
    assert_ne!(session.refresh_token, signed_in);
    // And the session goes on: the next refresh works.
    client.refresh().await.unwrap();
    client.my_bookings().await.unwrap();
    server.shutdown().await.unwrap();
}
