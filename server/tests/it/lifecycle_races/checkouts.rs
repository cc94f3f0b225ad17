//! 1. Two checkouts of one hold, with and without one Idempotency-Key.

use eventory_server::store::BookingRecord;
use eventory_shared::*;
use reqwest::StatusCode;

use super::harness::*;
use super::Mode;

// ---- 1. two checkouts of one hold ------------------------------------------------------------

/// The same hold checked out twice at once (a double click), no Idempotency-Key: one 202, one
/// 409; one booking confirmed and charged once; the other, if it was written, cancelled and
/// never charged.
pub(super) async fn double_checkout(mode: Mode) {
    const ROUNDS: usize = 20;
    let h = Harness::start(mode, true).await;
    let show = h.show(3, 10).await;
    let seats: Vec<String> = crate::support::grid_seats(3, 10)
        .iter()
        .map(ToString::to_string)
        .collect();
    let span = h.checkout_time(show, &["C8", "C9", "C10"]).await;
    // Rounds where both requests got as far as writing a booking (the ledger claim decided).
    let mut claim_races = 0;
    for (round, seat) in seats.iter().enumerate().take(ROUNDS) {
        let seat = seat.as_str();
        let token = h.server.token(Role::Customer);
        let held = h.hold(&token, show, &[seat]).await;
        let (first, second) =
            tokio::join!(h.checkout(&token, held.hold_id, Pay::Card, None), async {
                // From together to about when the first one answers (its booking is not
                // confirmed by then: the charge only starts).
                stagger(span * round as u32 / ROUNDS as u32).await;
                h.checkout(&token, held.hold_id, Pay::Card, None).await
            });
        let (won, lost) = match (first, second) {
            (Ok(won), Err(lost)) | (Err(lost), Ok(won)) => (won, lost),
            other => panic!("round {round} ({seat}): want one 202 and one 409, got {other:?}"),
        };
        assert_eq!(
            lost.status,
            StatusCode::CONFLICT,
            "round {round} ({seat}): the second checkout: {lost:?}"
        );

        let winner = h.settle(won.booking.id).await;
        assert_eq!(winner.status, BookingStatus::Confirmed, "round {round}");
        let of_hold: Vec<BookingRecord> = h
            .bookings_of(show)
            .await
            .into_iter()
            .filter(|r| r.hold_id == held.hold_id)
            .collect();
        assert!(
            (1..=2).contains(&of_hold.len()),
            "round {round}: {} bookings for one hold",
            of_hold.len()
        );
        claim_races += usize::from(of_hold.len() == 2);
        let ids: Vec<BookingId> = of_hold.iter().map(|r| r.booking.id).collect();
        for loser in ids.iter().filter(|id| **id != winner.id) {
            let loser = h.settle(*loser).await;
            assert_eq!(
                loser.status,
                BookingStatus::Cancelled,
                "round {round}: the losing booking"
            );
            assert_eq!(
                h.server.state.store.payment(loser.id).await.unwrap(),
                None,
                "round {round}: the losing booking has no payment"
            );
        }
        let charges = h.charges_of(&ids);
        assert_eq!(
            charges,
            vec![Charge {
                booking: winner.id,
                payment: h.payment_id(winner.id).await,
                amount_minor: 1000,
                approved: true,
            }],
            "round {round}: one approved charge, the winner's"
        );
        assert_eq!(
            h.live_tickets(show).await.get(seat),
            Some(&winner.id),
            "round {round}: the seat's ticket is the winner's"
        );
        assert_eq!(h.seat(show, seat).await, SeatState::Sold, "round {round}");
    }
    let live = h.live_tickets(show).await;
    assert_eq!(
        seats[..ROUNDS]
            .iter()
            .filter(|s| live.contains_key(*s))
            .count(),
        ROUNDS,
        "one ticket per round"
    );
    eprintln!(
        "double checkout ({mode:?}, checkout takes {span:?}): {claim_races} of {ROUNDS} rounds \
         decided by the ledger claim"
    );
    h.stop().await;
}

/// The same double click with one Idempotency-Key on both requests: both answer the same
/// booking, which is charged once.
pub(super) async fn double_checkout_with_one_idempotency_key(mode: Mode) {
    const ROUNDS: usize = 150;
    let h = Harness::start(mode, true).await;
    let show = h.show(16, 10).await;
    let seats: Vec<String> = crate::support::grid_seats(16, 10)
        .iter()
        .map(ToString::to_string)
        .collect();
    let span = h.checkout_time(show, &["P8", "P9", "P10"]).await;
    let mut refused = Vec::new();
    let mut raced = Vec::new();
    // The races first (many rounds: the window is a fraction of a millisecond), the bookings'
    // outcomes after.
    for (round, seat) in seats.iter().enumerate().take(ROUNDS) {
        let token = h.server.token(Role::Customer);
        let key = format!("double-click-{round}");
        let held = h.hold(&token, show, &[seat]).await;
        let (first, second) = tokio::join!(
            h.checkout(&token, held.hold_id, Pay::Card, Some(&key)),
            async {
                // From half-way through the first request to just after it: the retry's key
                // lookup lands before, around and after the first one's write.
                stagger(span * (5 * ROUNDS + 7 * round) as u32 / (10 * ROUNDS) as u32).await;
                h.checkout(&token, held.hold_id, Pay::Card, Some(&key))
                    .await
            }
        );
        let booking = match (first, second) {
            (Ok(first), Ok(second)) => {
                assert_eq!(
                    first.booking.id, second.booking.id,
                    "round {round}: one key, one booking"
                );
                first.booking.id
            }
            (Ok(ok), Err(e)) | (Err(e), Ok(ok)) => {
                // Keep going to see how often, then fail below.
                refused.push(format!("round {round} ({seat}): {} {}", e.status, e.body));
                ok.booking.id
            }
            other => panic!("round {round} ({seat}): {other:?}"),
        };
        raced.push((round, held.hold_id, booking));
    }
    let of_show = h.bookings_of(show).await;
    for (round, hold, booking) in raced {
        let settled = h.settle(booking).await;
        assert_eq!(settled.status, BookingStatus::Confirmed, "round {round}");
        let of_hold: Vec<BookingId> = of_show
            .iter()
            .filter(|r| r.hold_id == hold)
            .map(|r| r.booking.id)
            .collect();
        assert_eq!(of_hold, vec![booking], "round {round}: one booking");
        let charges = h.charges_of(&of_hold);
        assert_eq!(charges.len(), 1, "round {round}: charged once: {charges:?}");
        assert!(charges[0].approved, "round {round}");
    }
    assert!(
        refused.is_empty(),
        "a retry with the same Idempotency-Key must answer the same booking, but {} of \
         {ROUNDS} were refused (checkout takes {span:?}):\n{}",
        refused.len(),
        refused.join("\n")
    );
    h.stop().await;
}
