//! Sales: confirm and refund, release, rebuilding lost sales, claims of payments in flight.

use std::collections::BTreeMap;

use crate::support::seats;
use eventory_server::seats::{Claim, HoldOutcome, HoldState, LedgerError};
use eventory_shared::{HoldId, SeatId, SeatState};
use uuid::Uuid;

use super::*;

pub(super) async fn confirm_is_idempotent_and_refund_touches_only_its_booking(ledger: Ledger) {
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

pub(super) async fn release_frees_the_seats(ledger: Ledger) {
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

pub(super) async fn restore_sold_rebuilds_lost_sales(ledger: Ledger) {
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
pub(super) async fn a_claimed_hold_sells_only_to_its_booking(ledger: Ledger) {
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
pub(super) async fn a_restored_sale_is_never_overwritten_by_processing(ledger: Ledger) {
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
pub(super) async fn a_show_registered_with_its_sales_never_hands_out_a_sold_seat(ledger: Ledger) {
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
pub(super) async fn claims_of_payments_in_flight_come_back_where_their_seats_are_free(
    ledger: Ledger,
) {
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

pub(super) async fn a_show_lists_its_holds_held_and_in_payment(ledger: Ledger) {
    let show = show_with(&ledger, &["A1", "A2", "A3"]).await;
    assert!(ledger.holds_of_show(show).await.unwrap().is_empty());
    let (held, _) = must_hold(&ledger, request(show, &["A1"], "x", LONG)).await;
    let (paying, _) = must_hold(&ledger, request(show, &["A2", "A3"], "y", LONG)).await;
    let b = booking();
    ledger.mark_processing(paying.id, b).await.unwrap();
    let mut listed = ledger.holds_of_show(show).await.unwrap();
    listed.sort_by_key(|h| h.seats.len());
    assert_eq!(
        listed
            .iter()
            .map(|h| (h.id, h.state, h.booking))
            .collect::<Vec<_>>(),
        [
            (held.id, HoldState::Held, None),
            (paying.id, HoldState::Processing, Some(b))
        ]
    );
    ledger.release(held.id).await.unwrap();
    assert_eq!(
        ledger.holds_of_show(show).await.unwrap().len(),
        1,
        "released: gone"
    );
    let unknown = ShowId::from_uuid(Uuid::new_v4());
    assert!(ledger.holds_of_show(unknown).await.unwrap().is_empty());
}
