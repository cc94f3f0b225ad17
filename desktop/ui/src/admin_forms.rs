//! The admin's forms, checked before anything is sent: a new show (title, venue, start, a
//! price for every category of the venue) and a new rectangular venue.

use chrono::{DateTime, Duration, NaiveDate, NaiveDateTime, NaiveTime, Utc};
use eventory_shared::api::{ShowRequest, VenueRequest};
use eventory_shared::{CategoryId, Currency, ShowStatus, Venue, VenueLayout};

use crate::cash::parse_amount;

/// What the new-show form holds (as typed).
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct ShowForm {
    pub title: String,
    pub date: String,
    pub time: String,
    /// One typed price per category of the venue, in its order.
    pub prices: Vec<String>,
}

/// Builds the request, or says what to fix. `to_utc` turns the local start into UTC (the
/// device's time zone); sales open at `now` and close when the show starts.
pub fn show_request(
    form: &ShowForm,
    venue: &Venue,
    currency: Currency,
    now: DateTime<Utc>,
    to_utc: impl Fn(NaiveDateTime) -> Option<DateTime<Utc>>,
) -> Result<ShowRequest, String> {
    let title = form.title.trim();
    if title.is_empty() {
        return Err("Give the show a title.".into());
    }
    if title.chars().count() > 200 {
        return Err("The title is too long (200 characters at most).".into());
    }
    let date = NaiveDate::parse_from_str(form.date.trim(), "%Y-%m-%d")
        .map_err(|_| "Pick a date.".to_string())?;
    let time = NaiveTime::parse_from_str(form.time.trim(), "%H:%M")
        .map_err(|_| "Pick a start time.".to_string())?;
    let starts_at = to_utc(date.and_time(time)).ok_or("That time does not exist here.")?;
    if starts_at <= now + Duration::minutes(5) {
        return Err("The show must start in the future.".into());
    }
    let categories = &venue.layout.categories;
    if form.prices.len() != categories.len() {
        return Err("Give a price for every category.".into());
    }
    let mut prices = std::collections::BTreeMap::new();
    for (category, typed) in categories.iter().zip(&form.prices) {
        let price = parse_amount(typed, currency)
            .map_err(|e| format!("Price of {}: {e}", category.name))?;
        if price.amount_minor <= 0 {
            return Err(format!(
                "Price of {}: must be more than zero.",
                category.name
            ));
        }
        prices.insert(category.id.clone(), price);
    }
    Ok(ShowRequest {
        venue_id: venue.id,
        title: title.to_owned(),
        description: String::new(),
        starts_at,
        prices,
        sale_opens_at: now,
        sale_closes_at: starts_at,
        status: ShowStatus::OnSale,
        // The usual discounts of a cinema; adult is the category price.
        ticket_types: eventory_shared::ticket_type::cinema_types(),
    })
}

/// A rectangular venue: `rows` rows of `per_row` seats, an aisle after every `aisle_every`
/// seats (0: none), one "Standard" category.
pub fn venue_request(
    name: &str,
    rows: &str,
    per_row: &str,
    aisle_every: &str,
) -> Result<VenueRequest, String> {
    let name = name.trim();
    if name.is_empty() {
        return Err("Give the venue a name.".into());
    }
    let number = |text: &str, what: &str, max: u32| -> Result<u32, String> {
        match text.trim().parse::<u32>() {
            Ok(n) if n <= max => Ok(n),
            _ => Err(format!("{what}: a whole number up to {max}.")),
        }
    };
    let rows = number(rows, "Rows", 26)?;
    let per_row = number(per_row, "Seats per row", 99)?;
    let aisle = number(aisle_every, "Aisle after every", 99)?;
    if rows == 0 || per_row == 0 {
        return Err("A venue needs at least one row of one seat.".into());
    }
    let mut layout = VenueLayout::grid(
        rows,
        per_row as u16,
        &CategoryId::new("standard"),
        (aisle > 0).then_some(aisle as u16),
    );
    layout.categories[0].name = "Standard".into();
    Ok(VenueRequest {
        name: name.to_owned(),
        layout,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use eventory_shared::{Money, VenueId};

    fn hall() -> Venue {
        let mut layout = VenueLayout::grid(2, 4, &CategoryId::new("standard"), None);
        layout.categories.push(eventory_shared::PriceCategory {
            id: CategoryId::new("premium"),
            name: "Premium".into(),
        });
        Venue {
            id: VenueId::from_uuid(uuid::Uuid::new_v4()),
            name: "Hall".into(),
            layout,
        }
    }

    fn utc(naive: NaiveDateTime) -> Option<DateTime<Utc>> {
        Some(naive.and_utc())
    }

    #[test]
    fn a_complete_form_becomes_a_request() {
        let now = DateTime::from_timestamp(1_800_000_000, 0).unwrap();
        let form = ShowForm {
            title: "  Metropolis ".into(),
            date: (now + Duration::days(1)).format("%Y-%m-%d").to_string(),
            time: "20:15".into(),
            prices: vec!["12.50".into(), "18".into()],
        };
        let request = show_request(&form, &hall(), Currency::EUR, now, utc).unwrap();
        assert_eq!(request.title, "Metropolis");
        assert_eq!(request.starts_at.format("%H:%M").to_string(), "20:15");
        assert_eq!(request.sale_opens_at, now);
        assert_eq!(request.sale_closes_at, request.starts_at);
        assert_eq!(
            request.prices[&CategoryId::new("premium")],
            Money::new(1800, Currency::EUR)
        );
    }

    #[test]
    fn what_is_missing_or_wrong_is_named() {
        let now = DateTime::from_timestamp(1_800_000_000, 0).unwrap();
        let tomorrow = (now + Duration::days(1)).format("%Y-%m-%d").to_string();
        let good = ShowForm {
            title: "T".into(),
            date: tomorrow.clone(),
            time: "20:00".into(),
            prices: vec!["10".into(), "15".into()],
        };
        let check = |f: ShowForm| show_request(&f, &hall(), Currency::EUR, now, utc).unwrap_err();
        assert!(check(ShowForm {
            title: " ".into(),
            ..good.clone()
        })
        .contains("title"));
        assert!(check(ShowForm {
            date: "".into(),
            ..good.clone()
        })
        .contains("date"));
        assert!(check(ShowForm {
            time: "25:00".into(),
            ..good.clone()
        })
        .contains("time"));
        let yesterday = (now - Duration::days(1)).format("%Y-%m-%d").to_string();
        assert!(check(ShowForm {
            date: yesterday,
            ..good.clone()
        })
        .contains("future"));
        assert!(check(ShowForm {
            prices: vec!["10".into()],
            ..good.clone()
        })
        .contains("every"));
        assert!(check(ShowForm {
            prices: vec!["10".into(), "abc".into()],
            ..good.clone()
        })
        .contains("Premium"));
        assert!(check(ShowForm {
            prices: vec!["0".into(), "1".into()],
            ..good
        })
        .contains("more than zero"));
    }

    #[test]
    fn venues_are_checked() {
        let v = venue_request("Hall 2", "10", "20", "10").unwrap();
        assert_eq!(v.layout.capacity(), 200);
        assert!(v.layout.validate().is_ok());
        assert!(venue_request("", "1", "1", "0").is_err());
        assert!(venue_request("X", "0", "5", "0").is_err());
        assert!(venue_request("X", "27", "5", "0").is_err());
        assert!(venue_request("X", "5", "-1", "0").is_err());
    }
}
