//! 5.-6. Redis loses its keys before a flood of holds; the reconciler finishes lost bookings.

use std::collections::BTreeMap;
use std::time::Duration;

use eventory_shared::api::ShowDetail;
use eventory_shared::*;
use reqwest::StatusCode;
use secrecy::ExposeSecret;

use super::harness::*;
use super::Mode;

// ---- 5. Redis loses its keys, then a flood of holds ------------------------------------------

/// A1 is sold; every Redis key of the server goes; 300 customers then try to hold A1 at once.
/// The ledger is rebuilt from the store: none of them gets it.
pub(super) async fn flush_then_a_flood_of_holds_on_a_sold_seat(mode: Mode) {
    assert_eq!(
        mode,
        Mode::Cluster,
        "the embedded ledger lives in the process"
    );
    let h = Harness::start(mode, true).await;
    let show = h.show(3, 10).await;
    let buyer = h.server.token(Role::Customer);
    let sold = h.buy(&buyer, show, &["A1"], Pay::Card).await;
    assert_eq!(h.seat(show, "A1").await, SeatState::Sold);

    let config = &h.server.state.config;
    let url = config
        .ledger
        .redis_url
        .as_ref()
        .expect("cluster mode has Redis");
    let deleted = delete_keys(url.expose_secret(), &config.ledger.redis_namespace).await;
    assert!(deleted > 0, "the server had Redis keys");
    assert!(
        matches!(
            h.server.state.ledger.snapshot(show).await,
            Err(eventory_server::seats::LedgerError::UnknownShow(_))
        ),
        "the ledger lost the show"
    );
    // Past the fast-reject window, so every hold asks the (empty) ledger.
    tokio::time::sleep(eventory_server::seats::FAST_REJECT_WINDOW + Duration::from_millis(50))
        .await;

    let tokens: Vec<String> = (0..300).map(|_| h.server.token(Role::Customer)).collect();
    let answers =
        futures::future::join_all(tokens.iter().map(|t| h.try_hold(t, show, &["A1"]))).await;
    let mut held = Vec::new();
    let mut other = Vec::new();
    for answer in answers {
        match answer {
            Ok(hold) => held.push(hold),
            Err(e)
                if e.status == StatusCode::CONFLICT && e.code() == Some(ErrorCode::SeatsTaken) => {}
            Err(e) => other.push(e),
        }
    }
    assert!(
        held.is_empty(),
        "{} holds got the sold seat A1 after the flush: {:?}",
        held.len(),
        held.first()
    );
    assert!(other.is_empty(), "not seats_taken: {other:?}");

    let detail: ShowDetail = answer(
        h.client.get(h.server.url(&format!("/api/shows/{show}"))),
        StatusCode::OK,
    )
    .await
    .unwrap();
    assert_eq!(
        detail.seat_map.state(&"A1".parse().unwrap()),
        SeatState::Sold,
        "the seat map shows A1 sold"
    );
    assert_eq!(
        h.live_tickets(show).await,
        BTreeMap::from([("A1".to_owned(), sold.id)])
    );
    h.stop().await;
}

/// Deletes every Redis key under `namespace` (SCAN + DEL); returns how many went.
pub(super) async fn delete_keys(url: &str, namespace: &str) -> usize {
    let client = redis::Client::open(url).unwrap();
    let mut conn = client.get_multiplexed_async_connection().await.unwrap();
    let pattern = format!("{namespace}*");
    let mut cursor: u64 = 0;
    let mut deleted = 0;
    loop {
        let (next, keys): (u64, Vec<String>) = redis::cmd("SCAN")
            .arg(cursor)
            .arg("MATCH")
            .arg(&pattern)
            .arg("COUNT")
            .arg(500)
            .query_async(&mut conn)
            .await
            .unwrap();
        if !keys.is_empty() {
            let n: usize = redis::cmd("DEL")
                .arg(&keys)
                .query_async(&mut conn)
                .await
                .unwrap();
            deleted += n;
        }
        if next == 0 {
            return deleted;
        }
        cursor = next;
    }
}

// ---- 6. the reconciler -----------------------------------------------------------------------

/// No workers: a checked-out booking's events are never handled. The reconciler charges and
/// confirms it; a refund claimed but never finished is finished by it too.
pub(super) async fn reconciler_finishes_bookings_whose_events_were_lost(mode: Mode) {
    let h = Harness::start(mode, false).await;
    let ctx = h.server.state.sales.clone();
    let show = h.show(2, 5).await;
    let customer = h.server.token(Role::Customer);
    let held = h.hold(&customer, show, &["A3", "A4"]).await;
    let started = h
        .checkout(&customer, held.hold_id, Pay::Card, None)
        .await
        .unwrap_or_else(|e| panic!("checkout: {e:?}"));
    let id = started.booking.id;
    tokio::time::sleep(Duration::from_millis(300)).await;
    assert_eq!(
        h.booking(id).await.status,
        BookingStatus::Pending,
        "nothing moves it without workers"
    );
    assert!(h.charges_of(&[id]).is_empty());

    let confirmed = reconcile_until(&h, &ctx, id, BookingStatus::Confirmed).await;
    assert_eq!(seat_names(&confirmed), ["A3", "A4"]);
    let tickets = h.server.state.store.tickets_of_booking(id).await.unwrap();
    assert_eq!(
        tickets
            .iter()
            .map(|t| t.seat_id.to_string())
            .collect::<Vec<_>>(),
        ["A3", "A4"]
    );
    let paid = h.payment_id(id).await;
    assert_eq!(
        h.charges_of(&[id]),
        vec![Charge {
            booking: id,
            payment: paid,
            amount_minor: 2000,
            approved: true,
        }],
        "charged once"
    );
    assert_eq!(h.seat(show, "A3").await, SeatState::Sold);

    // A refund decided (claimed) whose process died before anything else.
    let claimed = h
        .server
        .state
        .store
        .refund_booking(id, BookingStatus::Confirmed, BookingStatus::Refunding, None)
        .await
        .unwrap();
    assert_eq!(
        claimed.map(|r| r.booking.status),
        Some(BookingStatus::Refunding)
    );
    let refunded = reconcile_until(&h, &ctx, id, BookingStatus::Refunded).await;
    assert_eq!(refunded.id, id);
    for seat in ["A3", "A4"] {
        assert_eq!(h.seat(show, seat).await, SeatState::Available, "{seat}");
    }
    assert!(h.live_tickets(show).await.is_empty());
    assert_eq!(
        h.refunds_of(&[paid]),
        vec![Refund {
            payment: paid,
            amount_minor: 2000,
        }]
    );
    // Another round finds nothing to do and returns nothing twice.
    eventory_server::sales::reconciler::reconcile_once(&ctx, Duration::ZERO)
        .await
        .unwrap();
    assert_eq!(h.refunds_of(&[paid]).len(), 1);
    assert_eq!(h.charges_of(&[id]).len(), 1);
    h.stop().await;
}

/// Runs reconciler rounds (no grace) until the booking is `want`; a few rounds at most.
pub(super) async fn reconcile_until(
    h: &Harness,
    ctx: &eventory_server::sales::SalesContext,
    booking: BookingId,
    want: BookingStatus,
) -> Booking {
    for _ in 0..5 {
        eventory_server::sales::reconciler::reconcile_once(ctx, Duration::ZERO)
            .await
            .unwrap();
        let now = h.booking(booking).await;
        if now.status == want {
            return now;
        }
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    panic!(
        "the reconciler left booking {booking} {:?}, wanted {want:?}",
        h.booking(booking).await.status
    );
}
