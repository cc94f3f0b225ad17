//! Best available: N seats side by side in one row, all available, never leaving a single
//! orphan seat next to the pick, as central as possible.
//!
//! "Side by side" means consecutive columns of one row: an aisle (an empty column) splits a row
//! into blocks, and a pick never spans it. An orphan is one available seat left alone between
//! the pick and an unavailable seat, an aisle or the row's end: almost nobody can buy it.

use eventory_shared::{SeatId, SeatMap, SeatState};

/// The best `count` seats together, or `None` if no row has that many together without an
/// orphan.
pub fn best_available(map: &SeatMap, count: usize) -> Option<Vec<SeatId>> {
    if count == 0 {
        return None;
    }
    let rows = &map.layout.rows;
    let preferred_row = rows.len() as f64 * 0.55; // a little behind the middle
    let mut best: Option<(f64, Vec<SeatId>)> = None;
    for (r, row) in rows.iter().enumerate() {
        let mut seats: Vec<_> = row.seats.iter().collect();
        seats.sort_by_key(|s| s.column);
        let (Some(first), Some(last)) = (seats.first(), seats.last()) else {
            continue;
        };
        let row_center = (f64::from(first.column) + f64::from(last.column)) / 2.0;
        // Blocks of consecutive columns.
        let mut blocks: Vec<Vec<&eventory_shared::SeatSpec>> = Vec::new();
        for seat in seats {
            match blocks.last_mut() {
                Some(block)
                    if block
                        .last()
                        .is_some_and(|prev| prev.column + 1 == seat.column) =>
                {
                    block.push(seat)
                }
                _ => blocks.push(vec![seat]),
            }
        }
        for block in blocks {
            let ids: Vec<SeatId> = block
                .iter()
                .filter_map(|s| SeatId::new(&row.label, s.number).ok())
                .collect();
            let free: Vec<bool> = ids
                .iter()
                .map(|id| map.state(id) == SeatState::Available)
                .collect();
            if ids.len() < count {
                continue;
            }
            for start in 0..=ids.len() - count {
                if !free[start..start + count].iter().all(|f| *f) {
                    continue;
                }
                // An orphan on the left: exactly one free seat between the pick and a taken
                // seat or the block's edge. Same on the right.
                let left_orphan = start >= 1 && free[start - 1] && (start == 1 || !free[start - 2]);
                let end = start + count;
                let right_orphan =
                    end < ids.len() && free[end] && (end + 1 == ids.len() || !free[end + 1]);
                if left_orphan || right_orphan {
                    continue;
                }
                let middle =
                    (f64::from(block[start].column) + f64::from(block[end - 1].column)) / 2.0;
                let score = (r as f64 - preferred_row).abs() * 2.0 + (middle - row_center).abs();
                if best.as_ref().is_none_or(|(s, _)| score < *s) {
                    best = Some((score, ids[start..end].to_vec()));
                }
            }
        }
    }
    best.map(|(_, seats)| seats)
}

#[cfg(test)]
mod tests {
    use super::*;
    use eventory_shared::{CategoryId, ShowId, VenueLayout};
    use std::collections::BTreeMap;

    fn map(rows: u32, per_row: u16, aisle: Option<u16>, taken: &[&str]) -> SeatMap {
        SeatMap {
            show_id: "6f9619ff-8b86-d011-b42d-00cf4fc964ff"
                .parse::<ShowId>()
                .unwrap(),
            version: 1,
            layout: VenueLayout::grid(rows, per_row, &CategoryId::new("standard"), aisle),
            states: taken
                .iter()
                .map(|s| (s.parse().unwrap(), SeatState::Sold))
                .collect::<BTreeMap<_, _>>(),
        }
    }

    fn names(seats: &[SeatId]) -> Vec<String> {
        seats.iter().map(ToString::to_string).collect()
    }

    #[test]
    fn picks_central_seats_together() {
        // Five rows: the preferred row is a little behind the middle, D; centred in it.
        let picked = best_available(&map(5, 10, None, &[]), 2).unwrap();
        assert_eq!(names(&picked), ["D5", "D6"]);
        let three = best_available(&map(5, 10, None, &[]), 3).unwrap();
        assert_eq!(three[0].row(), three[2].row());
        assert_eq!(three[2].number() - three[0].number(), 2, "side by side");
    }

    #[test]
    fn never_spans_an_aisle() {
        // Rows of 4 + aisle + 4: five together cannot fit anywhere.
        assert_eq!(best_available(&map(3, 8, Some(4), &[]), 5), None);
        let four = best_available(&map(1, 8, Some(4), &[]), 4).unwrap();
        assert!(
            names(&four) == ["A1", "A2", "A3", "A4"] || names(&four) == ["A5", "A6", "A7", "A8"]
        );
    }

    #[test]
    fn never_leaves_a_single_orphan_seat() {
        // Row A: 1 2 3 [4 sold] 5 6 7 8 ; one row only.
        let m = map(1, 8, None, &["A4"]);
        // Two from 1-3 would leave an orphan (A1 or A3); two from 5-8 without orphan: 5-6 or 7-8.
        let picked = best_available(&m, 2).unwrap();
        assert!(
            names(&picked) == ["A5", "A6"] || names(&picked) == ["A7", "A8"],
            "{picked:?}"
        );
        let three = best_available(&m, 3).unwrap();
        assert_eq!(names(&three), ["A1", "A2", "A3"], "fills the block exactly");
    }

    #[test]
    fn none_when_sold_out_or_asked_for_nothing() {
        let all: Vec<String> = (1..=4).map(|n| format!("A{n}")).collect();
        let taken: Vec<&str> = all.iter().map(String::as_str).collect();
        assert_eq!(best_available(&map(1, 4, None, &taken), 1), None);
        assert_eq!(best_available(&map(1, 4, None, &[]), 0), None);
        assert_eq!(best_available(&map(1, 4, None, &[]), 5), None);
    }
}
