//! An embedded file of the first layout, migrated on open.

use super::*;

/// What the layout-1 file of the migration test holds.
struct Layout1 {
    venue: Venue,
    show: Show,
    users: Vec<UserRecord>,
    bookings: Vec<(BookingRecord, Vec<TicketRecord>)>,
    coupons: Vec<CouponRecord>,
}

/// The embedded file's first layout (no `meta` table, no range indexes), written the way the
/// store wrote it then: JSON records under their id, index tables holding the raw id.
fn write_layout_1_file(path: &std::path::Path, records: &Layout1) {
    use redb::TableDefinition;
    type Def = TableDefinition<'static, &'static str, &'static [u8]>;
    fn json<T: serde::Serialize>(value: &T) -> Vec<u8> {
        serde_json::to_vec(value).unwrap()
    }
    let db = redb::Database::create(path).unwrap();
    let tx = db.begin_write().unwrap();
    {
        let put = |table: &'static str, key: &str, value: &[u8]| {
            tx.open_table(Def::new(table))
                .unwrap()
                .insert(key, value)
                .unwrap();
        };
        let (venue, show) = (&records.venue, &records.show);
        put("venues", &venue.id.to_string(), &json(venue));
        put("shows", &show.id.to_string(), &json(show));
        for user in &records.users {
            put("users", &user.id.to_string(), &json(user));
            put(
                "users_by_email",
                &user.email,
                user.id.to_string().as_bytes(),
            );
        }
        for (b, tickets) in &records.bookings {
            let id = b.booking.id.to_string();
            put("bookings", &id, &json(b));
            put("booking_codes", &b.booking.code, id.as_bytes());
            for t in tickets {
                put("tickets", &t.id.to_string(), &json(t));
                let seat = format!("{}|{}", t.show_id, t.seat_id);
                put("live_seats", &seat, t.id.to_string().as_bytes());
            }
        }
        for c in &records.coupons {
            put("coupons", &c.code, &json(c));
        }
    }
    tx.commit().unwrap();
}

#[tokio::test]
async fn an_embedded_file_of_the_first_layout_is_migrated_on_open() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("old.redb");
    let FirstLayout {
        venue,
        show,
        alice,
        bob,
        sold,
        sold_tickets,
        coupon,
    } = first_layout(Duration::days(2));
    let starts_at = show.starts_at;
    let other = booking(show.id, Some(bob.id), &["B1"], None);
    write_layout_1_file(
        &path,
        &Layout1 {
            venue: venue.clone(),
            show: show.clone(),
            users: vec![alice.clone(), bob.clone()],
            bookings: vec![
                (sold.clone(), sold_tickets.clone()),
                (other.clone(), vec![]),
            ],
            coupons: vec![coupon.clone()],
        },
    );

    let store: Db = Arc::new(EmbeddedStore::open(&path).unwrap());
    store.migrate().await.unwrap();
    // What the old indexes answered still holds.
    assert_eq!(
        store.user_by_email("ALICE@example.com").await.unwrap(),
        Some(alice.clone())
    );
    assert!(matches!(
        store
            .insert_user(&user("bob@example.com", Role::Admin))
            .await,
        Err(StoreError::Duplicate(_))
    ));
    assert_eq!(
        store.booking_by_code(&sold.booking.code).await.unwrap(),
        Some(sold.clone())
    );
    // The range indexes were built from the old records.
    let mine = store
        .bookings(&BookingFilter {
            user_id: Some(alice.id),
            ..Default::default()
        })
        .await
        .unwrap();
    assert_eq!(mine, vec![sold.clone()]);
    let of_show = store
        .bookings(&BookingFilter {
            show_id: Some(show.id),
            ..Default::default()
        })
        .await
        .unwrap();
    assert_eq!(of_show.len(), 2);
    assert_eq!(
        store
            .bookings(&BookingFilter::default())
            .await
            .unwrap()
            .len(),
        2
    );
    sold_tickets_read_back(&store, &sold, &sold_tickets).await;
    let day = ShowFilter {
        date: Some(starts_at.date_naive()),
        venue_id: None,
    };
    assert_eq!(store.shows(&day).await.unwrap(), vec![show.clone()]);
    assert_eq!(
        store.upcoming_shows(now()).await.unwrap(),
        vec![show.clone()]
    );
    assert_eq!(store.coupons_of_user(alice.id).await.unwrap(), vec![coupon]);
    let report = store
        .sales_report(now() - Duration::days(1), now() + Duration::days(1))
        .await
        .unwrap();
    assert_eq!(report.by_show.len(), 1);
    assert_eq!(report.by_show[0].seats, 2);
    // The old live seats still refuse a second sale, and a refund finds the old tickets.
    a1_cannot_be_sold_again(&store, show.id, bob.id).await;
    store
        .refund_booking(
            sold.booking.id,
            BookingStatus::Confirmed,
            BookingStatus::Refunded,
            None,
        )
        .await
        .unwrap()
        .expect("refunded");
    assert!(store
        .live_tickets_of_show(show.id)
        .await
        .unwrap()
        .is_empty());
    drop(store);
    // Opening again (the file is current now) changes nothing.
    let store: Db = Arc::new(EmbeddedStore::open(&path).unwrap());
    assert_eq!(
        store
            .bookings(&BookingFilter::default())
            .await
            .unwrap()
            .len(),
        3
    );
    assert_eq!(
        store
            .tickets_of_booking(sold.booking.id)
            .await
            .unwrap()
            .len(),
        2
    );
}
