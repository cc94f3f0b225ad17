//! MongoDB documents of the first layout, migrated by two instances at once.

use super::*;

/// A record as the first MongoDB layout stored it: the driver's serialisation of the record
/// (ids as generic binary, times as RFC 3339 strings) under a string `_id`, plus `extra`
/// (the millisecond shadow fields).
fn layout_1_doc<T: serde::Serialize>(
    id: &str,
    record: &T,
    extra: mongodb::bson::Document,
) -> mongodb::bson::Document {
    let mut doc = mongodb::bson::doc! { "_id": id };
    doc.extend(
        mongodb::bson::to_raw_document_buf(record)
            .unwrap()
            .to_document()
            .unwrap(),
    );
    doc.extend(extra);
    doc
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn mongo_documents_of_the_first_layout_are_migrated() {
    use mongodb::bson::{doc, spec::BinarySubtype, Bson, Document};
    use mongodb::options::IndexOptions;
    use mongodb::IndexModel;

    let uri = crate::support::cluster_config()
        .store
        .mongodb_uri
        .expect("MONGODB_URI");
    let uri = secrecy::ExposeSecret::expose_secret(&uri).to_owned();
    let name = format!("eventory_test_{}", Uuid::new_v4().simple());
    let db = eventory_server::store::mongo_conn::connect(&uri, &name)
        .await
        .unwrap();
    let put = |collection: &'static str, docs: Vec<Document>| {
        let db = db.clone();
        async move {
            db.collection::<Document>(collection)
                .insert_many(docs)
                .await
                .unwrap();
        }
    };
    // The first layout's indexes, as its migrate made them.
    let unique = IndexOptions::builder().unique(true).build();
    for (collection, keys, options) in [
        ("users", doc! { "email": 1 }, Some(unique.clone())),
        ("tickets", doc! { "show_id": 1, "seat_id": 1 }, Some(unique)),
        ("bookings", doc! { "user_id": 1, "created_ms": -1 }, None),
        ("shows", doc! { "starts_ms": 1 }, None),
    ] {
        let index = IndexModel::builder().keys(keys).options(options).build();
        db.collection::<Document>(collection)
            .create_index(index)
            .await
            .unwrap();
    }

    let FirstLayout {
        venue,
        show,
        alice,
        bob,
        sold,
        sold_tickets,
        coupon,
    } = first_layout(Duration::days(3));
    let starts_at = show.starts_at;
    let pending = booking(show.id, Some(bob.id), &["B1"], Some("key-1"));
    let payment = PaymentRecord {
        booking_id: sold.booking.id,
        payment_id: Uuid::new_v4(),
        method: PaymentMethod::Card,
        amount: sold.booking.amount,
        status: PaymentStatus::Approved,
        change_due: None,
        reason: None,
        at: now(),
    };
    let event = outbox();
    let processed = Uuid::new_v4();
    let reward = RewardRecord {
        booking_id: sold.booking.id,
        user_id: Some(alice.id),
        prize: "popcorn".into(),
        revealed: false,
        voided: false,
        created_at: now(),
        claim_code: None,
    };
    let token = RefreshTokenRecord {
        token_hash: "hash-1".into(),
        user_id: alice.id,
        expires_at: now() + Duration::days(1),
        revoked: false,
        family: None,
        family_expires_at: None,
        used_at: None,
    };
    let audit = AuditEntry {
        id: Uuid::new_v4(),
        at: now(),
        actor: Some(alice.id),
        action: "old.action".into(),
        subject: "show".into(),
        detail: String::new(),
    };
    let ms = |t: chrono::DateTime<Utc>| t.timestamp_millis();
    put(
        "users",
        [&alice, &bob]
            .iter()
            .map(|u| layout_1_doc(&u.id.to_string(), u, doc! {}))
            .collect(),
    )
    .await;
    put(
        "refresh_tokens",
        vec![layout_1_doc("hash-1", &token, doc! {})],
    )
    .await;
    put(
        "venues",
        vec![layout_1_doc(&venue.id.to_string(), &venue, doc! {})],
    )
    .await;
    put(
        "shows",
        vec![layout_1_doc(
            &show.id.to_string(),
            &show,
            doc! { "starts_ms": ms(show.starts_at) },
        )],
    )
    .await;
    let booking_doc = |b: &BookingRecord| {
        let extra = doc! {
            "created_ms": ms(b.booking.created_at),
            "day": b.booking.created_at.format("%Y-%m-%d").to_string(),
            "seat_count": b.booking.seats.len() as i64,
            "amount_minor": b.booking.amount.amount_minor,
        };
        layout_1_doc(&b.booking.id.to_string(), b, extra)
    };
    put("bookings", vec![booking_doc(&sold), booking_doc(&pending)]).await;
    put(
        "booking_codes",
        [&sold, &pending]
            .iter()
            .map(|b| doc! { "_id": &b.booking.code, "booking_id": b.booking.id.to_string() })
            .collect(),
    )
    .await;
    put(
        "booking_idempotency",
        vec![doc! {
            "_id": format!("{}\nkey-1", bob.id),
            "booking_id": pending.booking.id.to_string(),
        }],
    )
    .await;
    put(
        "tickets",
        sold_tickets
            .iter()
            .map(|t| layout_1_doc(&t.id.to_string(), t, doc! {}))
            .collect(),
    )
    .await;
    put(
        "payments",
        vec![layout_1_doc(
            &payment.booking_id.to_string(),
            &payment,
            doc! {},
        )],
    )
    .await;
    put(
        "outbox",
        vec![layout_1_doc(
            &event.id.to_string(),
            &event,
            doc! { "pending": true, "created_ms": ms(event.created_at) },
        )],
    )
    .await;
    put(
        "processed_events",
        vec![doc! { "_id": format!("booking-worker|{processed}") }],
    )
    .await;
    put(
        "rewards",
        vec![layout_1_doc(
            &reward.booking_id.to_string(),
            &reward,
            doc! {},
        )],
    )
    .await;
    put(
        "loyalty",
        vec![doc! { "_id": alice.id.to_string(), "points": 30_i64 }],
    )
    .await;
    put(
        "loyalty_entries",
        vec![doc! { "_id": format!("earn:{}", sold.booking.id), "user": alice.id.to_string(), "delta": 30_i64 }],
    )
    .await;
    put("coupons", vec![layout_1_doc("OLD10", &coupon, doc! {})]).await;
    put(
        "audit",
        vec![layout_1_doc(
            &audit.id.to_string(),
            &audit,
            doc! { "at_ms": ms(audit.at) },
        )],
    )
    .await;

    // Two instances start together and both migrate; then one migrates again.
    let (one, two) = tokio::join!(
        MongoStore::connect(&uri, &name),
        MongoStore::connect(&uri, &name)
    );
    let (one, two) = (one.unwrap(), two.unwrap());
    let (a, b) = tokio::join!(one.migrate(), two.migrate());
    a.unwrap();
    b.unwrap();
    one.migrate().await.unwrap();
    let store: Db = Arc::new(one);

    // Every record reads back through the store.
    assert_eq!(store.user(alice.id).await.unwrap(), Some(alice.clone()));
    assert_eq!(
        store.user_by_email("bob@example.com").await.unwrap(),
        Some(bob.clone())
    );
    assert_eq!(
        store.users().await.unwrap(),
        vec![alice.clone(), bob.clone()]
    );
    assert!(matches!(
        store
            .insert_user(&user("alice@example.com", Role::Admin))
            .await,
        Err(StoreError::Duplicate(_))
    ));
    let used_at = now();
    assert_eq!(
        store
            .consume_refresh_token("hash-1", used_at)
            .await
            .unwrap(),
        Some(RefreshTokenRecord {
            revoked: true,
            used_at: Some(used_at),
            ..token
        })
    );
    assert_eq!(store.venue(venue.id).await.unwrap(), Some(venue.clone()));
    assert_eq!(store.show(show.id).await.unwrap(), Some(show.clone()));
    let day = ShowFilter {
        date: Some(starts_at.date_naive()),
        venue_id: Some(venue.id),
    };
    assert_eq!(store.shows(&day).await.unwrap(), vec![show.clone()]);
    assert_eq!(
        store.booking(sold.booking.id).await.unwrap(),
        Some(sold.clone())
    );
    assert_eq!(
        store.booking_by_code(&pending.booking.code).await.unwrap(),
        Some(pending.clone())
    );
    assert_eq!(
        store
            .booking_by_idempotency_key(bob.id, "key-1")
            .await
            .unwrap(),
        Some(pending.clone())
    );
    let mine = store
        .bookings(&BookingFilter {
            user_id: Some(alice.id),
            from: Some(now() - Duration::hours(1)),
            ..Default::default()
        })
        .await
        .unwrap();
    assert_eq!(mine, vec![sold.clone()]);
    sold_tickets_read_back(&store, &sold, &sold_tickets).await;
    assert_eq!(store.payment(sold.booking.id).await.unwrap(), Some(payment));
    assert_eq!(store.pending_outbox(10).await.unwrap(), vec![event.clone()]);
    assert!(!store
        .mark_event_processed("booking-worker", processed)
        .await
        .unwrap());
    assert_eq!(store.reward(sold.booking.id).await.unwrap(), Some(reward));
    assert_eq!(store.loyalty_points(alice.id).await.unwrap(), 30);
    assert_eq!(
        store
            .record_loyalty(alice.id, &format!("earn:{}", sold.booking.id), 30)
            .await
            .unwrap(),
        None
    );
    assert_eq!(store.coupons_of_user(alice.id).await.unwrap(), vec![coupon]);
    assert_eq!(store.audit_log(10).await.unwrap(), vec![audit]);
    let report = store
        .sales_report(now() - Duration::days(1), now() + Duration::days(1))
        .await
        .unwrap();
    assert_eq!(report.by_show.len(), 1);
    assert_eq!(
        (report.by_show[0].show_id, report.by_show[0].seats),
        (show.id, 2)
    );
    assert_eq!(report.by_day.len(), 1);
    assert_eq!(report.by_day[0].revenue_minor, 2000);
    // The old tickets still hold their seats.
    a1_cannot_be_sold_again(&store, show.id, bob.id).await;

    // And the documents are in the one representation.
    let raw = db
        .collection::<Document>("bookings")
        .find_one(doc! { "code": &sold.booking.code })
        .await
        .unwrap()
        .unwrap();
    assert!(matches!(raw.get("_id"), Some(Bson::Binary(b)) if b.subtype == BinarySubtype::Uuid));
    assert!(
        matches!(raw.get("show_id"), Some(Bson::Binary(b)) if b.subtype == BinarySubtype::Uuid)
    );
    assert!(matches!(raw.get("created_at"), Some(Bson::DateTime(_))));
    for shadow in ["created_ms", "day", "seat_count", "amount_minor"] {
        assert!(raw.get(shadow).is_none(), "{shadow} is gone");
    }
    for collection in ["users", "tickets", "shows", "audit", "outbox"] {
        let strings = db
            .collection::<Document>(collection)
            .count_documents(doc! { "_id": { "$type": "string" } })
            .await
            .unwrap();
        assert_eq!(strings, 0, "{collection} has no string ids left");
    }
    let meta = db
        .collection::<Document>("meta")
        .find_one(doc! { "_id": "schema" })
        .await
        .unwrap()
        .unwrap();
    assert_eq!(meta.get("version").and_then(Bson::as_i64), Some(2));
}
