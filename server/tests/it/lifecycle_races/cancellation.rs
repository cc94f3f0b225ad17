//! 7. Cancelling a show refunds every sold booking once, even with the server stopped midway:
//!    the show's `cancelled` status is the record the restarted server's reconciler goes on
//!    from; money moves once per booking (the payment journal), no ticket stays valid.

use std::time::Duration;

use eventory_shared::api::CancellationProgress;
use eventory_shared::*;
use reqwest::StatusCode;
use serde_json::json;

use super::harness::*;
use super::Mode;

const BUYERS: usize = 20;

pub(super) async fn cancelling_a_show_refunds_everything_once_across_a_restart(mode: Mode) {
    // 40 ms per card refund: the 20 refunds take about a second, the restart comes in between.
    let h = Harness::start_with(mode, true, Duration::from_millis(40)).await;
    let show = h.show(4, 10).await;
    let mut sold = Vec::new();
    for i in 0..BUYERS {
        let token = h.server.token(Role::Customer);
        let seats = [format!("{}{}", ["A", "B", "C", "D"][i / 5], i % 5 * 2 + 1)];
        let seats: Vec<&str> = seats.iter().map(String::as_str).collect();
        let booking = h.buy(&token, show, &seats, Pay::Card).await;
        assert_eq!(booking.status, BookingStatus::Confirmed);
        sold.push(booking.id);
    }
    let first = h.booking(sold[0]).await.customer_id.unwrap();
    crate::support::wait_until(
        "the first buyer's point",
        Duration::from_secs(10),
        || async { (h.server.state.store.loyalty_points(first).await.unwrap() == 1).then_some(()) },
    )
    .await;
    // A hold still open when the show is cancelled cannot be paid any more.
    let late = h.server.token(Role::Customer);
    let open_hold = h.hold(&late, show, &["D10"]).await;

    let cancel = h
        .post(
            &h.admin,
            &format!("/api/admin/shows/{show}/cancel"),
            json!({"reason": "the band is ill"}),
        )
        .send()
        .await
        .unwrap();
    assert_eq!(cancel.status(), StatusCode::ACCEPTED);
    let started: CancellationProgress = cancel.json().await.unwrap();
    assert_eq!(started.bookings, BUYERS as u64);
    let refused = h
        .checkout(&late, open_hold.hold_id, Pay::Card, None)
        .await
        .unwrap_err();
    // Refused as a cancelled show (409), or the hold is released already (404).
    assert!(
        matches!(refused.status, StatusCode::CONFLICT | StatusCode::NOT_FOUND),
        "no payment for a cancelled show: {refused:?}"
    );
    crate::support::wait_until(
        "the open hold released",
        Duration::from_secs(10),
        || async {
            h.server
                .state
                .ledger
                .get_hold(open_hold.hold_id)
                .await
                .unwrap()
                .is_none()
                .then_some(())
        },
    )
    .await;

    // Stopped midway.
    tokio::time::sleep(Duration::from_millis(250)).await;
    let midway = progress(&h, show).await;
    let h = h.restart().await;
    assert!(
        midway.refunded < BUYERS as u64,
        "the restart came before the last refund: {midway:?}"
    );

    // The restarted server refunds the rest by itself.
    let done = crate::support::wait_until(
        "every booking refunded",
        Duration::from_secs(60),
        || async {
            let now = progress(&h, show).await;
            (now.remaining == 0).then_some(now)
        },
    )
    .await;
    assert_eq!(
        (done.bookings, done.refunded),
        (BUYERS as u64, BUYERS as u64)
    );
    let mut payments = Vec::new();
    for &id in &sold {
        let booking = h.booking(id).await;
        assert_eq!(booking.status, BookingStatus::Refunded);
        let buyer = booking.customer_id.expect("an online buyer");
        let points = h.server.state.store.loyalty_points(buyer).await.unwrap();
        assert_eq!(points, 0, "the loyalty point of the seat is taken back");
        payments.push(h.payment_id(id).await);
    }
    let refunds = h.refunds_of(&payments);
    assert_eq!(refunds.len(), BUYERS, "one refund per payment: {refunds:?}");
    for payment in &payments {
        assert_eq!(refunds.iter().filter(|r| r.payment == *payment).count(), 1);
    }
    assert!(refunds.iter().all(|r| r.amount_minor == 1000));
    assert!(
        h.live_tickets(show).await.is_empty(),
        "no ticket of the show is valid"
    );
    h.stop().await;
}

async fn progress(h: &Harness, show: ShowId) -> CancellationProgress {
    h.client
        .get(
            h.server
                .url(&format!("/api/admin/shows/{show}/cancellation")),
        )
        .bearer_auth(&h.admin)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap()
}
