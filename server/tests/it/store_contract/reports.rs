//! Sales figures and the audit log.

use super::*;

pub(super) async fn sales_are_aggregated_by_day_channel_and_show(store: Db) {
    let show = ShowId::from_uuid(Uuid::new_v4());
    let other_show = ShowId::from_uuid(Uuid::new_v4());
    for (s, seats, channel) in [
        (show, &["A1", "A2"][..], Channel::Counter),
        (show, &["A3"][..], Channel::Online),
        (other_show, &["A1"][..], Channel::Online),
    ] {
        let mut b = booking(s, None, seats, None);
        b.booking.channel = channel;
        if seats.len() == 2 {
            // One child ticket of the two.
            b.booking.ticket_types = BTreeMap::from([(seats[1].parse().unwrap(), "child".into())]);
        }
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
        .sales_report(now() - Duration::hours(1), now() + Duration::hours(1))
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
    assert_eq!(
        report.by_ticket_type,
        BTreeMap::from([("adult".to_owned(), 3), ("child".to_owned(), 1)]),
        "seats per ticket type"
    );
    let none = store
        .sales_report(now() - Duration::days(3), now() - Duration::days(2))
        .await
        .unwrap();
    assert!(none.by_day.is_empty() && none.by_show.is_empty() && none.by_ticket_type.is_empty());
}

pub(super) async fn audit_log_lists_newest_first(store: Db) {
    for i in 0..3 {
        store
            .append_audit(&AuditEntry {
                id: Uuid::new_v4(),
                at: now() + Duration::milliseconds(i),
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
