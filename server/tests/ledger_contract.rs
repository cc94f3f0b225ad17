//! The seat ledger contract: every test here runs against BOTH implementations — the Redis
//! ledger on the real Redis started by `.ci/run`, and the in-process ledger — so the embedded
//! default and production keep exactly the same semantics.

mod common;

use std::collections::{BTreeMap, HashMap, HashSet};
use std::sync::Arc;
use std::time::{Duration, Instant};

use common::{grid_seats, seats};
use eventory_server::seats::{
    spawn_sweeper, Claim, HoldOutcome, HoldRequest, HoldState, LedgerError, MemoryLedger,
    SeatChange, SeatLedger,
};
use eventory_shared::{BookingId, HoldId, SeatId, SeatState, ShowId};
use rand::{Rng, SeedableRng};
use tokio::sync::mpsc;
use tokio_util::sync::CancellationToken;
use uuid::Uuid;

type Ledger = Arc<dyn SeatLedger>;

/// Generates one `#[tokio::test]` per contract case and implementation.
macro_rules! contract {
    ($($case:ident),* $(,)?) => {
        mod redis_ledger {
            $(
                #[tokio::test(flavor = "multi_thread", worker_threads = 4)]
                async fn $case() {
                    let ledger: super::Ledger = std::sync::Arc::new(super::common::redis_ledger().await);
                    super::$case(ledger).await;
                }
            )*
        }
        mod memory_ledger {
            $(
                #[tokio::test(flavor = "multi_thread", worker_threads = 4)]
                async fn $case() {
                    let ledger: super::Ledger = std::sync::Arc::new(super::MemoryLedger::new());
                    super::$case(ledger).await;
                }
            )*
        }
    };
}

contract!(
    holds_are_all_or_nothing,
    unknown_seats_and_shows_are_refused,
    bad_seat_lists_are_refused,
    every_change_gets_the_next_version,
    idempotency_key_returns_the_same_hold,
    extend_pushes_the_expiry_of_held_holds_only,
    expired_holds_cannot_be_confirmed_and_are_swept,
    processing_blocks_expiry,
    confirm_is_idempotent_and_refund_touches_only_its_booking,
    release_frees_the_seats,
    restore_sold_rebuilds_lost_sales,
    a_claimed_hold_sells_only_to_its_booking,
    a_restored_sale_is_never_overwritten_by_processing,
    a_show_registered_with_its_sales_never_hands_out_a_sold_seat,
    claims_of_payments_in_flight_come_back_where_their_seats_are_free,
    exactly_one_of_500_concurrent_holds_on_one_seat_wins,
    randomised_contention_never_oversells_and_versions_have_no_gaps,
    sweeper_reports_expiry_within_one_second,
);

fn new_show() -> ShowId {
    ShowId::from_uuid(Uuid::new_v4())
}

fn booking() -> BookingId {
    BookingId::from_uuid(Uuid::new_v4())
}

fn request(show: ShowId, names: &[&str], owner: &str, ttl: Duration) -> HoldRequest {
    HoldRequest {
        show_id: show,
        seats: seats(names),
        owner: owner.to_owned(),
        ttl,
        idempotency_key: None,
    }
}

const LONG: Duration = Duration::from_secs(300);

async fn show_with(ledger: &Ledger, names: &[&str]) -> ShowId {
    let show = new_show();
    ledger.register_show(show, &seats(names)).await.unwrap();
    show
}

async fn must_hold(
    ledger: &Ledger,
    req: HoldRequest,
) -> (eventory_server::seats::Hold, SeatChange) {
    match ledger.hold(req).await.unwrap() {
        HoldOutcome::Held {
            hold,
            change: Some(change),
        } => (hold, change),
        other => panic!("expected a new hold, got {other:?}"),
    }
}

async fn holds_are_all_or_nothing(ledger: Ledger) {
    let show = show_with(&ledger, &["A1", "A2", "A3", "A4"]).await;
    let (hold, change) = must_hold(&ledger, request(show, &["A1", "A2"], "alice", LONG)).await;
    assert_eq!(hold.seats, seats(&["A1", "A2"]));
    assert_eq!(hold.state, HoldState::Held);
    assert_eq!(change.state, SeatState::Held);
    assert_eq!(change.hold_id, Some(hold.id));

    let second = ledger
        .hold(request(show, &["A2", "A3"], "bob", LONG))
        .await
        .unwrap();
    assert_eq!(
        second,
        HoldOutcome::Taken {
            seats: seats(&["A2"])
        }
    );

    let snap = ledger.snapshot(show).await.unwrap();
    assert_eq!(
        snap.seats,
        BTreeMap::from([
            ("A1".parse().unwrap(), SeatState::Held),
            ("A2".parse().unwrap(), SeatState::Held)
        ]),
        "A3 must not be held by the refused request"
    );
    assert_eq!(
        snap.version, change.version,
        "a refused hold changes no version"
    );
    let fetched = ledger
        .get_hold(hold.id)
        .await
        .unwrap()
        .expect("hold exists");
    assert_eq!(fetched.owner, "alice");
    assert_eq!(fetched.seats, hold.seats);
}

async fn unknown_seats_and_shows_are_refused(ledger: Ledger) {
    let show = show_with(&ledger, &["A1"]).await;
    let err = ledger
        .hold(request(show, &["A1", "Z9"], "x", LONG))
        .await
        .unwrap_err();
    assert!(
        matches!(&err, LedgerError::UnknownSeats(s) if *s == seats(&["Z9"])),
        "{err}"
    );
    let err = ledger
        .hold(request(new_show(), &["A1"], "x", LONG))
        .await
        .unwrap_err();
    assert!(matches!(err, LedgerError::UnknownShow(_)), "{err}");
    assert!(matches!(
        ledger.snapshot(new_show()).await,
        Err(LedgerError::UnknownShow(_))
    ));
    let ghost = HoldId::from_uuid(Uuid::new_v4());
    assert!(matches!(
        ledger.release(ghost).await,
        Err(LedgerError::HoldNotFound(_))
    ));
    assert!(matches!(
        ledger.extend(ghost, LONG).await,
        Err(LedgerError::HoldNotFound(_))
    ));
    assert!(matches!(
        ledger.mark_processing(ghost, booking()).await,
        Err(LedgerError::HoldNotFound(_))
    ));
    assert_eq!(ledger.get_hold(ghost).await.unwrap(), None);
}

async fn bad_seat_lists_are_refused(ledger: Ledger) {
    let show = show_with(&ledger, &["A1", "A2"]).await;
    let err = ledger
        .hold(request(show, &[], "x", LONG))
        .await
        .unwrap_err();
    assert!(matches!(err, LedgerError::BadSeatList));
    let err = ledger
        .hold(request(show, &["A1", "A1"], "x", LONG))
        .await
        .unwrap_err();
    assert!(matches!(err, LedgerError::BadSeatList));
    assert!(ledger.snapshot(show).await.unwrap().seats.is_empty());
}

async fn every_change_gets_the_next_version(ledger: Ledger) {
    let show = show_with(&ledger, &["A1", "A2", "A3"]).await;
    let v0 = ledger.snapshot(show).await.unwrap().version;
    assert!(
        v0 > 1_000_000_000_000_000,
        "versions start from a time-based base: {v0}"
    );
    let (hold, held) = must_hold(&ledger, request(show, &["A1", "A2"], "x", LONG)).await;
    let b = booking();
    let processing = ledger
        .mark_processing(hold.id, b)
        .await
        .unwrap()
        .expect("change");
    let sold = ledger
        .confirm(show, hold.id, b, &hold.seats)
        .await
        .unwrap()
        .expect("change");
    let refunded = ledger
        .refund(show, b, &seats(&["A2"]))
        .await
        .unwrap()
        .expect("change");
    let versions = [
        held.version,
        processing.version,
        sold.version,
        refunded.version,
    ];
    assert_eq!(versions, [v0 + 1, v0 + 2, v0 + 3, v0 + 4]);
    assert_eq!(
        [held.state, processing.state, sold.state, refunded.state],
        [
            SeatState::Held,
            SeatState::Processing,
            SeatState::Sold,
            SeatState::Available
        ]
    );
    assert_eq!(refunded.seats, seats(&["A2"]));
    let snap = ledger.snapshot(show).await.unwrap();
    assert_eq!(snap.version, v0 + 4);
    assert_eq!(
        snap.seats,
        BTreeMap::from([("A1".parse().unwrap(), SeatState::Sold)])
    );
}

async fn idempotency_key_returns_the_same_hold(ledger: Ledger) {
    let show = show_with(&ledger, &["A1", "A2", "A3"]).await;
    let keyed = |names: &[&str], owner: &str| HoldRequest {
        idempotency_key: Some("retry-1".into()),
        ..request(show, names, owner, LONG)
    };
    let (first, _) = must_hold(&ledger, keyed(&["A1", "A2"], "alice")).await;
    match ledger.hold(keyed(&["A2", "A1"], "alice")).await.unwrap() {
        HoldOutcome::Held { hold, change } => {
            assert_eq!(hold.id, first.id, "a retry returns the same hold");
            assert_eq!(change, None, "a retry changes nothing");
        }
        other => panic!("{other:?}"),
    }
    let err = ledger.hold(keyed(&["A3"], "alice")).await.unwrap_err();
    assert!(matches!(err, LedgerError::IdempotencyConflict));
    // The key belongs to its owner: someone else using it gets no access to the hold.
    assert_eq!(
        ledger.hold(keyed(&["A1", "A2"], "mallory")).await.unwrap(),
        HoldOutcome::Taken {
            seats: seats(&["A1", "A2"])
        }
    );
    // Once the hold is gone the key may be used again.
    ledger.release(first.id).await.unwrap();
    let (again, _) = must_hold(&ledger, keyed(&["A3"], "alice")).await;
    assert_ne!(again.id, first.id);
}

async fn extend_pushes_the_expiry_of_held_holds_only(ledger: Ledger) {
    let show = show_with(&ledger, &["A1"]).await;
    let (hold, _) = must_hold(&ledger, request(show, &["A1"], "x", Duration::from_secs(5))).await;
    let extended = ledger
        .extend(hold.id, Duration::from_secs(120))
        .await
        .unwrap();
    assert!(extended.expires_at > hold.expires_at + chrono::Duration::seconds(100));
    assert_eq!(
        ledger.get_hold(hold.id).await.unwrap().unwrap().expires_at,
        extended.expires_at
    );
    ledger.mark_processing(hold.id, booking()).await.unwrap();
    assert!(matches!(
        ledger.extend(hold.id, LONG).await,
        Err(LedgerError::WrongHoldState(_))
    ));
}

async fn expired_holds_cannot_be_confirmed_and_are_swept(ledger: Ledger) {
    let show = show_with(&ledger, &["A1", "A2"]).await;
    let (hold, held) = must_hold(
        &ledger,
        request(show, &["A1"], "x", Duration::from_millis(300)),
    )
    .await;
    tokio::time::sleep(Duration::from_millis(450)).await;
    let b = booking();
    assert!(matches!(
        ledger.confirm(show, hold.id, b, &hold.seats).await,
        Err(LedgerError::HoldExpired(_))
    ));
    assert!(matches!(
        ledger.extend(hold.id, LONG).await,
        Err(LedgerError::HoldExpired(_))
    ));
    assert!(matches!(
        ledger.mark_processing(hold.id, booking()).await,
        Err(LedgerError::HoldExpired(_))
    ));

    let released: Vec<SeatChange> = ledger
        .sweep_expired()
        .await
        .unwrap()
        .into_iter()
        .filter(|c| c.show_id == show)
        .collect();
    assert_eq!(released.len(), 1, "{released:?}");
    assert_eq!(released[0].state, SeatState::Available);
    assert_eq!(released[0].hold_id, Some(hold.id));
    assert_eq!(released[0].version, held.version + 1);
    assert_eq!(ledger.get_hold(hold.id).await.unwrap(), None);
    assert!(matches!(
        ledger.confirm(show, hold.id, b, &hold.seats).await,
        Err(LedgerError::HoldNotFound(_))
    ));
    assert!(ledger.snapshot(show).await.unwrap().seats.is_empty());
    // The seat is for sale again.
    must_hold(&ledger, request(show, &["A1"], "y", LONG)).await;
    // A second sweep finds nothing more of this show.
    assert!(ledger
        .sweep_expired()
        .await
        .unwrap()
        .iter()
        .all(|c| c.show_id != show));
}

async fn processing_blocks_expiry(ledger: Ledger) {
    let show = show_with(&ledger, &["A1"]).await;
    let (hold, _) = must_hold(
        &ledger,
        request(show, &["A1"], "x", Duration::from_millis(250)),
    )
    .await;
    let b = booking();
    let change = ledger
        .mark_processing(hold.id, b)
        .await
        .unwrap()
        .expect("change");
    assert_eq!(change.state, SeatState::Processing);
    assert_eq!(
        ledger.mark_processing(hold.id, b).await.unwrap(),
        None,
        "repeat is harmless"
    );
    assert!(
        matches!(
            ledger.mark_processing(hold.id, booking()).await,
            Err(LedgerError::WrongHoldState(_))
        ),
        "a hold claimed for one booking refuses every other"
    );
    assert_eq!(
        ledger.get_hold(hold.id).await.unwrap().unwrap().booking,
        Some(b)
    );
    tokio::time::sleep(Duration::from_millis(400)).await;
    assert!(ledger
        .sweep_expired()
        .await
        .unwrap()
        .iter()
        .all(|c| c.show_id != show));
    let snap = ledger.snapshot(show).await.unwrap();
    assert_eq!(
        snap.seats[&"A1".parse::<SeatId>().unwrap()],
        SeatState::Processing
    );
    let sold = ledger
        .confirm(show, hold.id, b, &hold.seats)
        .await
        .unwrap()
        .expect("payment outcome still sells");
    assert_eq!(sold.state, SeatState::Sold);
}

async fn confirm_is_idempotent_and_refund_touches_only_its_booking(ledger: Ledger) {
    let show = show_with(&ledger, &["A1", "A2", "A3"]).await;
    let (h1, _) = must_hold(&ledger, request(show, &["A1", "A2"], "x", LONG)).await;
    let (h2, _) = must_hold(&ledger, request(show, &["A3"], "y", LONG)).await;
    let (b1, b2) = (booking(), booking());
    assert!(
        matches!(
            ledger.confirm(show, h1.id, b1, &seats(&["A1"])).await,
            Err(LedgerError::BadSeatList)
        ),
        "confirm must name exactly the hold's seats"
    );
    ledger
        .confirm(show, h1.id, b1, &h1.seats)
        .await
        .unwrap()
        .expect("sold");
    assert_eq!(
        ledger.confirm(show, h1.id, b1, &h1.seats).await.unwrap(),
        None
    );
    // Another booking cannot claim those seats with the consumed hold.
    assert!(matches!(
        ledger.confirm(show, h1.id, b2, &h1.seats).await,
        Err(LedgerError::HoldNotFound(_))
    ));
    ledger
        .confirm(show, h2.id, b2, &h2.seats)
        .await
        .unwrap()
        .expect("sold");
    // Refunding b1 with b2's seat in the list leaves b2's seat sold.
    let change = ledger
        .refund(show, b1, &seats(&["A1", "A3"]))
        .await
        .unwrap()
        .expect("change");
    assert_eq!(change.seats, seats(&["A1"]));
    assert_eq!(
        ledger.refund(show, b1, &seats(&["A1"])).await.unwrap(),
        None
    );
    let snap = ledger.snapshot(show).await.unwrap();
    assert_eq!(
        snap.seats,
        BTreeMap::from([
            ("A2".parse().unwrap(), SeatState::Sold),
            ("A3".parse().unwrap(), SeatState::Sold)
        ])
    );
}

async fn release_frees_the_seats(ledger: Ledger) {
    let show = show_with(&ledger, &["A1", "A2"]).await;
    let (hold, held) = must_hold(&ledger, request(show, &["A1", "A2"], "x", LONG)).await;
    ledger.mark_processing(hold.id, booking()).await.unwrap();
    let change = ledger.release(hold.id).await.unwrap();
    assert_eq!(change.state, SeatState::Available);
    assert_eq!(change.seats, hold.seats);
    assert_eq!(change.version, held.version + 2);
    assert!(ledger.snapshot(show).await.unwrap().seats.is_empty());
    assert!(matches!(
        ledger.release(hold.id).await,
        Err(LedgerError::HoldNotFound(_))
    ));
    must_hold(&ledger, request(show, &["A1", "A2"], "y", LONG)).await;
}

async fn restore_sold_rebuilds_lost_sales(ledger: Ledger) {
    let show = show_with(&ledger, &["A1", "A2", "A3"]).await;
    let b = booking();
    let (hold, _) = must_hold(&ledger, request(show, &["A2"], "x", LONG)).await;
    let restored = ledger
        .restore_sold(
            show,
            &[("A1".parse().unwrap(), b), ("A2".parse().unwrap(), b)],
        )
        .await
        .unwrap()
        .expect("change");
    assert_eq!(restored.state, SeatState::Sold);
    assert_eq!(restored.seats, seats(&["A1", "A2"]));
    assert_eq!(
        ledger
            .restore_sold(show, &[("A1".parse().unwrap(), b)])
            .await
            .unwrap(),
        None,
        "restoring again changes nothing"
    );
    // The store wins over a hold that the ledger still had on a sold seat: that hold is lost.
    assert!(matches!(
        ledger.confirm(show, hold.id, booking(), &hold.seats).await,
        Err(LedgerError::HoldNotFound(_))
    ));
    assert_eq!(
        ledger
            .hold(request(show, &["A1"], "y", LONG))
            .await
            .unwrap(),
        HoldOutcome::Taken {
            seats: seats(&["A1"])
        }
    );
}

/// Two checkouts of one hold: the first claim wins, the other booking can neither claim nor
/// sell it.
async fn a_claimed_hold_sells_only_to_its_booking(ledger: Ledger) {
    let show = show_with(&ledger, &["A1", "A2"]).await;
    let (hold, _) = must_hold(&ledger, request(show, &["A1", "A2"], "x", LONG)).await;
    let (winner, loser) = (booking(), booking());
    ledger.mark_processing(hold.id, winner).await.unwrap();
    assert!(matches!(
        ledger.mark_processing(hold.id, loser).await,
        Err(LedgerError::WrongHoldState(_))
    ));
    assert!(matches!(
        ledger.confirm(show, hold.id, loser, &hold.seats).await,
        Err(LedgerError::WrongHoldState(_))
    ));
    let sold = ledger
        .confirm(show, hold.id, winner, &hold.seats)
        .await
        .unwrap()
        .expect("change");
    assert_eq!(sold.state, SeatState::Sold);
}

/// A rebuild put a sale back over a seat a stale hold still lists: checking that hold out must
/// not turn the sold seat into "processing".
async fn a_restored_sale_is_never_overwritten_by_processing(ledger: Ledger) {
    let show = show_with(&ledger, &["A1", "A2"]).await;
    let (hold, _) = must_hold(&ledger, request(show, &["A1", "A2"], "x", LONG)).await;
    let owner = booking();
    ledger
        .restore_sold(show, &[("A1".parse().unwrap(), owner)])
        .await
        .unwrap();
    assert!(matches!(
        ledger.mark_processing(hold.id, booking()).await,
        Err(LedgerError::HoldNotFound(_))
    ));
    let snapshot = ledger.snapshot(show).await.unwrap();
    assert_eq!(
        snapshot.seats.get(&"A1".parse::<SeatId>().unwrap()),
        Some(&SeatState::Sold)
    );
    assert_eq!(
        snapshot.seats.get(&"A2".parse::<SeatId>().unwrap()),
        Some(&SeatState::Held),
        "the stale hold keeps only what it still occupies, until it expires"
    );
}

/// After the ledger lost a show (FLUSHALL, a restart), 300 buyers rush its sold seat while
/// each of them rebuilds the show on "unknown show": layout and sales go in as one step, so
/// not one of them is given the sold seat.
async fn a_show_registered_with_its_sales_never_hands_out_a_sold_seat(ledger: Ledger) {
    let show = new_show();
    let layout = seats(&["A1", "A2", "A3"]);
    let owner = booking();
    let mut buyers = Vec::new();
    for n in 0..300 {
        let (ledger, layout) = (ledger.clone(), layout.clone());
        buyers.push(tokio::spawn(async move {
            let req = request(show, &["A1"], &format!("buyer-{n}"), LONG);
            match ledger.hold(req.clone()).await {
                Err(LedgerError::UnknownShow(_)) => {
                    ledger
                        .register_show_with_sold(show, &layout, &[("A1".parse().unwrap(), owner)])
                        .await
                        .unwrap();
                    ledger.hold(req).await.unwrap()
                }
                other => other.unwrap(),
            }
        }));
    }
    for buyer in buyers {
        assert!(
            matches!(buyer.await.unwrap(), HoldOutcome::Taken { .. }),
            "a sold seat was held"
        );
    }
}

/// The ledger lost two in-flight payments' holds; one of their seats was taken meanwhile.
/// The free one comes back claimed (and sells to its booking only); the other does not.
async fn claims_of_payments_in_flight_come_back_where_their_seats_are_free(ledger: Ledger) {
    let show = show_with(&ledger, &["A1", "A2", "A3"]).await;
    let (_, _) = must_hold(&ledger, request(show, &["A3"], "someone", LONG)).await;
    let (paying, blocked) = (booking(), booking());
    let claims = [
        Claim {
            hold_id: HoldId::from_uuid(Uuid::new_v4()),
            booking: paying,
            owner: "x".into(),
            seats: seats(&["A1", "A2"]),
        },
        Claim {
            hold_id: HoldId::from_uuid(Uuid::new_v4()),
            booking: blocked,
            owner: "y".into(),
            seats: seats(&["A3"]),
        },
    ];
    let change = ledger
        .restore_claims(show, &claims)
        .await
        .unwrap()
        .expect("change");
    assert_eq!(change.state, SeatState::Processing);
    assert_eq!(change.seats, seats(&["A1", "A2"]));
    let back = ledger.get_hold(claims[0].hold_id).await.unwrap().unwrap();
    assert_eq!(
        (back.state, back.booking),
        (HoldState::Processing, Some(paying))
    );
    assert_eq!(ledger.get_hold(claims[1].hold_id).await.unwrap(), None);
    assert_eq!(
        ledger.restore_claims(show, &claims).await.unwrap(),
        None,
        "restoring again changes nothing"
    );
    assert!(matches!(
        ledger
            .confirm(show, claims[0].hold_id, booking(), &claims[0].seats)
            .await,
        Err(LedgerError::WrongHoldState(_))
    ));
    ledger
        .confirm(show, claims[0].hold_id, paying, &claims[0].seats)
        .await
        .unwrap()
        .expect("sold to its booking");
}

/// The seed's test: 500 buyers click the same seat at once; exactly one gets it.
async fn exactly_one_of_500_concurrent_holds_on_one_seat_wins(ledger: Ledger) {
    let show = show_with(&ledger, &["A1", "A2"]).await;
    let barrier = Arc::new(tokio::sync::Barrier::new(500));
    let tasks: Vec<_> = (0..500)
        .map(|i| {
            let ledger = ledger.clone();
            let barrier = barrier.clone();
            tokio::spawn(async move {
                barrier.wait().await;
                ledger
                    .hold(request(show, &["A1"], &format!("buyer-{i}"), LONG))
                    .await
                    .unwrap()
            })
        })
        .collect();
    let mut winners = Vec::new();
    for task in tasks {
        if let HoldOutcome::Held { hold, .. } = task.await.unwrap() {
            winners.push(hold);
        }
    }
    assert_eq!(
        winners.len(),
        1,
        "exactly one winner, got {}",
        winners.len()
    );
    let snap = ledger.snapshot(show).await.unwrap();
    assert_eq!(snap.seats.len(), 1);
}

/// Thousands of concurrent multi-seat holds, releases, payments and refunds over a 500-seat
/// show. Afterwards: no seat sold twice, every sold seat belongs to exactly one confirmed hold,
/// the versions of all changes form one gap-free increasing sequence, and replaying the changes
/// in version order reproduces the ledger's snapshot.
async fn randomised_contention_never_oversells_and_versions_have_no_gaps(ledger: Ledger) {
    let all = grid_seats(20, 25);
    assert_eq!(all.len(), 500);
    let show = new_show();
    ledger.register_show(show, &all).await.unwrap();
    let base = ledger.snapshot(show).await.unwrap().version;

    const TASKS: u64 = 40;
    const OPS: usize = 200;
    let all = Arc::new(all);
    let tasks: Vec<_> = (0..TASKS)
        .map(|t| {
            let ledger = ledger.clone();
            let all = all.clone();
            tokio::spawn(async move {
                let mut rng = rand::rngs::StdRng::seed_from_u64(t);
                let mut changes = Vec::new();
                let mut sold: Vec<(BookingId, Vec<SeatId>)> = Vec::new();
                let mut refunded: Vec<(BookingId, Vec<SeatId>)> = Vec::new();
                for _ in 0..OPS {
                    // Crowd the front rows so requests collide often.
                    let n = rng.gen_range(1..=4);
                    let start = if rng.gen_bool(0.7) {
                        rng.gen_range(0..60)
                    } else {
                        rng.gen_range(0..496)
                    };
                    let wanted: Vec<SeatId> = all[start..start + n].to_vec();
                    let outcome = ledger
                        .hold(HoldRequest {
                            show_id: show,
                            seats: wanted,
                            owner: format!("task-{t}"),
                            ttl: LONG,
                            idempotency_key: None,
                        })
                        .await
                        .unwrap();
                    let HoldOutcome::Held { hold, change } = outcome else {
                        continue;
                    };
                    changes.push(change.expect("new hold"));
                    match rng.gen_range(0..10) {
                        0..=3 => changes.push(ledger.release(hold.id).await.unwrap()),
                        4..=8 => {
                            let b = BookingId::from_uuid(Uuid::new_v4());
                            if let Some(c) = ledger.mark_processing(hold.id, b).await.unwrap() {
                                changes.push(c);
                            }
                            let c = ledger.confirm(show, hold.id, b, &hold.seats).await.unwrap();
                            changes.push(c.expect("confirm changes"));
                            if rng.gen_bool(0.3) {
                                let c = ledger.refund(show, b, &hold.seats).await.unwrap();
                                changes.push(c.expect("refund changes"));
                                refunded.push((b, hold.seats.clone()));
                            } else {
                                sold.push((b, hold.seats.clone()));
                            }
                        }
                        _ => {} // leave it held
                    }
                }
                (changes, sold, refunded)
            })
        })
        .collect();

    let mut changes = Vec::new();
    let mut sold_to: HashMap<SeatId, BookingId> = HashMap::new();
    let mut confirmed = 0usize;
    for task in tasks {
        let (c, sold, _refunded) = task.await.unwrap();
        changes.extend(c);
        for (booking, seats) in sold {
            confirmed += 1;
            for seat in seats {
                if let Some(other) = sold_to.insert(seat.clone(), booking) {
                    panic!("seat {seat} sold twice: to {other} and {booking}");
                }
            }
        }
    }
    assert!(
        changes.len() > 1000,
        "the run must be contended and busy: {} changes",
        changes.len()
    );
    assert!(confirmed > 50, "{confirmed} confirmed bookings");

    changes.sort_by_key(|c| c.version);
    for (i, change) in changes.iter().enumerate() {
        assert_eq!(
            change.version,
            base + 1 + i as u64,
            "gap or duplicate at {i}"
        );
    }

    let mut replayed: BTreeMap<SeatId, SeatState> = BTreeMap::new();
    for change in &changes {
        for seat in &change.seats {
            if change.state == SeatState::Available {
                replayed.remove(seat);
            } else {
                replayed.insert(seat.clone(), change.state);
            }
        }
    }
    let snap = ledger.snapshot(show).await.unwrap();
    assert_eq!(snap.version, changes.last().unwrap().version);
    assert_eq!(
        snap.seats, replayed,
        "replaying the changes must give the snapshot"
    );
    let sold_in_ledger: HashSet<&SeatId> = snap
        .seats
        .iter()
        .filter(|(_, s)| **s == SeatState::Sold)
        .map(|(seat, _)| seat)
        .collect();
    let sold_in_bookings: HashSet<&SeatId> = sold_to.keys().collect();
    assert_eq!(
        sold_in_ledger, sold_in_bookings,
        "every sold seat has exactly one confirmed booking"
    );
}

async fn sweeper_reports_expiry_within_one_second(ledger: Ledger) {
    let show = show_with(&ledger, &["A1"]).await;
    let (tx, mut rx) = mpsc::channel(16);
    let stop = CancellationToken::new();
    let task = spawn_sweeper(ledger.clone(), Duration::from_millis(100), tx, stop.clone());
    let (hold, _) = must_hold(
        &ledger,
        request(show, &["A1"], "x", Duration::from_millis(300)),
    )
    .await;
    let deadline = Instant::now() + Duration::from_secs(5);
    let change = loop {
        let change = tokio::time::timeout_at(deadline.into(), rx.recv())
            .await
            .expect("no release within 5 s")
            .expect("sweeper alive");
        if change.show_id == show {
            break change;
        }
    };
    let late = chrono::Utc::now() - hold.expires_at;
    assert_eq!(change.hold_id, Some(hold.id));
    assert_eq!(change.state, SeatState::Available);
    assert!(
        late < chrono::Duration::seconds(1),
        "released {late} after expiry"
    );
    stop.cancel();
    task.await.unwrap();
}
