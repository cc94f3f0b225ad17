//! Bookings: the outbox written with them, conditional transitions, no double sale, refunds
//! and exchanges claimed once.

use super::*;

pub(super) async fn booking_and_outbox_are_written_together(store: Db) {
    let user = UserId::from_uuid(Uuid::new_v4());
    let b = booking(
        ShowId::from_uuid(Uuid::new_v4()),
        Some(user),
        &["A1"],
        Some("key-1"),
    );
    let event = outbox();
    store.insert_booking_with_outbox(&b, &event).await.unwrap();
    assert_eq!(store.booking(b.booking.id).await.unwrap().unwrap(), b);
    assert_eq!(
        store
            .booking_by_code(&b.booking.code.to_lowercase())
            .await
            .unwrap()
            .unwrap()
            .booking
            .id,
        b.booking.id
    );
    assert_eq!(
        store
            .booking_by_idempotency_key(user, "key-1")
            .await
            .unwrap()
            .unwrap()
            .booking
            .id,
        b.booking.id
    );

    // The same user and key again: refused, and its outbox entry is not written either.
    let again = booking(b.booking.show_id, Some(user), &["A2"], Some("key-1"));
    let second_event = outbox();
    assert!(matches!(
        store
            .insert_booking_with_outbox(&again, &second_event)
            .await,
        Err(StoreError::Duplicate(_))
    ));
    assert_eq!(store.booking(again.booking.id).await.unwrap(), None);
    let pending = store.pending_outbox(1000).await.unwrap();
    assert!(pending.iter().any(|e| e.id == event.id));
    assert!(
        pending.iter().all(|e| e.id != second_event.id),
        "no event for a booking that was not written"
    );

    store.mark_outbox_sent(&[event.id], now()).await.unwrap();
    assert!(store
        .pending_outbox(1000)
        .await
        .unwrap()
        .iter()
        .all(|e| e.id != event.id));
    store.mark_outbox_sent(&[event.id], now()).await.unwrap(); // harmless twice
    let listed = store
        .bookings(&BookingFilter {
            user_id: Some(user),
            ..BookingFilter::default()
        })
        .await
        .unwrap();
    assert_eq!(listed.len(), 1);
}

pub(super) async fn booking_transitions_are_conditional_and_race_free(store: Db) {
    let b = booking(ShowId::from_uuid(Uuid::new_v4()), None, &["A1"], None);
    store
        .insert_booking_with_outbox(&b, &outbox())
        .await
        .unwrap();
    let id = b.booking.id;
    assert_eq!(
        store
            .transition_booking(
                id,
                &[BookingStatus::Confirmed],
                BookingStatus::Refunded,
                None
            )
            .await
            .unwrap(),
        None,
        "not confirmed: no refund"
    );
    let racers: Vec<_> = (0..20)
        .map(|i| {
            let store = store.clone();
            let to = if i % 2 == 0 {
                BookingStatus::Processing
            } else {
                BookingStatus::Cancelled
            };
            tokio::spawn(async move {
                store
                    .transition_booking(id, &[BookingStatus::Pending], to, Some(&outbox()))
                    .await
                    .unwrap()
            })
        })
        .collect();
    let mut winners = Vec::new();
    for racer in racers {
        if let Some(moved) = racer.await.unwrap() {
            winners.push(moved.booking.status);
        }
    }
    assert_eq!(
        winners.len(),
        1,
        "exactly one transition out of pending: {winners:?}"
    );
    assert_eq!(
        store.booking(id).await.unwrap().unwrap().booking.status,
        winners[0]
    );
}

pub(super) async fn a_seat_cannot_be_sold_twice_even_bypassing_the_ledger(store: Db) {
    let show = ShowId::from_uuid(Uuid::new_v4());
    let first = booking(show, None, &["B2", "B3"], None);
    let second = booking(show, None, &["B3", "B4"], None);
    for b in [&first, &second] {
        store
            .insert_booking_with_outbox(b, &outbox())
            .await
            .unwrap();
    }
    store
        .confirm_booking_with_tickets(first.booking.id, &tickets(&first), None)
        .await
        .unwrap()
        .expect("confirmed");
    match store
        .confirm_booking_with_tickets(second.booking.id, &tickets(&second), Some(&outbox()))
        .await
    {
        Err(StoreError::SeatAlreadySold(seats)) => {
            assert_eq!(seats, vec!["B3".parse::<SeatId>().unwrap()])
        }
        other => panic!("the store must refuse the second sale: {other:?}"),
    }
    // Nothing of the refused sale was written.
    assert_eq!(
        store
            .booking(second.booking.id)
            .await
            .unwrap()
            .unwrap()
            .booking
            .status,
        BookingStatus::Pending
    );
    assert!(store
        .tickets_of_booking(second.booking.id)
        .await
        .unwrap()
        .is_empty());
    let live: Vec<String> = store
        .live_tickets_of_show(show)
        .await
        .unwrap()
        .iter()
        .map(|t| t.seat_id.to_string())
        .collect();
    assert_eq!(live, ["B2", "B3"]);
    // Confirming the same booking again changes nothing.
    assert_eq!(
        store
            .confirm_booking_with_tickets(first.booking.id, &[], None)
            .await
            .unwrap(),
        None
    );
}

pub(super) async fn concurrent_confirms_of_one_seat_have_one_winner(store: Db) {
    let show = ShowId::from_uuid(Uuid::new_v4());
    let bookings: Vec<BookingRecord> = (0..30)
        .map(|_| booking(show, None, &["C7"], None))
        .collect();
    for b in &bookings {
        store
            .insert_booking_with_outbox(b, &outbox())
            .await
            .unwrap();
    }
    let tasks: Vec<_> = bookings
        .into_iter()
        .map(|b| {
            let store = store.clone();
            tokio::spawn(async move {
                store
                    .confirm_booking_with_tickets(b.booking.id, &tickets(&b), None)
                    .await
            })
        })
        .collect();
    let (mut sold, mut refused) = (0, 0);
    for task in tasks {
        match task.await.unwrap() {
            Ok(Some(_)) => sold += 1,
            Err(StoreError::SeatAlreadySold(_)) => refused += 1,
            other => panic!("{other:?}"),
        }
    }
    assert_eq!((sold, refused), (1, 29));
    assert_eq!(store.live_tickets_of_show(show).await.unwrap().len(), 1);
}

pub(super) async fn refunds_free_the_seats_for_a_new_sale(store: Db) {
    let show = ShowId::from_uuid(Uuid::new_v4());
    let first = booking(show, None, &["D1"], None);
    let next = booking(show, None, &["D1"], None);
    for b in [&first, &next] {
        store
            .insert_booking_with_outbox(b, &outbox())
            .await
            .unwrap();
    }
    store
        .confirm_booking_with_tickets(first.booking.id, &tickets(&first), None)
        .await
        .unwrap()
        .unwrap();
    let refunded = store
        .refund_booking(
            first.booking.id,
            BookingStatus::Confirmed,
            BookingStatus::Refunding,
            Some(&outbox()),
        )
        .await
        .unwrap()
        .unwrap();
    assert_eq!(refunded.booking.status, BookingStatus::Refunding);
    assert_eq!(
        store
            .refund_booking(
                first.booking.id,
                BookingStatus::Confirmed,
                BookingStatus::Refunding,
                None
            )
            .await
            .unwrap(),
        None,
        "refund once"
    );
    assert!(store.live_tickets_of_show(show).await.unwrap().is_empty());
    let old = store.tickets_of_booking(first.booking.id).await.unwrap();
    assert_eq!(old.len(), 1);
    assert_eq!(old[0].status, TicketStatus::Refunded);
    store
        .confirm_booking_with_tickets(next.booking.id, &tickets(&next), None)
        .await
        .unwrap()
        .expect("resold");
}

pub(super) async fn confirmed(store: &Db, show: ShowId, seats: &[&str]) -> BookingRecord {
    let b = booking(show, None, seats, None);
    store
        .insert_booking_with_outbox(&b, &outbox())
        .await
        .unwrap();
    store
        .confirm_booking_with_tickets(b.booking.id, &tickets(&b), None)
        .await
        .unwrap()
        .unwrap()
}

/// The reconciler and a worker applying one outcome at once: the second confirm of the same
/// booking answers "not pending", never "seats already sold" (which would refund a sale).
pub(super) async fn confirming_a_confirmed_booking_again_is_no_double_sale(store: Db) {
    let show = ShowId::from_uuid(Uuid::new_v4());
    let b = confirmed(&store, show, &["E1", "E2"]).await;
    let again = store
        .confirm_booking_with_tickets(b.booking.id, &tickets(&b), Some(&outbox()))
        .await;
    assert!(matches!(again, Ok(None)), "{again:?}");
    assert_eq!(store.live_tickets_of_show(show).await.unwrap().len(), 2);
}

pub(super) async fn a_refund_claim_voids_the_card_in_the_same_step(store: Db) {
    let show = ShowId::from_uuid(Uuid::new_v4());
    let b = confirmed(&store, show, &["A1", "A2", "A3"]).await;
    store
        .insert_reward(&RewardRecord {
            booking_id: b.booking.id,
            user_id: None,
            prize: "popcorn".into(),
            revealed: false,
            voided: false,
            created_at: now(),
            claim_code: None,
        })
        .await
        .unwrap();
    store
        .refund_booking(
            b.booking.id,
            BookingStatus::Confirmed,
            BookingStatus::Refunding,
            None,
        )
        .await
        .unwrap()
        .expect("claimed");
    assert!(store.reward(b.booking.id).await.unwrap().unwrap().voided);
    assert!(store.live_tickets_of_show(show).await.unwrap().is_empty());
    let done = store
        .transition_booking(
            b.booking.id,
            &[BookingStatus::Refunding],
            BookingStatus::Refunded,
            None,
        )
        .await
        .unwrap()
        .unwrap();
    assert_eq!(done.booking.status, BookingStatus::Refunded);
}

pub(super) async fn an_exchange_is_claimed_once_with_its_new_booking(store: Db) {
    let show = ShowId::from_uuid(Uuid::new_v4());
    let old = confirmed(&store, show, &["B1"]).await;
    let racers: Vec<_> = (0..8)
        .map(|n| {
            let store = store.clone();
            let old = old.booking.id;
            tokio::spawn(async move {
                let mut new = booking(show, None, &[&format!("C{}", n + 1)], None);
                new.exchange_of = Some(old);
                let claimed = store.begin_exchange(old, &new, &outbox()).await.unwrap();
                (new, claimed)
            })
        })
        .collect();
    let mut winners = Vec::new();
    for racer in racers {
        let (new, claimed) = racer.await.unwrap();
        let written = store.booking(new.booking.id).await.unwrap();
        match claimed {
            Some(claimed) => {
                assert_eq!(claimed.booking.status, BookingStatus::Exchanging);
                assert_eq!(claimed.exchange_to, Some(new.booking.id));
                assert_eq!(written.unwrap().exchange_of, Some(old.booking.id));
                winners.push(new.booking.id);
            }
            None => assert_eq!(written, None, "a losing claim writes nothing"),
        }
    }
    assert_eq!(winners.len(), 1, "one exchange wins");
    let stored = store.booking(old.booking.id).await.unwrap().unwrap();
    assert_eq!(stored.exchange_to, Some(winners[0]));
}
