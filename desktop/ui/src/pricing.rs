//! The price of a selection, as the screens show it before holding (the server computes the
//! amount it charges on its own; this is only the preview).

use std::collections::BTreeMap;

use eventory_shared::{Money, SeatId, SeatMap, Show, DEFAULT_TICKET_TYPE};

use crate::sale::Sale;

/// The total of `seats` at `show`'s prices, as adult tickets.
pub fn total(show: &Show, map: &SeatMap, seats: &[SeatId]) -> Option<Money> {
    total_typed(show, map, seats, &BTreeMap::new())
}

/// What a sale of `seats` costs: each seat at the ticket type the sale gives it, less the
/// sale's coupon, as the server computes it.
pub fn sale_total(show: &Show, map: &SeatMap, seats: &[SeatId], sale: &Sale) -> Option<Money> {
    let total = total_typed(show, map, seats, sale.ticket_types())?;
    Some(match sale.coupon() {
        Some(coupon) => total.less_percent(coupon.percent_off),
        None => total,
    })
}

/// The total of `seats`, each of its ticket type in `types` (`adult` if not listed), or
/// `None` if a seat, a type or a price is unknown or currencies are mixed.
pub fn total_typed(
    show: &Show,
    map: &SeatMap,
    seats: &[SeatId],
    types: &BTreeMap<SeatId, String>,
) -> Option<Money> {
    let categories = map.layout.seat_categories();
    let prices = seats
        .iter()
        .map(|seat| {
            let kind = types.get(seat).map_or(DEFAULT_TICKET_TYPE, String::as_str);
            show.seat_price(categories.get(seat)?, kind)
        })
        .collect::<Option<Vec<Money>>>()?;
    Money::sum(prices).ok().flatten()
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::{Duration, Utc};
    use eventory_shared::{
        CategoryId, Currency, PriceCategory, ShowId, ShowStatus, VenueId, VenueLayout,
    };

    #[test]
    fn sums_category_prices() {
        let mut layout = VenueLayout::grid(2, 4, &CategoryId::new("std"), None);
        layout.categories.push(PriceCategory {
            id: CategoryId::new("vip"),
            name: "VIP".into(),
        });
        layout.rows[0].seats[0].category = CategoryId::new("vip");
        let show_id = ShowId::from_uuid(uuid::Uuid::new_v4());
        let now = Utc::now();
        let mut prices = BTreeMap::new();
        prices.insert(CategoryId::new("std"), Money::new(900, Currency::EUR));
        prices.insert(CategoryId::new("vip"), Money::new(1500, Currency::EUR));
        let show = Show {
            id: show_id,
            venue_id: VenueId::from_uuid(uuid::Uuid::new_v4()),
            title: "t".into(),
            description: String::new(),
            starts_at: now + Duration::days(1),
            prices,
            sale_opens_at: now,
            sale_closes_at: now + Duration::days(1),
            status: ShowStatus::OnSale,
            ticket_types: eventory_shared::ticket_type::cinema_types(),
        };
        let map = SeatMap {
            show_id,
            version: 0,
            layout: layout.clone(),
            states: BTreeMap::new(),
        };
        let categories = layout.seat_categories();
        let seats: Vec<SeatId> = vec!["A1".parse().unwrap(), "A2".parse().unwrap()];
        assert_eq!(categories[&seats[0]].as_str(), "vip");
        let expected = 1500 + 900;
        assert_eq!(
            total(&show, &map, &seats),
            Some(Money::new(expected, Currency::EUR))
        );
        let child = BTreeMap::from([(seats[1].clone(), "child".to_owned())]);
        assert_eq!(
            total_typed(&show, &map, &seats, &child),
            Some(Money::new(1500 + 540, Currency::EUR)),
            "a child seat is 40 % off"
        );
        let unknown = BTreeMap::from([(seats[1].clone(), "pensioner".to_owned())]);
        assert_eq!(total_typed(&show, &map, &seats, &unknown), None);
        assert_eq!(total(&show, &map, &["Z99".parse().unwrap()]), None);
        assert_eq!(total(&show, &map, &[]), None);
    }
}
