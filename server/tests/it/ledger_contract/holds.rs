//! Holds: all or nothing, refused input, versions, idempotency keys, extending.

use std::collections::BTreeMap;
use std::time::Duration;

use crate::support::seats;
use eventory_server::seats::{HoldOutcome, HoldRequest, HoldState, LedgerError};
use eventory_shared::{HoldId, SeatState};
use uuid::Uuid;

use super::*;

pub(super) async fn holds_are_all_or_nothing(ledger: Ledger) {
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

pub(super) async fn unknown_seats_and_shows_are_refused(ledger: Ledger) {
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

pub(super) async fn bad_seat_lists_are_refused(ledger: Ledger) {
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

pub(super) async fn every_change_gets_the_next_version(ledger: Ledger) {
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

pub(super) async fn idempotency_key_returns_the_same_hold(ledger: Ledger) {
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

pub(super) async fn extend_pushes_the_expiry_of_held_holds_only(ledger: Ledger) {
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
