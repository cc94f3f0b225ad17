//! 2.-4. Two exchanges of one booking, an exchange racing a refund, a refund after an exchange.

use std::collections::BTreeMap;
use std::time::Duration;

use eventory_server::payments::journal::JournalLine;
use eventory_server::store::BookingRecord;
use eventory_shared::*;
use reqwest::StatusCode;

use super::harness::*;
use super::Mode;

// ---- 2. two exchanges of one booking ---------------------------------------------------------

/// A confirmed cash booking, exchanged at once onto two different holds of the same price: one
/// exchange wins (200), the other gets 409; the old booking is exchanged, the winner's seat is
/// the only one sold, and the loser's hold sells nothing.
pub(super) async fn double_exchange(mode: Mode) {
    let h = Harness::start(mode, true).await;
    let cashier = h.server.token(Role::Cashier);
    let mut winners = [0usize; 2];
    for round in 0..5 {
        let show = h.show(2, 5).await;
        let old = h.buy(&cashier, show, &["A1"], Pay::Cash(2000)).await;
        let paid = h.payment_id(old.id).await;
        let left = h.hold(&cashier, show, &["B1"]).await;
        let right = h.hold(&cashier, show, &["B2"]).await;
        let (a, b) = tokio::join!(h.exchange(&cashier, old.id, left.hold_id), async {
            stagger(Duration::from_micros(round as u64 * 300)).await;
            h.exchange(&cashier, old.id, right.hold_id).await
        });
        let (new, lost, won_hold, lost_hold) = match (a, b) {
            (Ok(new), Err(lost)) => {
                winners[0] += 1;
                (new, lost, &left, &right)
            }
            (Err(lost), Ok(new)) => {
                winners[1] += 1;
                (new, lost, &right, &left)
            }
            other => panic!("round {round}: want one 200 and one 409, got {other:?}"),
        };
        assert_eq!(lost.status, StatusCode::CONFLICT, "round {round}: {lost:?}");
        assert_eq!(new.status, BookingStatus::Confirmed, "round {round}");
        assert_eq!(seat_names(&new), [won_hold.seats[0].to_string()]);
        let won_seat = won_hold.seats[0].to_string();
        let lost_seat = lost_hold.seats[0].to_string();

        let old_now = h.settle(old.id).await;
        assert_eq!(old_now.status, BookingStatus::Exchanged, "round {round}");
        assert_eq!(h.record(old.id).await.exchange_to, Some(new.id));
        let replacements: Vec<BookingRecord> = h
            .bookings_of(show)
            .await
            .into_iter()
            .filter(|r| r.exchange_of == Some(old.id))
            .collect();
        assert_eq!(
            replacements.len(),
            1,
            "round {round}: one new booking: {replacements:?}"
        );
        assert_eq!(replacements[0].booking.id, new.id);
        assert_eq!(
            h.booking(new.id).await.status,
            BookingStatus::Confirmed,
            "round {round}"
        );
        assert_eq!(
            h.live_tickets(show).await,
            BTreeMap::from([(won_seat.clone(), new.id)]),
            "round {round}: only the winner's seat has a live ticket"
        );
        assert_eq!(
            h.seat(show, "A1").await,
            SeatState::Available,
            "round {round}"
        );
        assert_eq!(
            h.seat(show, &won_seat).await,
            SeatState::Sold,
            "round {round}"
        );
        let loser_state = h.seat(show, &lost_seat).await;
        assert!(
            matches!(loser_state, SeatState::Held | SeatState::Available),
            "round {round}: the losing hold's seat is {loser_state:?}"
        );
        // The money stayed where it was: one cash charge, carried to the new booking.
        let charges = h.charges_of(&[old.id, new.id]);
        assert_eq!(charges.len(), 1, "round {round}: {charges:?}");
        assert_eq!(charges[0].payment, paid);
        assert_eq!(h.payment_id(new.id).await, paid, "round {round}");
        assert!(h.refunds_of(&[paid]).is_empty(), "round {round}");
    }
    eprintln!("double exchange ({mode:?}) winners (left, right): {winners:?}");
    h.stop().await;
}

// ---- 3. an exchange racing a refund ----------------------------------------------------------

/// A confirmed cash booking, exchanged and refunded at the same time: exactly one succeeds.
/// A refund that won returns the money once and sells nothing; an exchange that won moves the
/// booking and returns no money.
pub(super) async fn exchange_racing_a_refund(mode: Mode) {
    let h = Harness::start(mode, true).await;
    let cashier = h.server.token(Role::Cashier);
    let other_cashier = h.server.token(Role::Cashier);
    let (mut refunds_won, mut exchanges_won) = (0, 0);
    // An exchange does more before its claim than a refund: give either a head start of up to
    // about one checkout's time.
    let span = h
        .checkout_time(h.show(1, 3).await, &["A1", "A2", "A3"])
        .await;
    for round in 0..10 {
        let show = h.show(2, 5).await;
        let old = h.buy(&cashier, show, &["A1"], Pay::Cash(1000)).await;
        let paid = h.payment_id(old.id).await;
        let held = h.hold(&cashier, show, &["B3"]).await;
        let delay = span * (round / 2) / 4;
        let (exchanged, refunded) = tokio::join!(
            async {
                if round % 2 == 1 {
                    stagger(delay).await;
                }
                h.exchange(&cashier, old.id, held.hold_id).await
            },
            async {
                if round % 2 == 0 {
                    stagger(delay).await;
                }
                h.refund(&other_cashier, old.id).await
            }
        );
        match (exchanged, refunded) {
            (Err(lost), Ok(refunded)) => {
                refunds_won += 1;
                assert_eq!(lost.status, StatusCode::CONFLICT, "round {round}: {lost:?}");
                assert_eq!(refunded.status, BookingStatus::Refunded, "round {round}");
                assert_eq!(h.settle(old.id).await.status, BookingStatus::Refunded);
                assert!(
                    h.live_tickets(show).await.is_empty(),
                    "round {round}: nothing sold after the refund"
                );
                assert_eq!(h.seat(show, "A1").await, SeatState::Available);
                let b3 = h.seat(show, "B3").await;
                assert!(
                    matches!(b3, SeatState::Held | SeatState::Available),
                    "round {round}: B3 is {b3:?}"
                );
                let new_bookings: Vec<BookingRecord> = h
                    .bookings_of(show)
                    .await
                    .into_iter()
                    .filter(|r| r.exchange_of == Some(old.id))
                    .collect();
                assert!(
                    new_bookings
                        .iter()
                        .all(|r| r.booking.status == BookingStatus::Cancelled),
                    "round {round}: {new_bookings:?}"
                );
                assert_eq!(
                    h.refunds_of(&[paid]),
                    vec![Refund {
                        payment: paid,
                        amount_minor: 1000
                    }],
                    "round {round}: refunded once"
                );
            }
            (Ok(new), Err(lost)) => {
                exchanges_won += 1;
                assert_eq!(lost.status, StatusCode::CONFLICT, "round {round}: {lost:?}");
                assert_eq!(new.status, BookingStatus::Confirmed, "round {round}");
                assert_eq!(h.settle(old.id).await.status, BookingStatus::Exchanged);
                assert_eq!(
                    h.live_tickets(show).await,
                    BTreeMap::from([("B3".to_owned(), new.id)]),
                    "round {round}"
                );
                assert_eq!(h.seat(show, "A1").await, SeatState::Available);
                assert_eq!(h.seat(show, "B3").await, SeatState::Sold);
                assert_eq!(
                    h.refunds_of(&[paid]),
                    vec![],
                    "round {round}: no money returned"
                );
            }
            other => panic!("round {round}: want exactly one 200 and one 409, got {other:?}"),
        }
        let charges = h.charges_of(&[old.id]);
        assert_eq!(charges.len(), 1, "round {round}: {charges:?}");
    }
    eprintln!(
        "exchange vs refund ({mode:?}): refunds won {refunds_won}, exchanges won {exchanges_won}"
    );
    h.stop().await;
}

// ---- 4. a refund after an exchange -----------------------------------------------------------

/// A card booking exchanged by a cashier, then the new booking refunded: the refund returns the
/// ORIGINAL payment, once, whatever is asked again afterwards.
pub(super) async fn refund_after_exchange_returns_the_original_payment(mode: Mode) {
    let h = Harness::start(mode, true).await;
    let show = h.show(2, 5).await;
    let customer = h.server.token(Role::Customer);
    let cashier = h.server.token(Role::Cashier);
    let old = h.buy(&customer, show, &["A1", "A2"], Pay::Card).await;
    let original = h.payment_id(old.id).await;
    assert_eq!(
        h.charges_of(&[old.id]),
        vec![Charge {
            booking: old.id,
            payment: original,
            amount_minor: 2000,
            approved: true,
        }]
    );

    let held = h.hold(&cashier, show, &["B4", "B5"]).await;
    let new = h
        .exchange(&cashier, old.id, held.hold_id)
        .await
        .unwrap_or_else(|e| panic!("exchange: {e:?}"));
    assert_eq!(new.status, BookingStatus::Confirmed);
    assert_eq!(new.payment_method, PaymentMethod::Card);
    assert_eq!(new.user_id, old.user_id, "still the customer's booking");
    assert_eq!(h.settle(old.id).await.status, BookingStatus::Exchanged);

    let refunded = h
        .refund(&cashier, new.id)
        .await
        .unwrap_or_else(|e| panic!("refund: {e:?}"));
    assert_eq!(refunded.status, BookingStatus::Refunded);
    let all_refunds = h.refunds_of(&[original, h.payment_id(new.id).await]);
    assert_eq!(
        all_refunds,
        vec![Refund {
            payment: original,
            amount_minor: 2000,
        }],
        "one refund, of the original card payment"
    );
    let every_refund: Vec<JournalLine> = h
        .journal()
        .into_iter()
        .filter(|l| matches!(l, JournalLine::Refund { .. }))
        .collect();
    assert_eq!(every_refund.len(), 1, "{every_refund:?}");
    assert_eq!(
        h.charges_of(&[old.id, new.id]).len(),
        1,
        "the exchange charged nothing"
    );

    // Asked again: the same answer, no second refund.
    let again = h
        .refund(&cashier, new.id)
        .await
        .unwrap_or_else(|e| panic!("second refund: {e:?}"));
    assert_eq!((again.id, again.status), (new.id, BookingStatus::Refunded));
    // The old booking's money went with the exchange: it cannot be refunded a second way.
    let old_again = h.refund(&cashier, old.id).await;
    assert!(
        matches!(&old_again, Err(e) if e.status == StatusCode::CONFLICT),
        "refunding the exchanged booking: {old_again:?}"
    );
    let every_refund = h
        .journal()
        .into_iter()
        .filter(|l| matches!(l, JournalLine::Refund { .. }))
        .count();
    assert_eq!(every_refund, 1, "no second refund line");
    assert!(h.live_tickets(show).await.is_empty());
    for seat in ["A1", "A2", "B4", "B5"] {
        assert_eq!(h.seat(show, seat).await, SeatState::Available, "{seat}");
    }
    h.stop().await;
}
