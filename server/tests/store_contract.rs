//! The store contract: every test runs against BOTH implementations — MongoDB (the real
//! MongoDB-compatible server started by `.ci/run`) and the embedded redb file.

mod common;

use std::collections::BTreeMap;
use std::sync::Arc;

use chrono::{Duration, Utc};
use eventory_server::store::*;
use eventory_shared::api::ShowFilter;
use eventory_shared::*;
use uuid::Uuid;

type Db = Arc<dyn Store>;

macro_rules! contract {
    ($($case:ident),* $(,)?) => {
        mod mongo_store {
            $(
                #[tokio::test(flavor = "multi_thread", worker_threads = 4)]
                async fn $case() {
                    let store: super::Db = std::sync::Arc::new(super::common::mongo_store().await);
                    super::$case(store).await;
                }
            )*
        }
        mod embedded_store {
            $(
                #[tokio::test(flavor = "multi_thread", worker_threads = 4)]
                async fn $case() {
                    let (store, _dir) = super::common::embedded_store().await;
                    let store: super::Db = std::sync::Arc::new(store);
                    super::$case(store).await;
                }
            )*
        }
    };
}

contract!(
    users_are_unique_by_email_and_lookups_are_injection_proof,
    refresh_tokens_work_once,
    shows_filter_by_date_and_venue,
    booking_and_outbox_are_written_together,
    booking_transitions_are_conditional_and_race_free,
    a_seat_cannot_be_sold_twice_even_bypassing_the_ledger,
    concurrent_confirms_of_one_seat_have_one_winner,
    refunds_free_the_seats_for_a_new_sale,
    a_refund_claim_voids_the_card_in_the_same_step,
    confirming_a_confirmed_booking_again_is_no_double_sale,
    an_exchange_is_claimed_once_with_its_new_booking,
    payments_events_rewards_and_coupons_are_once_only,
    loyalty_points_add_up_under_concurrency,
    rewards_reveal_once_and_void_only_unrevealed,
    sales_are_aggregated_by_day_channel_and_show,
    venues_and_shows_can_be_updated,
    audit_log_lists_newest_first,
    migrate_is_idempotent,
);

fn user(email: &str, role: Role) -> UserRecord {
    UserRecord {
        id: UserId::from_uuid(Uuid::new_v4()),
        email: email.into(),
        display_name: "Test".into(),
        password_hash: "$argon2id$v=19$m=19456,t=2,p=1$c2FsdA$aGFzaA".into(),
        role,
        disabled: false,
        created_at: Utc::now(),
    }
}

async fn venue_and_show(store: &Db, starts_in: Duration) -> (Venue, Show) {
    let venue = Venue {
        id: VenueId::from_uuid(Uuid::new_v4()),
        name: "Hall".into(),
        layout: VenueLayout::grid(3, 5, &CategoryId::new("standard"), None),
    };
    store.insert_venue(&venue).await.unwrap();
    let starts_at = Utc::now() + starts_in;
    let show = Show {
        id: ShowId::from_uuid(Uuid::new_v4()),
        venue_id: venue.id,
        title: "Film".into(),
        description: String::new(),
        starts_at,
        prices: BTreeMap::from([(CategoryId::new("standard"), Money::new(1000, Currency::EUR))]),
        sale_opens_at: Utc::now() - Duration::hours(1),
        sale_closes_at: starts_at,
        status: ShowStatus::OnSale,
    };
    store.insert_show(&show).await.unwrap();
    (venue, show)
}

fn booking(show: ShowId, user: Option<UserId>, seats: &[&str], key: Option<&str>) -> BookingRecord {
    let now = Utc::now();
    let id = BookingId::from_uuid(Uuid::new_v4());
    BookingRecord {
        booking: Booking {
            id,
            code: id.to_string()[..8].to_uppercase(),
            show_id: show,
            user_id: user,
            seats: seats.iter().map(|s| s.parse().unwrap()).collect(),
            amount: Money::new(1000 * seats.len() as i64, Currency::EUR),
            channel: Channel::Online,
            payment_method: PaymentMethod::Card,
            status: BookingStatus::Pending,
            created_at: now,
            updated_at: now,
        },
        hold_id: HoldId::from_uuid(Uuid::new_v4()),
        idempotency_key: key.map(str::to_owned),
        cash_tendered: None,
        coupon: None,
        exchange_of: None,
        exchange_to: None,
    }
}

fn outbox() -> OutboxEntry {
    OutboxEntry {
        id: Uuid::new_v4(),
        payload: "{}".into(),
        created_at: Utc::now(),
        sent_at: None,
    }
}

fn tickets(b: &BookingRecord) -> Vec<TicketRecord> {
    b.booking
        .seats
        .iter()
        .map(|seat| TicketRecord {
            id: TicketId::from_uuid(Uuid::new_v4()),
            booking_id: b.booking.id,
            show_id: b.booking.show_id,
            seat_id: seat.clone(),
            qr_token: Uuid::new_v4().to_string(),
            status: TicketStatus::Live,
            issued_at: Utc::now(),
        })
        .collect()
}

async fn users_are_unique_by_email_and_lookups_are_injection_proof(store: Db) {
    let alice = user("Alice@Example.com", Role::Customer);
    store.insert_user(&alice).await.unwrap();
    let twin = user("alice@example.COM ", Role::Admin);
    assert!(matches!(
        store.insert_user(&twin).await,
        Err(StoreError::Duplicate(_))
    ));
    let found = store
        .user_by_email("ALICE@example.com")
        .await
        .unwrap()
        .expect("case-insensitive");
    assert_eq!(found.id, alice.id);
    assert_eq!(found.email, "alice@example.com");
    for hostile in [
        r#"{"$ne": null}"#,
        r#"{"$gt": ""}"#,
        "/.*/",
        "alice@example.com' || '1'=='1",
        "",
    ] {
        assert_eq!(
            store.user_by_email(hostile).await.unwrap(),
            None,
            "{hostile}"
        );
    }
    assert_eq!(
        store.user(alice.id).await.unwrap().unwrap().role,
        Role::Customer
    );
    assert!(store.set_user_disabled(alice.id, true).await.unwrap());
    assert!(store.user(alice.id).await.unwrap().unwrap().disabled);
    assert!(!store
        .set_user_disabled(UserId::from_uuid(Uuid::new_v4()), true)
        .await
        .unwrap());
}

async fn refresh_tokens_work_once(store: Db) {
    let user = UserId::from_uuid(Uuid::new_v4());
    let token = RefreshTokenRecord {
        token_hash: "a".repeat(64),
        user_id: user,
        expires_at: Utc::now() + Duration::days(1),
        revoked: false,
    };
    store.insert_refresh_token(&token).await.unwrap();
    let attempts: Vec<_> = (0..20)
        .map(|_| {
            let store = store.clone();
            tokio::spawn(async move {
                store
                    .consume_refresh_token(&"a".repeat(64), Utc::now())
                    .await
                    .unwrap()
            })
        })
        .collect();
    let mut wins = 0;
    for attempt in attempts {
        wins += usize::from(attempt.await.unwrap().is_some());
    }
    assert_eq!(wins, 1, "a refresh token works exactly once");
    let expired = RefreshTokenRecord {
        token_hash: "b".repeat(64),
        expires_at: Utc::now() - Duration::seconds(1),
        ..token
    };
    store.insert_refresh_token(&expired).await.unwrap();
    assert_eq!(
        store
            .consume_refresh_token(&"b".repeat(64), Utc::now())
            .await
            .unwrap(),
        None
    );
    assert_eq!(
        store
            .consume_refresh_token(r#"{"$ne": null}"#, Utc::now())
            .await
            .unwrap(),
        None
    );
}

async fn shows_filter_by_date_and_venue(store: Db) {
    let (venue, tomorrow) = venue_and_show(&store, Duration::days(1)).await;
    let (_, in_two_days) = venue_and_show(&store, Duration::days(2)).await;
    let (_, past) = venue_and_show(&store, -Duration::hours(2)).await;
    assert_eq!(store.show(tomorrow.id).await.unwrap().unwrap(), tomorrow);
    let by_date = store
        .shows(&ShowFilter {
            date: Some(tomorrow.starts_at.date_naive()),
            venue_id: None,
        })
        .await
        .unwrap();
    assert!(by_date.iter().any(|s| s.id == tomorrow.id));
    assert!(by_date
        .iter()
        .all(|s| s.starts_at.date_naive() == tomorrow.starts_at.date_naive()));
    let by_venue = store
        .shows(&ShowFilter {
            date: None,
            venue_id: Some(venue.id),
        })
        .await
        .unwrap();
    assert_eq!(
        by_venue.iter().map(|s| s.id).collect::<Vec<_>>(),
        [tomorrow.id]
    );
    let upcoming = store.upcoming_shows(Utc::now()).await.unwrap();
    assert!(upcoming.iter().any(|s| s.id == in_two_days.id));
    assert!(upcoming.iter().all(|s| s.id != past.id));
    assert_eq!(store.venue(venue.id).await.unwrap().unwrap(), venue);
}

async fn booking_and_outbox_are_written_together(store: Db) {
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

    store
        .mark_outbox_sent(&[event.id], Utc::now())
        .await
        .unwrap();
    assert!(store
        .pending_outbox(1000)
        .await
        .unwrap()
        .iter()
        .all(|e| e.id != event.id));
    store
        .mark_outbox_sent(&[event.id], Utc::now())
        .await
        .unwrap(); // harmless twice
    let listed = store
        .bookings(&BookingFilter {
            user_id: Some(user),
            ..BookingFilter::default()
        })
        .await
        .unwrap();
    assert_eq!(listed.len(), 1);
}

async fn booking_transitions_are_conditional_and_race_free(store: Db) {
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

async fn a_seat_cannot_be_sold_twice_even_bypassing_the_ledger(store: Db) {
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

async fn concurrent_confirms_of_one_seat_have_one_winner(store: Db) {
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

async fn refunds_free_the_seats_for_a_new_sale(store: Db) {
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

async fn confirmed(store: &Db, show: ShowId, seats: &[&str]) -> BookingRecord {
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
async fn confirming_a_confirmed_booking_again_is_no_double_sale(store: Db) {
    let show = ShowId::from_uuid(Uuid::new_v4());
    let b = confirmed(&store, show, &["E1", "E2"]).await;
    let again = store
        .confirm_booking_with_tickets(b.booking.id, &tickets(&b), Some(&outbox()))
        .await;
    assert!(matches!(again, Ok(None)), "{again:?}");
    assert_eq!(store.live_tickets_of_show(show).await.unwrap().len(), 2);
}

async fn a_refund_claim_voids_the_card_in_the_same_step(store: Db) {
    let show = ShowId::from_uuid(Uuid::new_v4());
    let b = confirmed(&store, show, &["A1", "A2", "A3"]).await;
    store
        .insert_reward(&RewardRecord {
            booking_id: b.booking.id,
            user_id: None,
            prize: "popcorn".into(),
            revealed: false,
            voided: false,
            created_at: Utc::now(),
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

async fn an_exchange_is_claimed_once_with_its_new_booking(store: Db) {
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

async fn payments_events_rewards_and_coupons_are_once_only(store: Db) {
    let booking_id = BookingId::from_uuid(Uuid::new_v4());
    let payment = PaymentRecord {
        booking_id,
        payment_id: Uuid::new_v4(),
        method: PaymentMethod::Card,
        amount: Money::new(2500, Currency::EUR),
        status: PaymentStatus::Approved,
        change_due: None,
        reason: None,
        at: Utc::now(),
    };
    let announced = outbox();
    store
        .insert_payment(&payment, Some(&announced))
        .await
        .unwrap();
    assert!(store
        .pending_outbox(1000)
        .await
        .unwrap()
        .iter()
        .any(|e| e.id == announced.id));
    let second = outbox();
    assert!(matches!(
        store.insert_payment(&payment, Some(&second)).await,
        Err(StoreError::Duplicate(_))
    ));
    assert!(
        !store
            .pending_outbox(1000)
            .await
            .unwrap()
            .iter()
            .any(|e| e.id == second.id),
        "a refused payment writes no event"
    );
    assert_eq!(store.payment(booking_id).await.unwrap().unwrap(), payment);

    let event = Uuid::new_v4();
    assert!(store.mark_event_processed("bookings", event).await.unwrap());
    assert!(!store.mark_event_processed("bookings", event).await.unwrap());
    assert!(
        store.mark_event_processed("payments", event).await.unwrap(),
        "per consumer"
    );

    let reward = RewardRecord {
        booking_id,
        user_id: None,
        prize: "free popcorn".into(),
        revealed: false,
        voided: false,
        created_at: Utc::now(),
    };
    store.insert_reward(&reward).await.unwrap();
    assert!(matches!(
        store.insert_reward(&reward).await,
        Err(StoreError::Duplicate(_))
    ));
    assert_eq!(store.reward(booking_id).await.unwrap().unwrap(), reward);

    let coupon = CouponRecord {
        code: format!("SAVE-{}", Uuid::new_v4().simple()),
        user_id: None,
        percent_off: 20,
        redeemed_by: None,
        created_at: Utc::now(),
    };
    store.insert_coupon(&coupon).await.unwrap();
    let racers: Vec<_> = (0..20)
        .map(|_| {
            let (store, code) = (store.clone(), coupon.code.clone());
            tokio::spawn(async move {
                store
                    .redeem_coupon(&code, BookingId::from_uuid(Uuid::new_v4()))
                    .await
                    .unwrap()
            })
        })
        .collect();
    let mut redeemed = 0;
    for racer in racers {
        redeemed += usize::from(racer.await.unwrap().is_some());
    }
    assert_eq!(redeemed, 1, "a coupon is redeemed once");
    assert_eq!(
        store
            .redeem_coupon(r#"{"$ne": null}"#, booking_id)
            .await
            .unwrap(),
        None
    );
}

async fn loyalty_points_add_up_under_concurrency(store: Db) {
    let user = UserId::from_uuid(Uuid::new_v4());
    // 40 distinct entries, each sent twice at once: every entry counts exactly once.
    let adds: Vec<_> = (0..80)
        .map(|i| {
            let store = store.clone();
            tokio::spawn(async move {
                store
                    .record_loyalty(user, &format!("earn:{}", i % 40), 3)
                    .await
                    .unwrap()
            })
        })
        .collect();
    let mut recorded = 0;
    for add in adds {
        recorded += usize::from(add.await.unwrap().is_some());
    }
    assert_eq!(recorded, 40);
    assert_eq!(store.loyalty_points(user).await.unwrap(), 120);
    assert_eq!(
        store.record_loyalty(user, "refund:x", -20).await.unwrap(),
        Some(100)
    );
    assert_eq!(
        store.record_loyalty(user, "refund:x", -20).await.unwrap(),
        None,
        "once"
    );
    assert_eq!(
        store
            .loyalty_points(UserId::from_uuid(Uuid::new_v4()))
            .await
            .unwrap(),
        0
    );
}

async fn rewards_reveal_once_and_void_only_unrevealed(store: Db) {
    let reward = |booking| RewardRecord {
        booking_id: booking,
        user_id: None,
        prize: "beverage".into(),
        revealed: false,
        voided: false,
        created_at: Utc::now(),
    };
    let scratched = BookingId::from_uuid(Uuid::new_v4());
    store.insert_reward(&reward(scratched)).await.unwrap();
    let racers: Vec<_> = (0..20)
        .map(|_| {
            let store = store.clone();
            tokio::spawn(async move { store.reveal_reward(scratched).await.unwrap() })
        })
        .collect();
    let mut reveals = 0;
    for racer in racers {
        reveals += usize::from(racer.await.unwrap().is_some());
    }
    assert_eq!(reveals, 1, "one reveal of concurrent scratches");
    assert!(
        !store.void_reward(scratched).await.unwrap(),
        "a revealed card is not voided"
    );
    let unscratched = BookingId::from_uuid(Uuid::new_v4());
    store.insert_reward(&reward(unscratched)).await.unwrap();
    assert!(store.void_reward(unscratched).await.unwrap());
    assert_eq!(
        store.reveal_reward(unscratched).await.unwrap(),
        None,
        "voided cards cannot be revealed"
    );
    let stats = store.reward_stats().await.unwrap();
    assert_eq!((stats.issued, stats.revealed, stats.voided), (2, 1, 1));
}

async fn sales_are_aggregated_by_day_channel_and_show(store: Db) {
    let show = ShowId::from_uuid(Uuid::new_v4());
    let other_show = ShowId::from_uuid(Uuid::new_v4());
    for (s, seats, channel) in [
        (show, &["A1", "A2"][..], Channel::Counter),
        (show, &["A3"][..], Channel::Online),
        (other_show, &["A1"][..], Channel::Online),
    ] {
        let mut b = booking(s, None, seats, None);
        b.booking.channel = channel;
        store
            .insert_booking_with_outbox(&b, &outbox())
            .await
            .unwrap();
        store
            .confirm_booking_with_tickets(b.booking.id, &tickets(&b), None)
            .await
            .unwrap()
            .unwrap();
    }
    let pending = booking(show, None, &["B1"], None); // not confirmed: not revenue
    store
        .insert_booking_with_outbox(&pending, &outbox())
        .await
        .unwrap();
    let report = store
        .sales_report(
            Utc::now() - Duration::hours(1),
            Utc::now() + Duration::hours(1),
        )
        .await
        .unwrap();
    let total: i64 = report.by_day.iter().map(|d| d.revenue_minor).sum();
    assert_eq!(total, 4000);
    let counter: Vec<_> = report
        .by_day
        .iter()
        .filter(|d| d.channel == Channel::Counter)
        .collect();
    assert_eq!(
        (counter.len(), counter[0].seats, counter[0].revenue_minor),
        (1, 2, 2000)
    );
    assert_eq!(report.by_show[0].show_id, show, "most seats first");
    assert_eq!(
        (report.by_show[0].seats, report.by_show[0].bookings),
        (3, 2)
    );
    let none = store
        .sales_report(
            Utc::now() - Duration::days(3),
            Utc::now() - Duration::days(2),
        )
        .await
        .unwrap();
    assert!(none.by_day.is_empty() && none.by_show.is_empty());
}

async fn venues_and_shows_can_be_updated(store: Db) {
    let (mut venue, mut show) = venue_and_show(&store, Duration::days(1)).await;
    venue.name = "Renamed".into();
    assert!(store.update_venue(&venue).await.unwrap());
    assert_eq!(
        store.venue(venue.id).await.unwrap().unwrap().name,
        "Renamed"
    );
    show.title = "New title".into();
    show.starts_at += Duration::days(1);
    assert!(store.update_show(&show).await.unwrap());
    assert_eq!(store.show(show.id).await.unwrap().unwrap(), show);
    let stranger = Venue {
        id: VenueId::from_uuid(Uuid::new_v4()),
        ..venue
    };
    assert!(!store.update_venue(&stranger).await.unwrap());
    assert!(store.users().await.is_ok());
}

async fn audit_log_lists_newest_first(store: Db) {
    for i in 0..3 {
        store
            .append_audit(&AuditEntry {
                id: Uuid::new_v4(),
                at: Utc::now() + Duration::milliseconds(i),
                actor: None,
                action: format!("action-{i}"),
                subject: "show".into(),
                detail: String::new(),
            })
            .await
            .unwrap();
    }
    let log = store.audit_log(2).await.unwrap();
    assert_eq!(
        log.iter().map(|e| e.action.as_str()).collect::<Vec<_>>(),
        ["action-2", "action-1"]
    );
}

async fn migrate_is_idempotent(store: Db) {
    store.migrate().await.unwrap();
    store.migrate().await.unwrap();
    store.ping().await.unwrap();
}
