//! Contention: 500 holds on one seat, and randomised concurrent traffic over a 500-seat show.

use std::collections::{BTreeMap, HashMap, HashSet};
use std::sync::Arc;

use crate::support::grid_seats;
use eventory_server::seats::{HoldOutcome, HoldRequest};
use eventory_shared::{BookingId, SeatId, SeatState};
use rand::{Rng, SeedableRng};
use uuid::Uuid;

use super::*;

/// The seed's test: 500 buyers click the same seat at once; exactly one gets it.
pub(super) async fn exactly_one_of_500_concurrent_holds_on_one_seat_wins(ledger: Ledger) {
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
pub(super) async fn randomised_contention_never_oversells_and_versions_have_no_gaps(
    ledger: Ledger,
) {
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
                    let n = rng.random_range(1..=4);
                    let start = if rng.random_bool(0.7) {
                        rng.random_range(0..60)
                    } else {
                        rng.random_range(0..496)
                    };
                    let wanted: Vec<SeatId> = all[start..start + n].to_vec();
                    let outcome = ledger
                        .hold(HoldRequest {
                            show_id: show,
                            seats: wanted,
                            owner: format!("task-{t}"),
                            ttl: LONG,
                            idempotency_key: None,
                            limits: eventory_server::seats::HoldLimits::GENEROUS,
                        })
                        .await
                        .unwrap();
                    let HoldOutcome::Held { hold, change } = outcome else {
                        continue;
                    };
                    changes.push(change.expect("new hold"));
                    match rng.random_range(0..10) {
                        0..=3 => changes.push(ledger.release(hold.id).await.unwrap()),
                        4..=8 => {
                            let b = BookingId::from_uuid(Uuid::new_v4());
                            if let Some(c) = ledger.mark_processing(hold.id, b).await.unwrap() {
                                changes.push(c);
                            }
                            let c = ledger.confirm(show, hold.id, b, &hold.seats).await.unwrap();
                            changes.push(c.expect("confirm changes"));
                            if rng.random_bool(0.3) {
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
