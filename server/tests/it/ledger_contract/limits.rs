//! What one owner may hold: the per-show cap, counted inside the atomic step (so parallel
//! requests of one owner cannot slip past it together) and given back when a hold leaves
//! (released, expired, sold); and the longest life no extension goes past.

use std::time::Duration;

use eventory_server::seats::{HoldLimits, HoldOutcome, LedgerError};

use super::*;

fn capped(show: ShowId, names: &[&str], owner: &str, max: usize, ttl: Duration) -> HoldRequest {
    HoldRequest {
        limits: HoldLimits {
            max_seats_held: max,
            max_lifetime: Duration::from_secs(3600),
        },
        ..request(show, names, owner, ttl)
    }
}

pub(super) async fn one_owner_holds_at_most_its_cap_even_in_parallel(ledger: Ledger) {
    let names: Vec<String> = (1..=24).map(|n| format!("A{n}")).collect();
    let refs: Vec<&str> = names.iter().map(String::as_str).collect();
    let show = show_with(&ledger, &refs).await;
    // 24 requests of one seat each, all at once, for one owner capped at 10.
    let attempts: Vec<_> = names
        .iter()
        .map(|seat| {
            let ledger = ledger.clone();
            let req = capped(show, &[seat.as_str()], "hoarder", 10, LONG);
            tokio::spawn(async move { ledger.hold(req).await })
        })
        .collect();
    let (mut held, mut refused) = (0, 0);
    for attempt in attempts {
        match attempt.await.unwrap() {
            Ok(HoldOutcome::Held { .. }) => held += 1,
            Err(LedgerError::HoldLimitReached { held: at, max: 10 }) => {
                assert!(at + 1 > 10, "refused below the cap: held {at}");
                refused += 1;
            }
            other => panic!("unexpected {other:?}"),
        }
    }
    assert_eq!((held, refused), (10, 14));
    // Nothing past the cap was held: exactly ten seats are taken.
    assert_eq!(ledger.snapshot(show).await.unwrap().seats.len(), 10);
}

pub(super) async fn seats_count_again_once_a_hold_leaves(ledger: Ledger) {
    let show = show_with(&ledger, &["A1", "A2", "A3", "A4"]).await;
    let (first, _) = must_hold(&ledger, capped(show, &["A1", "A2"], "alice", 2, LONG)).await;
    assert!(matches!(
        ledger.hold(capped(show, &["A3"], "alice", 2, LONG)).await,
        Err(LedgerError::HoldLimitReached { held: 2, max: 2 })
    ));
    // Released: the two seats are alice's to hold again.
    ledger.release(first.id).await.unwrap();
    let (second, _) = must_hold(&ledger, capped(show, &["A3", "A4"], "alice", 2, LONG)).await;
    // Sold: a bought seat is no longer held, so it does not count.
    let b = booking();
    ledger.mark_processing(second.id, b).await.unwrap();
    ledger
        .confirm(show, second.id, b, &seats(&["A3", "A4"]))
        .await
        .unwrap();
    let (third, _) = must_hold(
        &ledger,
        capped(show, &["A1"], "alice", 2, Duration::from_millis(200)),
    )
    .await;
    // Expired and swept: counts no more either.
    tokio::time::sleep(Duration::from_millis(300)).await;
    ledger.sweep_expired().await.unwrap();
    assert!(ledger.get_hold(third.id).await.unwrap().is_none());
    must_hold(&ledger, capped(show, &["A1", "A2"], "alice", 2, LONG)).await;
}

pub(super) async fn extensions_never_pass_the_longest_life(ledger: Ledger) {
    let show = show_with(&ledger, &["A1"]).await;
    let req = HoldRequest {
        limits: HoldLimits {
            max_seats_held: 10,
            max_lifetime: Duration::from_millis(1_300),
        },
        ..request(show, &["A1"], "alice", Duration::from_secs(1))
    };
    let (hold, _) = must_hold(&ledger, req).await;
    let deadline = hold.expires_at + chrono::Duration::milliseconds(300);
    let mut refused = false;
    for _ in 0..12 {
        tokio::time::sleep(Duration::from_millis(100)).await;
        match ledger.extend(hold.id, Duration::from_secs(1)).await {
            Ok(extended) => assert!(
                extended.expires_at <= deadline,
                "extended past the longest life"
            ),
            Err(LedgerError::HoldLifetimeReached(id)) => {
                assert_eq!(id, hold.id);
                refused = true;
                break;
            }
            Err(other) => panic!("unexpected {other:?}"),
        }
    }
    assert!(refused, "extensions never stopped");
    let kept = ledger
        .get_hold(hold.id)
        .await
        .unwrap()
        .expect("the hold lives on");
    assert_eq!(kept.expires_at, deadline, "it ends at its deadline");
}
