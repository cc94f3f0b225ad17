//! Ticket types: adult, child, senior, student, concession... A show offers its own list; each
//! type is the seat's category price less a discount, or a fixed price per category. A seat
//! sold without a type is `adult`, at the category price (unless the show defines `adult`
//! itself). Prices are always computed by the server.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

use crate::money::Money;
use crate::venue::CategoryId;

/// The type of a seat sold without one.
pub const DEFAULT_TICKET_TYPE: &str = "adult";

/// One kind of ticket a show sells.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct TicketType {
    /// A short id: lower-case letters, digits and `-`, 1 to 32 (e.g. `child`).
    #[cfg_attr(feature = "openapi", schema(pattern = "^[a-z0-9-]{1,32}$"))]
    pub id: String,
    /// What staff and customers see ("Child (under 12)"), 1 to 60 characters.
    #[cfg_attr(feature = "openapi", schema(pattern = r"\S", max_length = 60))]
    pub name: String,
    /// The discount off the category's price, in percent (0 to 100).
    #[serde(default, deserialize_with = "crate::integral::u32")]
    #[cfg_attr(feature = "openapi", schema(maximum = 100))]
    pub percent_off: u32,
    /// A fixed price per category instead of the discount (categories not listed use it).
    #[serde(default)]
    pub prices: BTreeMap<CategoryId, Money>,
}

impl TicketType {
    /// The type every show sells: the category price.
    pub fn adult() -> Self {
        Self {
            id: DEFAULT_TICKET_TYPE.into(),
            name: "Adult".into(),
            percent_off: 0,
            prices: BTreeMap::new(),
        }
    }

    /// One seat of this type in a category whose price is `category_price`.
    pub fn price(&self, category: &CategoryId, category_price: Money) -> Money {
        match self.prices.get(category) {
            Some(fixed) => *fixed,
            None => category_price.less_percent(self.percent_off.min(100)),
        }
    }

    /// Why this type cannot be offered, if it cannot.
    pub fn problem(&self) -> Option<String> {
        let id_ok = (1..=32).contains(&self.id.len())
            && self
                .id
                .chars()
                .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-');
        if !id_ok {
            return Some(format!(
                "ticket type id {:?}: 1 to 32 lower-case letters, digits or -",
                self.id
            ));
        }
        let name = self.name.trim();
        if name.is_empty() || name.chars().count() > 60 {
            return Some(format!(
                "ticket type {}: a name of 1 to 60 characters",
                self.id
            ));
        }
        if self.percent_off > 100 {
            return Some(format!("ticket type {}: percent_off is 0 to 100", self.id));
        }
        if self.prices.values().any(|m| m.amount_minor < 0) {
            return Some(format!("ticket type {}: prices are not negative", self.id));
        }
        None
    }
}

/// The usual discounts of a cinema: child 40 % off, senior 30 %, student 20 % (adult is
/// always offered besides).
pub fn cinema_types() -> Vec<TicketType> {
    [
        ("child", "Child", 40),
        ("senior", "Senior", 30),
        ("student", "Student", 20),
    ]
    .into_iter()
    .map(|(id, name, percent_off)| TicketType {
        id: id.into(),
        name: name.into(),
        percent_off,
        prices: BTreeMap::new(),
    })
    .collect()
}

/// The types a show with `own` types offers: its own, and `adult` at the category price
/// unless it defines `adult` itself.
pub fn offered(own: &[TicketType]) -> Vec<TicketType> {
    let mut all = own.to_vec();
    if !all.iter().any(|t| t.id == DEFAULT_TICKET_TYPE) {
        all.insert(0, TicketType::adult());
    }
    all
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::money::Currency;

    #[test]
    fn a_type_is_a_discount_or_a_fixed_price_per_category() {
        let (standard, premium) = (CategoryId::new("standard"), CategoryId::new("premium"));
        let child = TicketType {
            id: "child".into(),
            name: "Child".into(),
            percent_off: 40,
            prices: BTreeMap::from([(premium.clone(), Money::new(900, Currency::EUR))]),
        };
        let price = Money::new(1250, Currency::EUR);
        assert_eq!(
            child.price(&standard, price),
            Money::new(750, Currency::EUR)
        );
        assert_eq!(child.price(&premium, price), Money::new(900, Currency::EUR));
        assert_eq!(TicketType::adult().price(&standard, price), price);
        assert_eq!(child.problem(), None);
        let offered = offered(std::slice::from_ref(&child));
        assert_eq!(
            offered[0].id, DEFAULT_TICKET_TYPE,
            "adult is always on offer"
        );
        assert_eq!(offered.len(), 2);
        let bad = TicketType {
            id: "Child!".into(),
            ..child.clone()
        };
        assert!(bad.problem().is_some());
        let too_much = TicketType {
            percent_off: 101,
            ..child
        };
        assert!(too_much.problem().is_some());
    }
}
