//! Rebuilding the ledger from the store after Redis loses everything, and seeding the demo.

use std::time::Duration;

use chrono::Utc;
use eventory_server::admin::seed;
use eventory_server::seats::rebuild::rebuild_ledger;
use eventory_server::seats::{HoldOutcome, HoldRequest, SeatLedger};
use eventory_server::store::*;
use eventory_shared::*;
use redis::AsyncCommands;
use uuid::Uuid;

/// Sell seats, wipe every ledger key (what FLUSHALL does to this deployment), rebuild from the
/// store: the sold seats are refused, the others can be held.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sold_seats_survive_a_redis_flush_through_the_store() {
    let store = crate::support::mongo_store().await;
    let namespace = crate::support::test_namespace();
    let url = crate::support::redis_url();
    let ledger = eventory_server::seats::RedisLedger::connect(&url, namespace.clone())
        .await
        .unwrap();
    let show = test_support::show_on_sale(&store, 2, 5).await;
    rebuild_ledger(&store, &ledger).await.unwrap();

    // Sell A1 and A2 the normal way: hold, booking, confirm in ledger and store.
    let HoldOutcome::Held { hold, .. } = ledger
        .hold(HoldRequest {
            show_id: show,
            seats: crate::support::seats(&["A1", "A2"]),
            owner: "buyer".into(),
            ttl: Duration::from_secs(60),
            idempotency_key: None,
            limits: eventory_server::seats::HoldLimits::GENEROUS,
        })
        .await
        .unwrap()
    else {
        panic!("hold");
    };
    let booking_id = BookingId::from_uuid(Uuid::new_v4());
    let now = Utc::now();
    let record = BookingRecord {
        booking: Booking {
            id: booking_id,
            code: "RB000001".into(),
            show_id: show,
            user_id: None,
            customer_id: None,
            ticket_types: Default::default(),
            seats: hold.seats.clone(),
            amount: Money::new(2000, Currency::EUR),
            channel: Channel::Counter,
            payment_method: PaymentMethod::Cash,
            status: BookingStatus::Pending,
            created_at: now,
            updated_at: now,
        },
        hold_id: hold.id,
        idempotency_key: None,
        cash_tendered: None,
        coupon: None,
        exchange_of: None,
        exchange_to: None,
    };
    let outbox = OutboxEntry {
        id: Uuid::new_v4(),
        payload: "{}".into(),
        created_at: now,
        sent_at: None,
    };
    store
        .insert_booking_with_outbox(&record, &outbox)
        .await
        .unwrap();
    let tickets: Vec<TicketRecord> = hold
        .seats
        .iter()
        .map(|seat| TicketRecord {
            id: TicketId::from_uuid(Uuid::new_v4()),
            booking_id,
            show_id: show,
            seat_id: seat.clone(),
            qr_token: "qr".into(),
            status: TicketStatus::Live,
            issued_at: now,
            ticket_type: "adult".into(),
        })
        .collect();
    store
        .confirm_booking_with_tickets(booking_id, &tickets, None)
        .await
        .unwrap()
        .unwrap();
    ledger
        .confirm(show, hold.id, booking_id, &hold.seats)
        .await
        .unwrap();

    // Redis loses everything of this deployment.
    let mut conn = eventory_server::seats::redis_conn::connect(&url)
        .await
        .unwrap();
    let keys: Vec<String> = conn.keys(format!("{namespace}:*")).await.unwrap();
    let _: () = conn.del(keys).await.unwrap();
    assert!(
        ledger.snapshot(show).await.is_err(),
        "the ledger forgot the show"
    );

    let report = rebuild_ledger(&store, &ledger).await.unwrap();
    assert!(report.shows >= 1);
    assert_eq!(report.sold_seats_restored, 2);
    let attempt = |seats: &[&str]| HoldRequest {
        show_id: show,
        seats: crate::support::seats(seats),
        owner: "someone else".into(),
        ttl: Duration::from_secs(60),
        idempotency_key: None,
        limits: eventory_server::seats::HoldLimits::GENEROUS,
    };
    assert_eq!(
        ledger.hold(attempt(&["A2", "A3"])).await.unwrap(),
        HoldOutcome::Taken {
            seats: crate::support::seats(&["A2"])
        },
        "a sold seat is refused after the rebuild"
    );
    assert!(matches!(
        ledger.hold(attempt(&["A3"])).await.unwrap(),
        HoldOutcome::Held { .. }
    ));
}

#[tokio::test]
async fn seed_demo_creates_a_venue_shows_and_accounts_once() {
    let (store, _dir) = crate::support::embedded_store().await;
    let report = seed::seed_demo(&store).await.unwrap();
    assert!(report.venue.is_some());
    assert!(
        report.shows >= 18,
        "about a week of shows: {}",
        report.shows
    );
    assert_eq!(report.accounts.len(), 4);
    for (role, email, password) in &report.accounts {
        let user = store.user_by_email(email).await.unwrap().unwrap();
        assert_eq!(user.role, *role);
        assert!(eventory_server::auth::password::verify_password(
            password,
            &user.password_hash
        ));
    }
    let again = seed::seed_demo(&store).await.unwrap();
    assert!(again.venue.is_none() && again.shows == 0 && again.accounts.is_empty());
    assert_eq!(store.venues().await.unwrap().len(), 1);
}
