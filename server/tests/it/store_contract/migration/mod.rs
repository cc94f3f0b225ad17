//! Upgrades: `migrate` twice is harmless, and data of the first layout (an embedded file,
//! MongoDB documents) reads back through the current store.

use super::*;

mod embedded;
mod mongo;

pub(super) async fn migrate_is_idempotent(store: Db) {
    store.migrate().await.unwrap();
    store.migrate().await.unwrap();
    store.ping().await.unwrap();
}

/// What both first-layout migrations start from: a venue with a show starting `starts_in` from
/// now, Alice and Bob, Alice's confirmed booking of A1 and A2 with its tickets, and her coupon.
struct FirstLayout {
    venue: Venue,
    show: Show,
    alice: UserRecord,
    bob: UserRecord,
    sold: BookingRecord,
    sold_tickets: Vec<TicketRecord>,
    coupon: CouponRecord,
}

fn first_layout(starts_in: Duration) -> FirstLayout {
    let (venue, show) = venue_and_show_records("Old film", starts_in);
    let alice = user("alice@example.com", Role::Customer);
    let bob = user("bob@example.com", Role::Customer);
    let mut sold = booking(show.id, Some(alice.id), &["A1", "A2"], None);
    sold.booking.status = BookingStatus::Confirmed;
    let sold_tickets = tickets(&sold);
    let coupon = CouponRecord {
        code: "OLD10".into(),
        user_id: Some(alice.id),
        percent_off: 10,
        redeemed_by: None,
        created_at: now(),
    };
    FirstLayout {
        venue,
        show,
        alice,
        bob,
        sold,
        sold_tickets,
        coupon,
    }
}

/// The migrated store has exactly `sold`'s tickets, by seat, both for the booking and as the
/// show's live tickets.
async fn sold_tickets_read_back(store: &Db, sold: &BookingRecord, sold_tickets: &[TicketRecord]) {
    let mut expected = sold_tickets.to_vec();
    expected.sort_by(|a, b| a.seat_id.cmp(&b.seat_id));
    assert_eq!(
        store.tickets_of_booking(sold.booking.id).await.unwrap(),
        expected
    );
    assert_eq!(
        store
            .live_tickets_of_show(sold.booking.show_id)
            .await
            .unwrap(),
        expected
    );
}

/// A new booking of A1 (sold in the first layout's data) by `buyer` is stored but cannot be
/// confirmed: the old tickets still hold their seats.
async fn a1_cannot_be_sold_again(store: &Db, show: ShowId, buyer: UserId) {
    let twin = booking(show, Some(buyer), &["A1"], None);
    store
        .insert_booking_with_outbox(&twin, &outbox())
        .await
        .unwrap();
    assert!(matches!(
        store
            .confirm_booking_with_tickets(twin.booking.id, &tickets(&twin), None)
            .await,
        Err(StoreError::SeatAlreadySold(_))
    ));
}
