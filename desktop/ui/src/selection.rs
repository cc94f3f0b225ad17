//! Seat selection by click or keyboard on a seat map.
//!
//! Only available seats can be selected; a seat that stops being available (someone else held
//! it) drops out of the selection. The keyboard cursor moves over the seats in drawing order
//! (arrows move within a row and across rows by column).

use std::collections::BTreeSet;

use eventory_shared::{SeatId, SeatMap, SeatState};

/// Keyboard moves.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Move {
    Left,
    Right,
    Up,
    Down,
}

/// The selected seats and the keyboard cursor.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Selection {
    seats: BTreeSet<SeatId>,
    cursor: Option<SeatId>,
    max: usize,
}

impl Selection {
    /// An empty selection of at most `max` seats.
    pub fn new(max: usize) -> Self {
        Self {
            seats: BTreeSet::new(),
            cursor: None,
            max,
        }
    }

    pub fn seats(&self) -> Vec<SeatId> {
        self.seats.iter().cloned().collect()
    }

    pub fn cursor(&self) -> Option<&SeatId> {
        self.cursor.as_ref()
    }

    pub fn is_selected(&self, seat: &SeatId) -> bool {
        self.seats.contains(seat)
    }

    /// Click (or Space on the cursor): selects an available seat or unselects a selected one.
    /// Returns whether anything changed.
    pub fn toggle(&mut self, map: &SeatMap, seat: &SeatId) -> bool {
        self.cursor = Some(seat.clone());
        if self.seats.remove(seat) {
            return true;
        }
        let exists = map.layout.seat_categories().contains_key(seat);
        if exists && map.state(seat) == SeatState::Available && self.seats.len() < self.max {
            self.seats.insert(seat.clone());
            return true;
        }
        false
    }

    /// Replaces the selection (best-available picks).
    pub fn set(&mut self, seats: Vec<SeatId>) {
        self.cursor = seats.first().cloned();
        self.seats = seats.into_iter().take(self.max).collect();
    }

    pub fn clear(&mut self) {
        self.seats.clear();
    }

    /// Drops seats that are no longer available on the map; returns those dropped.
    pub fn reconcile(&mut self, map: &SeatMap) -> Vec<SeatId> {
        let gone: Vec<SeatId> = self
            .seats
            .iter()
            .filter(|s| map.state(s) != SeatState::Available)
            .cloned()
            .collect();
        for seat in &gone {
            self.seats.remove(seat);
        }
        gone
    }

    /// Moves the keyboard cursor over the layout.
    pub fn move_cursor(&mut self, map: &SeatMap, step: Move) {
        let rows = &map.layout.rows;
        if rows.is_empty() {
            return;
        }
        let position = self.cursor.as_ref().and_then(|c| {
            rows.iter().enumerate().find_map(|(r, row)| {
                (row.label.eq_ignore_ascii_case(c.row()))
                    .then(|| {
                        row.seats
                            .iter()
                            .position(|s| s.number == c.number())
                            .map(|i| (r, i))
                    })
                    .flatten()
            })
        });
        let (row, index) = match (position, step) {
            (None, _) => (0, 0),
            (Some((r, i)), Move::Left) => (r, i.saturating_sub(1)),
            (Some((r, i)), Move::Right) => (r, (i + 1).min(rows[r].seats.len().saturating_sub(1))),
            (Some((r, i)), Move::Up | Move::Down) => {
                let target = if step == Move::Up {
                    r.saturating_sub(1)
                } else {
                    (r + 1).min(rows.len() - 1)
                };
                let column = rows[r].seats[i].column;
                // The seat of the target row nearest in column (aisles differ between rows).
                let nearest = rows[target]
                    .seats
                    .iter()
                    .enumerate()
                    .min_by_key(|(_, s)| s.column.abs_diff(column))
                    .map_or(0, |(j, _)| j);
                (target, nearest)
            }
        };
        if let Some(spec) = rows[row].seats.get(index) {
            self.cursor = SeatId::new(&rows[row].label, spec.number).ok();
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use eventory_shared::{CategoryId, ShowId, VenueLayout};
    use std::collections::BTreeMap;

    fn map() -> SeatMap {
        SeatMap {
            show_id: "6f9619ff-8b86-d011-b42d-00cf4fc964ff"
                .parse::<ShowId>()
                .unwrap(),
            version: 1,
            layout: VenueLayout::grid(3, 6, &CategoryId::new("standard"), Some(3)),
            states: BTreeMap::from([("A2".parse().unwrap(), SeatState::Sold)]),
        }
    }

    fn seat(s: &str) -> SeatId {
        s.parse().unwrap()
    }

    #[test]
    fn clicks_select_only_available_seats_up_to_the_limit() {
        let map = map();
        let mut selection = Selection::new(2);
        assert!(selection.toggle(&map, &seat("A1")));
        assert!(!selection.toggle(&map, &seat("A2")), "sold");
        assert!(!selection.toggle(&map, &seat("Z9")), "not in the venue");
        assert!(selection.toggle(&map, &seat("A3")));
        assert!(!selection.toggle(&map, &seat("A4")), "limit");
        assert!(selection.toggle(&map, &seat("A1")), "unselect");
        assert_eq!(selection.seats(), vec![seat("A3")]);
    }

    #[test]
    fn seats_taken_by_others_drop_out() {
        let mut map = map();
        let mut selection = Selection::new(4);
        selection.toggle(&map, &seat("B1"));
        selection.toggle(&map, &seat("B2"));
        map.states.insert(seat("B2"), SeatState::Held);
        assert_eq!(selection.reconcile(&map), vec![seat("B2")]);
        assert_eq!(selection.seats(), vec![seat("B1")]);
    }

    #[test]
    fn the_keyboard_cursor_walks_rows_and_columns() {
        let map = map();
        let mut selection = Selection::new(4);
        selection.move_cursor(&map, Move::Right);
        assert_eq!(
            selection.cursor(),
            Some(&seat("A1")),
            "first move lands on the first seat"
        );
        selection.move_cursor(&map, Move::Right);
        selection.move_cursor(&map, Move::Right);
        selection.move_cursor(&map, Move::Right);
        assert_eq!(selection.cursor(), Some(&seat("A4")), "across the aisle");
        selection.move_cursor(&map, Move::Down);
        assert_eq!(selection.cursor(), Some(&seat("B4")));
        selection.move_cursor(&map, Move::Up);
        selection.move_cursor(&map, Move::Up);
        assert_eq!(
            selection.cursor(),
            Some(&seat("A4")),
            "stops at the first row"
        );
        selection.move_cursor(&map, Move::Left);
        let cursor = selection.cursor().cloned().unwrap();
        assert!(selection.toggle(&map, &cursor));
        assert_eq!(selection.seats(), vec![seat("A3")]);
    }
}
