//! The catalogue: shows by date and venue, venue and show updates.

use super::*;

pub(super) async fn shows_filter_by_date_and_venue(store: Db) {
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
    let upcoming = store.upcoming_shows(now()).await.unwrap();
    assert!(upcoming.iter().any(|s| s.id == in_two_days.id));
    assert!(upcoming.iter().all(|s| s.id != past.id));
    assert_eq!(store.venue(venue.id).await.unwrap().unwrap(), venue);
}

pub(super) async fn venues_and_shows_can_be_updated(store: Db) {
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
