//! Shows: one screening or performance in a venue at a time, with prices per category.

use std::collections::BTreeMap;

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use crate::ids::{ShowId, VenueId};
use crate::money::Money;
use crate::venue::CategoryId;

/// Whether a show sells tickets.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum ShowStatus {
    /// Created but not yet on sale.
    Draft,
    /// On sale within its sale window.
    OnSale,
    /// Cancelled: no sales, tickets to be refunded.
    Cancelled,
}

/// A show of an event (a film, a concert) in a venue.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Show {
    pub id: ShowId,
    pub venue_id: VenueId,
    pub title: String,
    #[serde(default)]
    pub description: String,
    pub starts_at: DateTime<Utc>,
    /// The price of one seat per price category of the venue.
    pub prices: BTreeMap<CategoryId, Money>,
    pub sale_opens_at: DateTime<Utc>,
    pub sale_closes_at: DateTime<Utc>,
    pub status: ShowStatus,
    /// The show's own ticket types (child, senior, ...); `adult`, at the category price, is
    /// always on offer too.
    #[serde(default)]
    pub ticket_types: Vec<crate::TicketType>,
}

impl Show {
    /// Every ticket type on offer, `adult` first unless the show defines it.
    pub fn offered_types(&self) -> Vec<crate::TicketType> {
        crate::ticket_type::offered(&self.ticket_types)
    }

    /// One seat of `category` as ticket type `type_id`; `None` for an unknown type or an
    /// unpriced category.
    pub fn seat_price(&self, category: &CategoryId, type_id: &str) -> Option<Money> {
        let base = *self.prices.get(category)?;
        self.offered_types()
            .iter()
            .find(|t| t.id == type_id)
            .map(|t| t.price(category, base))
    }

    /// Whether tickets can be sold at `now`.
    pub fn is_on_sale(&self, now: DateTime<Utc>) -> bool {
        self.status == ShowStatus::OnSale && self.sale_opens_at <= now && now < self.sale_closes_at
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::money::Currency;
    use chrono::TimeZone;
    use uuid::Uuid;

    #[test]
    fn sale_window_and_status_decide_sales() {
        let at = |h| Utc.with_ymd_and_hms(2026, 12, 1, h, 0, 0).unwrap();
        let show = Show {
            id: ShowId::from_uuid(Uuid::from_u128(1)),
            venue_id: VenueId::from_uuid(Uuid::from_u128(2)),
            title: "Metropolis".into(),
            description: String::new(),
            starts_at: at(20),
            prices: BTreeMap::from([(
                CategoryId::new("standard"),
                Money::new(1250, Currency::EUR),
            )]),
            sale_opens_at: at(8),
            sale_closes_at: at(20),
            status: ShowStatus::OnSale,
            ticket_types: Vec::new(),
        };
        assert!(!show.is_on_sale(at(7)));
        assert!(show.is_on_sale(at(8)));
        assert!(!show.is_on_sale(at(20)));
        let json = serde_json::to_string(&show).unwrap();
        assert_eq!(serde_json::from_str::<Show>(&json).unwrap(), show);
        let cancelled = Show {
            status: ShowStatus::Cancelled,
            ..show
        };
        assert!(!cancelled.is_on_sale(at(12)));
    }
}
