//! Redis-only behaviour of the seat ledger: the control experiment proving the race the Lua
//! scripts prevent is real, server restarts with holds outstanding, loss of Redis data, and the
//! script cache being flushed.

use std::sync::Arc;
use std::time::{Duration, Instant};

use crate::support::{redis_ledger, seats, test_namespace};
use eventory_server::seats::{
    spawn_sweeper, HoldOutcome, HoldRequest, LedgerError, RedisLedger, SeatLedger,
};
use eventory_shared::{BookingId, SeatState, ShowId};
use redis::AsyncCommands;
use tokio::sync::mpsc;
use tokio_util::sync::CancellationToken;
use uuid::Uuid;

async fn raw_conn() -> redis::aio::ConnectionManager {
    let url = crate::support::redis_url();
    eventory_server::seats::redis_conn::connect(&url)
        .await
        .unwrap()
}

fn request(show: ShowId, names: &[&str], ttl: Duration) -> HoldRequest {
    HoldRequest {
        show_id: show,
        seats: seats(names),
        owner: "buyer".into(),
        ttl,
        idempotency_key: None,
        limits: eventory_server::seats::HoldLimits::GENEROUS,
    }
}

/// Control: the naive "read the seat, then write it if free" in two round trips, run by 500
/// concurrent buyers on one seat, sells it many times over. This proves the contention in
/// `exactly_one_of_500_concurrent_holds_on_one_seat_wins` is real and that only the atomic
/// script makes that test pass.
#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn control_naive_check_then_set_oversells() {
    let conn = raw_conn().await;
    let key = format!("{}:naive-seat", test_namespace());
    let barrier = Arc::new(tokio::sync::Barrier::new(500));
    let tasks: Vec<_> = (0..500)
        .map(|i| {
            let mut conn = conn.clone();
            let key = key.clone();
            let barrier = barrier.clone();
            tokio::spawn(async move {
                barrier.wait().await;
                let occupant: Option<String> = conn.get(&key).await.unwrap();
                // The work a real handler does between its check and its write (validation,
                // pricing, logging): without it the scheduler may happen to run the 500 buyers
                // one after the other and hide the race this control demonstrates.
                tokio::time::sleep(Duration::from_millis(10)).await;
                if occupant.is_none() {
                    let _: () = conn.set(&key, format!("buyer-{i}")).await.unwrap();
                    true
                } else {
                    false
                }
            })
        })
        .collect();
    let mut winners = 0;
    for task in tasks {
        winners += usize::from(task.await.unwrap());
    }
    let _: () = raw_conn().await.del(&key).await.unwrap();
    assert!(
        winners > 1,
        "the naive version should oversell, got {winners} winner(s)"
    );
}

/// Holds outlive the process that made them: a new server instance (a new ledger on the same
/// Redis) releases them when they expire and reports it within a second.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn holds_outstanding_at_restart_still_expire_on_time() {
    let namespace = test_namespace();
    let url = crate::support::redis_url();
    let show = ShowId::from_uuid(Uuid::new_v4());
    let hold = {
        let before = RedisLedger::connect(&url, namespace.clone()).await.unwrap();
        before
            .register_show(show, &seats(&["A1", "A2"]))
            .await
            .unwrap();
        match before
            .hold(request(show, &["A1", "A2"], Duration::from_millis(600)))
            .await
            .unwrap()
        {
            HoldOutcome::Held { hold, .. } => hold,
            other => panic!("{other:?}"),
        }
        // `before` is dropped here: the process that made the hold is gone.
    };

    let after: Arc<dyn SeatLedger> = Arc::new(RedisLedger::connect(&url, namespace).await.unwrap());
    let (tx, mut rx) = mpsc::channel(4);
    let stop = CancellationToken::new();
    let sweeper = spawn_sweeper(after.clone(), Duration::from_millis(100), tx, stop.clone());
    let change = tokio::time::timeout(Duration::from_secs(5), rx.recv())
        .await
        .expect("released within 5 s")
        .unwrap();
    let late = chrono::Utc::now() - hold.expires_at;
    assert_eq!(change.hold_id, Some(hold.id));
    assert_eq!(change.seats, hold.seats);
    assert!(
        late < chrono::Duration::seconds(1),
        "released {late} after expiry"
    );
    assert!(after.snapshot(show).await.unwrap().seats.is_empty());
    stop.cancel();
    sweeper.await.unwrap();
}

/// Redis loses everything of a show (flush, failover without persistence): after re-registering
/// the layout and restoring the store's sold seats, the sold seat is refused and versions keep
/// increasing past those clients saw before the loss.
#[tokio::test]
async fn state_lost_from_redis_is_rebuilt_and_versions_keep_increasing() {
    let namespace = test_namespace();
    let url = crate::support::redis_url();
    let ledger = RedisLedger::connect(&url, namespace.clone()).await.unwrap();
    let show = ShowId::from_uuid(Uuid::new_v4());
    let layout = seats(&["A1", "A2"]);
    ledger.register_show(show, &layout).await.unwrap();
    let HoldOutcome::Held { hold, .. } = ledger
        .hold(request(show, &["A1"], Duration::from_secs(60)))
        .await
        .unwrap()
    else {
        panic!("hold");
    };
    let booking = BookingId::from_uuid(Uuid::new_v4());
    let sold = ledger
        .confirm(show, hold.id, booking, &hold.seats)
        .await
        .unwrap()
        .unwrap();

    // Lose every key of this namespace.
    let mut conn = raw_conn().await;
    let keys: Vec<String> = conn.keys(format!("{namespace}:*")).await.unwrap();
    assert!(!keys.is_empty());
    let _: () = conn.del(keys).await.unwrap();
    assert!(matches!(
        ledger.snapshot(show).await,
        Err(LedgerError::UnknownShow(_))
    ));

    // Rebuild from the store's view: the layout and the live tickets.
    ledger.register_show(show, &layout).await.unwrap();
    let restored = ledger
        .restore_sold(show, &[("A1".parse().unwrap(), booking)])
        .await
        .unwrap()
        .expect("restored");
    assert!(
        restored.version > sold.version,
        "{} <= {}",
        restored.version,
        sold.version
    );
    assert_eq!(
        ledger
            .hold(request(show, &["A1"], Duration::from_secs(60)))
            .await
            .unwrap(),
        HoldOutcome::Taken {
            seats: seats(&["A1"])
        }
    );
    let snap = ledger.snapshot(show).await.unwrap();
    assert_eq!(snap.seats[&"A1".parse().unwrap()], SeatState::Sold);
}

/// Scripts are called by SHA; when Redis forgets them (restart, SCRIPT FLUSH) the ledger loads
/// them again and carries on.
#[tokio::test]
async fn survives_the_script_cache_being_flushed() {
    let ledger = redis_ledger().await;
    let show = ShowId::from_uuid(Uuid::new_v4());
    ledger
        .register_show(show, &seats(&["A1", "A2"]))
        .await
        .unwrap();
    let _: () = redis::cmd("SCRIPT")
        .arg("FLUSH")
        .query_async(&mut raw_conn().await)
        .await
        .unwrap();
    let started = Instant::now();
    let outcome = ledger
        .hold(request(show, &["A2"], Duration::from_secs(60)))
        .await
        .unwrap();
    assert!(matches!(outcome, HoldOutcome::Held { .. }));
    assert!(started.elapsed() < Duration::from_secs(2));
}
