//! Venue seat layouts: rows of seats placed on a grid (so aisles and gaps are just empty
//! columns), each seat with a price category and an accessibility flag.

use std::collections::{BTreeMap, BTreeSet};

use serde::{Deserialize, Serialize};

use crate::ids::VenueId;
use crate::seat::{SeatId, SeatIdError};

/// A price category of a venue ("standard", "premium"); prices are set per show.
#[derive(Clone, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(transparent)]
pub struct CategoryId(pub String);

impl CategoryId {
    pub fn new(id: impl Into<String>) -> Self {
        Self(id.into())
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

/// A named price category, e.g. `{id: "premium", name: "Premium"}`.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct PriceCategory {
    pub id: CategoryId,
    pub name: String,
}

/// One seat of a row: its number, its column on the drawing grid (columns left empty are aisles
/// or gaps), its price category, and whether it is wheelchair accessible.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct SeatSpec {
    /// 1 to 999 (`MAX_SEAT_NUMBER`).
    #[cfg_attr(feature = "openapi", schema(minimum = 1, maximum = 999))]
    #[serde(deserialize_with = "crate::integral::u16")]
    pub number: u16,
    #[cfg_attr(feature = "openapi", schema(maximum = 65535))]
    #[serde(deserialize_with = "crate::integral::u16")]
    pub column: u16,
    pub category: CategoryId,
    #[serde(default)]
    pub accessible: bool,
}

/// One row of seats, labelled "A", "B", ...
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct RowLayout {
    /// 1 to 3 letters (`MAX_ROW_LABEL_LEN`).
    #[cfg_attr(feature = "openapi", schema(pattern = "^[A-Za-z]{1,3}$"))]
    pub label: String,
    pub seats: Vec<SeatSpec>,
}

/// The seat layout of a venue.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct VenueLayout {
    pub categories: Vec<PriceCategory>,
    pub rows: Vec<RowLayout>,
}

/// A venue with its layout.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Venue {
    pub id: VenueId,
    pub name: String,
    pub layout: VenueLayout,
}

/// Why a layout is not usable.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum LayoutError {
    #[error("the layout has no seats")]
    NoSeats,
    #[error(transparent)]
    BadSeat(#[from] SeatIdError),
    #[error("seat {0} appears twice")]
    DuplicateSeat(SeatId),
    #[error("row {0} appears twice")]
    DuplicateRow(String),
    #[error("row {row}: two seats share column {column}")]
    DuplicateColumn { row: String, column: u16 },
    #[error("seat {seat} uses unknown price category {category:?}")]
    UnknownCategory { seat: SeatId, category: String },
}

impl VenueLayout {
    /// A rectangular layout: `rows` rows of `seats_per_row` seats, all in one category, with an
    /// aisle (an empty column) after every `aisle_every` seats if given.
    pub fn grid(
        rows: u32,
        seats_per_row: u16,
        category: &CategoryId,
        aisle_every: Option<u16>,
    ) -> Self {
        let rows = (0..rows)
            .map(|r| RowLayout {
                label: crate::seat::row_label(r),
                seats: (1..=seats_per_row)
                    .map(|n| SeatSpec {
                        number: n,
                        column: n - 1 + aisle_every.map_or(0, |every| (n - 1) / every.max(1)),
                        category: category.clone(),
                        accessible: false,
                    })
                    .collect(),
            })
            .collect();
        VenueLayout {
            categories: vec![PriceCategory {
                id: category.clone(),
                name: category.as_str().to_owned(),
            }],
            rows,
        }
    }

    /// Checks the layout: valid and unique seat ids and rows, one seat per grid cell, categories
    /// declared. Returns every seat, in drawing order.
    pub fn validate(&self) -> Result<Vec<SeatId>, LayoutError> {
        let categories: BTreeSet<&str> = self.categories.iter().map(|c| c.id.as_str()).collect();
        let mut rows = BTreeSet::new();
        let mut seen = BTreeSet::new();
        for row in &self.rows {
            if !rows.insert(row.label.to_ascii_uppercase()) {
                return Err(LayoutError::DuplicateRow(row.label.clone()));
            }
            let mut columns = BTreeSet::new();
            for spec in &row.seats {
                let seat = SeatId::new(&row.label, spec.number)?;
                if !columns.insert(spec.column) {
                    return Err(LayoutError::DuplicateColumn {
                        row: row.label.clone(),
                        column: spec.column,
                    });
                }
                if !categories.contains(spec.category.as_str()) {
                    return Err(LayoutError::UnknownCategory {
                        seat,
                        category: spec.category.0.clone(),
                    });
                }
                if !seen.insert(seat.clone()) {
                    return Err(LayoutError::DuplicateSeat(seat));
                }
            }
        }
        if seen.is_empty() {
            return Err(LayoutError::NoSeats);
        }
        Ok(seen.into_iter().collect())
    }

    /// Every seat with its category, for pricing.
    pub fn seat_categories(&self) -> BTreeMap<SeatId, CategoryId> {
        self.rows
            .iter()
            .flat_map(|row| {
                row.seats.iter().filter_map(move |spec| {
                    SeatId::new(&row.label, spec.number)
                        .ok()
                        .map(|seat| (seat, spec.category.clone()))
                })
            })
            .collect()
    }

    /// Number of seats.
    pub fn capacity(&self) -> usize {
        self.rows.iter().map(|r| r.seats.len()).sum()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn std_cat() -> CategoryId {
        CategoryId::new("standard")
    }

    #[test]
    fn grid_layout_validates_with_aisles_as_empty_columns() {
        let layout = VenueLayout::grid(12, 20, &std_cat(), Some(10));
        let seats = layout.validate().unwrap();
        assert_eq!(seats.len(), 240);
        assert_eq!(layout.capacity(), 240);
        assert_eq!(seats.first().unwrap().to_string(), "A1");
        assert_eq!(seats.last().unwrap().to_string(), "L20");
        let row = &layout.rows[0];
        assert_eq!(row.seats[9].column, 9);
        assert_eq!(row.seats[10].column, 11, "column 10 is the aisle");
    }

    #[test]
    fn rejects_broken_layouts() {
        let mut dup = VenueLayout::grid(1, 2, &std_cat(), None);
        dup.rows[0].seats[1].number = 1;
        assert!(matches!(dup.validate(), Err(LayoutError::DuplicateSeat(_))));

        let mut col = VenueLayout::grid(1, 2, &std_cat(), None);
        col.rows[0].seats[1].column = 0;
        assert!(matches!(
            col.validate(),
            Err(LayoutError::DuplicateColumn { .. })
        ));

        let mut cat = VenueLayout::grid(1, 2, &std_cat(), None);
        cat.rows[0].seats[0].category = CategoryId::new("vip");
        assert!(matches!(
            cat.validate(),
            Err(LayoutError::UnknownCategory { .. })
        ));

        let mut bad_row = VenueLayout::grid(1, 2, &std_cat(), None);
        bad_row.rows[0].label = "1".into();
        assert!(matches!(bad_row.validate(), Err(LayoutError::BadSeat(_))));

        let mut two_rows = VenueLayout::grid(2, 2, &std_cat(), None);
        two_rows.rows[1].label = "a".into();
        assert!(matches!(
            two_rows.validate(),
            Err(LayoutError::DuplicateRow(_))
        ));

        let empty = VenueLayout::grid(0, 2, &std_cat(), None);
        assert_eq!(empty.validate(), Err(LayoutError::NoSeats));
    }

    #[test]
    fn layouts_round_trip_through_json() {
        let layout = VenueLayout::grid(2, 3, &std_cat(), None);
        let json = serde_json::to_string(&layout).unwrap();
        assert_eq!(serde_json::from_str::<VenueLayout>(&json).unwrap(), layout);
        assert_eq!(layout.seat_categories().len(), 6);
    }
}
