//! The seat map of a show: its layout, the state of every seat that is not available, and the
//! per-show version the states are at.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

use crate::ids::ShowId;
use crate::seat::{SeatId, SeatState};
use crate::venue::VenueLayout;

/// A per-show version: every seat change of a show gets the next one, strictly increasing.
/// A client that sees a gap (a delta whose version is not its version + 1) re-syncs from a
/// snapshot.
pub type Version = u64;

/// A snapshot of a show's seats.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct SeatMap {
    pub show_id: ShowId,
    pub version: Version,
    pub layout: VenueLayout,
    /// States of the seats that are not available; a seat absent here is available.
    pub states: BTreeMap<SeatId, SeatState>,
}

impl SeatMap {
    /// The state of a seat (available if not listed).
    pub fn state(&self, seat: &SeatId) -> SeatState {
        self.states
            .get(seat)
            .copied()
            .unwrap_or(SeatState::Available)
    }

    /// Applies a change of some seats to `state` at `version`. Returns `false`, changing
    /// nothing, if `version` is not exactly the next one (the caller must re-sync).
    pub fn apply(&mut self, version: Version, seats: &[SeatId], state: SeatState) -> bool {
        if version != self.version + 1 {
            return false;
        }
        for seat in seats {
            if state == SeatState::Available {
                self.states.remove(seat);
            } else {
                self.states.insert(seat.clone(), state);
            }
        }
        self.version = version;
        true
    }

    /// How many seats are in each state (for occupancy displays).
    pub fn count(&self, state: SeatState) -> usize {
        match state {
            SeatState::Available => self.layout.capacity() - self.states.len(),
            other => self.states.values().filter(|s| **s == other).count(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::venue::CategoryId;
    use uuid::Uuid;

    fn seat(s: &str) -> SeatId {
        s.parse().unwrap()
    }

    #[test]
    fn applies_only_the_next_version() {
        let mut map = SeatMap {
            show_id: ShowId::from_uuid(Uuid::from_u128(7)),
            version: 4,
            layout: VenueLayout::grid(2, 5, &CategoryId::new("standard"), None),
            states: BTreeMap::new(),
        };
        assert!(map.apply(5, &[seat("A1"), seat("A2")], SeatState::Held));
        assert_eq!(map.state(&seat("A1")), SeatState::Held);
        assert!(!map.apply(7, &[seat("A3")], SeatState::Held), "gap");
        assert_eq!(map.state(&seat("A3")), SeatState::Available);
        assert!(!map.apply(5, &[seat("A3")], SeatState::Held), "replay");
        assert!(map.apply(6, &[seat("A1")], SeatState::Available));
        assert_eq!(map.count(SeatState::Available), 9);
        assert_eq!(map.count(SeatState::Held), 1);
        let json = serde_json::to_string(&map).unwrap();
        assert!(json.contains(r#""states":{"A2":"held"}"#), "{json}");
        assert_eq!(serde_json::from_str::<SeatMap>(&json).unwrap(), map);
    }
}
