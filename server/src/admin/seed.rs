//! `eventory-server seed-demo`: a demo venue, a week of shows and one account per role, so a
//! newcomer can try everything. Idempotent: a second run finds the demo venue and adds nothing.

use std::collections::BTreeMap;

use chrono::{Duration, NaiveTime, Utc};
use eventory_shared::{
    CategoryId, Currency, Money, PriceCategory, Role, Show, ShowId, ShowStatus, UserId, Venue,
    VenueId, VenueLayout,
};
use rand::distr::{Alphanumeric, SampleString};
use uuid::Uuid;

use crate::auth::password::hash_password;
use crate::store::{Store, StoreError, UserRecord};

pub const DEMO_VENUE: &str = "Demo Hall 1";

/// What seeding created (passwords in clear, to print once).
#[derive(Debug, Default)]
pub struct SeedReport {
    pub venue: Option<VenueId>,
    pub shows: usize,
    pub accounts: Vec<(Role, String, String)>,
}

/// The demo hall: 12 rows x 20 seats, an aisle after seat 10, rows K-L premium, A1-A2 accessible.
pub fn demo_layout() -> VenueLayout {
    let standard = CategoryId::new("standard");
    let premium = CategoryId::new("premium");
    let mut layout = VenueLayout::grid(12, 20, &standard, Some(10));
    layout.categories.push(PriceCategory {
        id: premium.clone(),
        name: "Premium".into(),
    });
    layout.categories[0].name = "Standard".into();
    for row in layout
        .rows
        .iter_mut()
        .filter(|r| r.label == "K" || r.label == "L")
    {
        for seat in &mut row.seats {
            seat.category = premium.clone();
        }
    }
    for seat in layout.rows[0].seats.iter_mut().take(2) {
        seat.accessible = true;
    }
    layout
}

/// Every seat of a `rows` x `per_row` grid, in drawing order.
pub fn grid(rows: u32, per_row: u16) -> Vec<eventory_shared::SeatId> {
    (0..rows)
        .flat_map(|r| {
            let row = eventory_shared::seat::row_label(r);
            (1..=per_row).map(move |n| eventory_shared::SeatId::new(&row, n).expect("valid seat"))
        })
        .collect()
}

/// Seeds the store; returns what it created.
pub async fn seed_demo(store: &dyn Store) -> anyhow::Result<SeedReport> {
    let mut report = SeedReport::default();
    if store.venues().await?.iter().any(|v| v.name == DEMO_VENUE) {
        return Ok(report);
    }
    let venue = Venue {
        id: VenueId::from_uuid(Uuid::new_v4()),
        name: DEMO_VENUE.into(),
        layout: demo_layout(),
    };
    store.insert_venue(&venue).await?;
    report.venue = Some(venue.id);

    let today = Utc::now().date_naive();
    let films = ["Metropolis", "The Rust Belt", "Last Seat Standing"];
    let times = [(14, 0), (17, 30), (20, 45)];
    for day in 0..7 {
        for (i, (hour, minute)) in times.iter().enumerate() {
            let starts_at = (today + Duration::days(day))
                .and_time(NaiveTime::from_hms_opt(*hour, *minute, 0).expect("valid time"))
                .and_utc();
            if starts_at <= Utc::now() {
                continue;
            }
            let show = Show {
                id: ShowId::from_uuid(Uuid::new_v4()),
                venue_id: venue.id,
                title: films[(day as usize + i) % films.len()].into(),
                description: "Demo screening".into(),
                starts_at,
                prices: BTreeMap::from([
                    (CategoryId::new("standard"), Money::new(1250, Currency::EUR)),
                    (CategoryId::new("premium"), Money::new(1800, Currency::EUR)),
                ]),
                sale_opens_at: Utc::now() - Duration::hours(1),
                sale_closes_at: starts_at,
                status: ShowStatus::OnSale,
                ticket_types: eventory_shared::ticket_type::cinema_types(),
            };
            store.insert_show(&show).await?;
            report.shows += 1;
        }
    }

    for (role, email) in [
        (Role::Admin, "admin@eventory.local"),
        (Role::Cashier, "cashier@eventory.local"),
        (Role::Kiosk, "kiosk-1@eventory.local"),
        (Role::Customer, "customer@eventory.local"),
    ] {
        let password = Alphanumeric.sample_string(&mut rand::rng(), 16);
        let user = UserRecord {
            id: UserId::from_uuid(Uuid::new_v4()),
            email: email.into(),
            display_name: format!("Demo {role}"),
            password_hash: hash_password(&password)?,
            role,
            disabled: false,
            created_at: Utc::now(),
        };
        match store.insert_user(&user).await {
            Ok(()) => report.accounts.push((role, email.into(), password)),
            Err(StoreError::Duplicate(_)) => {}
            Err(e) => return Err(e.into()),
        }
    }
    Ok(report)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_demo_layout_is_valid() {
        let layout = demo_layout();
        assert_eq!(layout.validate().unwrap().len(), 240);
        assert_eq!(layout.rows[11].seats[0].category.as_str(), "premium");
        assert!(layout.rows[0].seats[0].accessible);
    }
}
