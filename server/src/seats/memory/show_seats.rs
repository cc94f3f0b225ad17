//! The seats of one show in memory: who occupies each seat, the holds, the version.

use std::collections::{HashMap, HashSet};
use std::sync::{Arc, Mutex};

use eventory_shared::{BookingId, HoldId, SeatId, SeatState, ShowId, Version};

use crate::seats::{from_millis, Hold, HoldState, SeatChange};

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(super) enum Occupant {
    Held(HoldId),
    Processing(HoldId),
    Sold(BookingId),
}

impl Occupant {
    pub(super) fn state(self) -> SeatState {
        match self {
            Occupant::Held(_) => SeatState::Held,
            Occupant::Processing(_) => SeatState::Processing,
            Occupant::Sold(_) => SeatState::Sold,
        }
    }

    pub(super) fn is_hold(self, id: HoldId) -> bool {
        matches!(self, Occupant::Held(h) | Occupant::Processing(h) if h == id)
    }
}

#[derive(Clone, Debug)]
pub(super) struct HoldRecord {
    pub(super) state: HoldState,
    pub(super) expires_ms: i64,
    /// The latest an extension may push `expires_ms` to (the hold's longest life).
    pub(super) deadline_ms: i64,
    pub(super) owner: String,
    pub(super) seats: Vec<SeatId>,
    pub(super) idempotency_key: Option<String>,
    /// The booking a processing hold was claimed for.
    pub(super) booking: Option<BookingId>,
}

/// Everything the ledger knows of one show; guarded by the show's own lock.
#[derive(Debug, Default)]
pub(super) struct ShowSeats {
    pub(super) layout: HashSet<SeatId>,
    pub(super) occupants: HashMap<SeatId, Occupant>,
    pub(super) holds: HashMap<HoldId, HoldRecord>,
    pub(super) idempotency: HashMap<(String, String), HoldId>,
    pub(super) version: Version,
}

impl ShowSeats {
    pub(super) fn next_version(&mut self) -> Version {
        self.version += 1;
        self.version
    }

    pub(super) fn to_hold(&self, show_id: ShowId, id: HoldId, rec: &HoldRecord) -> Hold {
        Hold {
            id,
            show_id,
            seats: rec.seats.clone(),
            owner: rec.owner.clone(),
            state: rec.state,
            expires_at: from_millis(rec.expires_ms),
            booking: rec.booking,
        }
    }

    /// Marks seats sold to their bookings (the store's truth); the change, if any seat moved.
    pub(super) fn restore(
        &mut self,
        show_id: ShowId,
        sold: &[(SeatId, BookingId)],
    ) -> Option<SeatChange> {
        let mut changed = Vec::new();
        for (seat, booking) in sold {
            let want = Occupant::Sold(*booking);
            if self.occupants.get(seat) != Some(&want) {
                self.occupants.insert(seat.clone(), want);
                changed.push(seat.clone());
            }
        }
        if changed.is_empty() {
            return None;
        }
        let version = self.next_version();
        Some(SeatChange {
            show_id,
            version,
            state: SeatState::Sold,
            seats: changed,
            hold_id: None,
        })
    }

    /// How many seats `owner`'s holds of this show take (held or processing).
    pub(super) fn seats_held_by(&self, owner: &str) -> usize {
        self.holds
            .values()
            .filter(|rec| rec.owner == owner)
            .map(|rec| rec.seats.len())
            .sum()
    }

    /// Frees the seats a hold still occupies and forgets the hold.
    pub(super) fn drop_hold(&mut self, id: HoldId) -> Option<HoldRecord> {
        let rec = self.holds.remove(&id)?;
        for seat in &rec.seats {
            if self.occupants.get(seat).is_some_and(|o| o.is_hold(id)) {
                self.occupants.remove(seat);
            }
        }
        if let Some(key) = &rec.idempotency_key {
            self.idempotency.remove(&(rec.owner.clone(), key.clone()));
        }
        Some(rec)
    }
}

pub(super) type ShowCell = Arc<Mutex<ShowSeats>>;
