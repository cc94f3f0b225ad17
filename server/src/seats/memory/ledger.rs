//! [`SeatLedger`] for [`MemoryLedger`]: each operation under its show's lock.

use std::collections::{BTreeMap, HashSet};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use async_trait::async_trait;
use eventory_shared::{BookingId, HoldId, SeatId, SeatState, ShowId};
use uuid::Uuid;

use crate::seats::{
    check_seat_list, version_base, Hold, HoldOutcome, HoldRequest, HoldState, LedgerError,
    LedgerResult, LedgerSnapshot, SeatChange, SeatLedger,
};

use super::show_seats::*;
use super::{now_ms, MemoryLedger};

#[async_trait]
impl SeatLedger for MemoryLedger {
    fn backend(&self) -> &'static str {
        "in-process"
    }

    async fn ping(&self) -> LedgerResult<()> {
        Ok(())
    }

    async fn register_show_with_sold(
        &self,
        show_id: ShowId,
        seats: &[SeatId],
        sold: &[(SeatId, BookingId)],
    ) -> LedgerResult<Option<SeatChange>> {
        check_seat_list(seats)?;
        let cell = self
            .shows
            .read()
            .expect("ledger lock")
            .get(&show_id)
            .cloned();
        let cell = match cell {
            Some(cell) => cell,
            None => {
                // A new show starts with its layout and sold seats in place before anyone
                // can see it: build it fully, then publish it.
                let mut fresh = ShowSeats {
                    version: version_base(now_ms()),
                    ..ShowSeats::default()
                };
                fresh.layout = seats.iter().cloned().collect();
                let change = fresh.restore(show_id, sold);
                let mut shows = self.shows.write().expect("ledger lock");
                if let std::collections::hash_map::Entry::Vacant(slot) = shows.entry(show_id) {
                    slot.insert(Arc::new(Mutex::new(fresh)));
                    return Ok(change);
                }
                shows[&show_id].clone()
            }
        };
        let mut show = cell.lock().expect("show lock");
        show.layout = seats.iter().cloned().collect();
        Ok(show.restore(show_id, sold))
    }

    async fn hold(&self, request: HoldRequest) -> LedgerResult<HoldOutcome> {
        check_seat_list(&request.seats)?;
        let show_id = request.show_id;
        let cell = self.show(show_id)?;
        let mut show = cell.lock().expect("show lock");
        let now = now_ms();

        if let Some(key) = &request.idempotency_key {
            let existing = show
                .idempotency
                .get(&(request.owner.clone(), key.clone()))
                .copied();
            if let Some(id) = existing {
                if let Some(rec) = show.holds.get(&id) {
                    if rec.state == HoldState::Processing || rec.expires_ms > now {
                        let wanted: HashSet<&SeatId> = request.seats.iter().collect();
                        let same = rec.seats.len() == wanted.len()
                            && rec.seats.iter().all(|s| wanted.contains(s));
                        if !same {
                            return Err(LedgerError::IdempotencyConflict);
                        }
                        let hold = show.to_hold(show_id, id, rec);
                        return Ok(HoldOutcome::Held { hold, change: None });
                    }
                }
            }
        }

        let unknown: Vec<SeatId> = request
            .seats
            .iter()
            .filter(|s| !show.layout.contains(*s))
            .cloned()
            .collect();
        if !unknown.is_empty() {
            return Err(LedgerError::UnknownSeats(unknown));
        }
        let held = show.seats_held_by(&request.owner);
        if held + request.seats.len() > request.limits.max_seats_held {
            return Err(LedgerError::HoldLimitReached {
                held,
                max: request.limits.max_seats_held,
            });
        }
        let taken: Vec<SeatId> = request
            .seats
            .iter()
            .filter(|s| show.occupants.contains_key(*s))
            .cloned()
            .collect();
        if !taken.is_empty() {
            return Ok(HoldOutcome::Taken { seats: taken });
        }

        let id = HoldId::from_uuid(Uuid::new_v4());
        for seat in &request.seats {
            show.occupants.insert(seat.clone(), Occupant::Held(id));
        }
        let rec = HoldRecord {
            state: HoldState::Held,
            expires_ms: now + request.ttl.as_millis() as i64,
            deadline_ms: now + request.limits.max_lifetime.as_millis() as i64,
            owner: request.owner.clone(),
            seats: request.seats.clone(),
            idempotency_key: request.idempotency_key.clone(),
            booking: None,
        };
        if let Some(key) = &request.idempotency_key {
            show.idempotency
                .insert((request.owner.clone(), key.clone()), id);
        }
        let hold = show.to_hold(show_id, id, &rec);
        show.holds.insert(id, rec);
        let version = show.next_version();
        drop(show);
        self.locator
            .lock()
            .expect("locator lock")
            .insert(id, show_id);
        let change = SeatChange {
            show_id,
            version,
            state: SeatState::Held,
            seats: hold.seats.clone(),
            hold_id: Some(id),
        };
        Ok(HoldOutcome::Held {
            hold,
            change: Some(change),
        })
    }

    async fn get_hold(&self, hold_id: HoldId) -> LedgerResult<Option<Hold>> {
        let (show_id, cell) = match self.locate(hold_id) {
            Ok(found) => found,
            Err(LedgerError::HoldNotFound(_)) => return Ok(None),
            Err(e) => return Err(e),
        };
        let show = cell.lock().expect("show lock");
        Ok(show
            .holds
            .get(&hold_id)
            .map(|rec| show.to_hold(show_id, hold_id, rec)))
    }

    async fn extend(&self, hold_id: HoldId, ttl: Duration) -> LedgerResult<Hold> {
        let (show_id, cell) = self.locate(hold_id)?;
        let mut show = cell.lock().expect("show lock");
        let now = now_ms();
        let rec = show
            .holds
            .get_mut(&hold_id)
            .ok_or(LedgerError::HoldNotFound(hold_id))?;
        if rec.state != HoldState::Held {
            return Err(LedgerError::WrongHoldState(hold_id));
        }
        if rec.expires_ms <= now {
            return Err(LedgerError::HoldExpired(hold_id));
        }
        if rec.expires_ms >= rec.deadline_ms {
            return Err(LedgerError::HoldLifetimeReached(hold_id));
        }
        let extended = (now + ttl.as_millis() as i64).min(rec.deadline_ms);
        rec.expires_ms = rec.expires_ms.max(extended);
        let rec = rec.clone();
        Ok(show.to_hold(show_id, hold_id, &rec))
    }

    async fn mark_processing(
        &self,
        hold_id: HoldId,
        booking: BookingId,
    ) -> LedgerResult<Option<SeatChange>> {
        let (show_id, cell) = self.locate(hold_id)?;
        let mut show = cell.lock().expect("show lock");
        let now = now_ms();
        let rec = show
            .holds
            .get(&hold_id)
            .ok_or(LedgerError::HoldNotFound(hold_id))?;
        if rec.state == HoldState::Processing {
            return if rec.booking == Some(booking) {
                Ok(None)
            } else {
                Err(LedgerError::WrongHoldState(hold_id))
            };
        }
        if rec.expires_ms <= now {
            return Err(LedgerError::HoldExpired(hold_id));
        }
        let seats = rec.seats.clone();
        if !seats
            .iter()
            .all(|s| show.occupants.get(s) == Some(&Occupant::Held(hold_id)))
        {
            // A rebuild restored a sale over one of its seats: the hold is lost.
            return Err(LedgerError::HoldNotFound(hold_id));
        }
        let rec = show.holds.get_mut(&hold_id).expect("checked above");
        rec.state = HoldState::Processing;
        rec.booking = Some(booking);
        for seat in &seats {
            show.occupants
                .insert(seat.clone(), Occupant::Processing(hold_id));
        }
        let version = show.next_version();
        Ok(Some(SeatChange {
            show_id,
            version,
            state: SeatState::Processing,
            seats,
            hold_id: Some(hold_id),
        }))
    }

    async fn release(&self, hold_id: HoldId) -> LedgerResult<SeatChange> {
        let (show_id, cell) = self.locate(hold_id)?;
        let mut show = cell.lock().expect("show lock");
        let rec = show
            .drop_hold(hold_id)
            .ok_or(LedgerError::HoldNotFound(hold_id))?;
        let version = show.next_version();
        drop(show);
        self.forget_locator(hold_id);
        Ok(SeatChange {
            show_id,
            version,
            state: SeatState::Available,
            seats: rec.seats,
            hold_id: Some(hold_id),
        })
    }

    async fn confirm(
        &self,
        show_id: ShowId,
        hold_id: HoldId,
        booking: BookingId,
        seats: &[SeatId],
    ) -> LedgerResult<Option<SeatChange>> {
        check_seat_list(seats)?;
        let cell = self.show(show_id)?;
        let mut show = cell.lock().expect("show lock");
        let Some(rec) = show.holds.get(&hold_id).cloned() else {
            let all_sold = seats
                .iter()
                .all(|s| show.occupants.get(s) == Some(&Occupant::Sold(booking)));
            return if all_sold {
                Ok(None)
            } else {
                Err(LedgerError::HoldNotFound(hold_id))
            };
        };
        if rec.state == HoldState::Held && rec.expires_ms <= now_ms() {
            return Err(LedgerError::HoldExpired(hold_id));
        }
        if rec.state == HoldState::Processing && rec.booking.is_some_and(|b| b != booking) {
            return Err(LedgerError::WrongHoldState(hold_id));
        }
        let wanted: HashSet<&SeatId> = seats.iter().collect();
        if rec.seats.len() != seats.len() || !rec.seats.iter().all(|s| wanted.contains(s)) {
            return Err(LedgerError::BadSeatList);
        }
        if !rec
            .seats
            .iter()
            .all(|s| show.occupants.get(s).is_some_and(|o| o.is_hold(hold_id)))
        {
            return Err(LedgerError::HoldNotFound(hold_id));
        }
        for seat in &rec.seats {
            show.occupants.insert(seat.clone(), Occupant::Sold(booking));
        }
        show.holds.remove(&hold_id);
        if let Some(key) = &rec.idempotency_key {
            show.idempotency.remove(&(rec.owner.clone(), key.clone()));
        }
        let version = show.next_version();
        drop(show);
        self.forget_locator(hold_id);
        Ok(Some(SeatChange {
            show_id,
            version,
            state: SeatState::Sold,
            seats: rec.seats,
            hold_id: Some(hold_id),
        }))
    }

    async fn refund(
        &self,
        show_id: ShowId,
        booking: BookingId,
        seats: &[SeatId],
    ) -> LedgerResult<Option<SeatChange>> {
        check_seat_list(seats)?;
        let cell = self.show(show_id)?;
        let mut show = cell.lock().expect("show lock");
        let changed: Vec<SeatId> = seats
            .iter()
            .filter(|s| show.occupants.get(*s) == Some(&Occupant::Sold(booking)))
            .cloned()
            .collect();
        if changed.is_empty() {
            return Ok(None);
        }
        for seat in &changed {
            show.occupants.remove(seat);
        }
        let version = show.next_version();
        Ok(Some(SeatChange {
            show_id,
            version,
            state: SeatState::Available,
            seats: changed,
            hold_id: None,
        }))
    }

    async fn snapshot(&self, show_id: ShowId) -> LedgerResult<LedgerSnapshot> {
        let cell = self.show(show_id)?;
        let show = cell.lock().expect("show lock");
        Ok(LedgerSnapshot {
            show_id,
            version: show.version,
            seats: show
                .occupants
                .iter()
                .map(|(seat, occ)| (seat.clone(), occ.state()))
                .collect::<BTreeMap<_, _>>(),
        })
    }

    async fn holds_of_show(&self, show_id: ShowId) -> LedgerResult<Vec<Hold>> {
        let cell = match self.show(show_id) {
            Ok(cell) => cell,
            Err(LedgerError::UnknownShow(_)) => return Ok(Vec::new()),
            Err(e) => return Err(e),
        };
        let show = cell.lock().expect("show lock");
        Ok(show
            .holds
            .iter()
            .map(|(id, rec)| show.to_hold(show_id, *id, rec))
            .collect())
    }

    async fn sweep_expired(&self) -> LedgerResult<Vec<SeatChange>> {
        let cells: Vec<(ShowId, ShowCell)> = self
            .shows
            .read()
            .expect("ledger lock")
            .iter()
            .map(|(id, cell)| (*id, cell.clone()))
            .collect();
        let now = now_ms();
        let mut changes = Vec::new();
        for (show_id, cell) in cells {
            let mut show = cell.lock().expect("show lock");
            let mut due: Vec<(i64, HoldId)> = show
                .holds
                .iter()
                .filter(|(_, rec)| rec.state == HoldState::Held && rec.expires_ms <= now)
                .map(|(id, rec)| (rec.expires_ms, *id))
                .collect();
            due.sort();
            for (_, id) in due {
                if let Some(rec) = show.drop_hold(id) {
                    let version = show.next_version();
                    changes.push(SeatChange {
                        show_id,
                        version,
                        state: SeatState::Available,
                        seats: rec.seats,
                        hold_id: Some(id),
                    });
                }
            }
        }
        for change in &changes {
            if let Some(hold) = change.hold_id {
                self.forget_locator(hold);
            }
        }
        Ok(changes)
    }

    async fn restore_claims(
        &self,
        show_id: ShowId,
        claims: &[crate::seats::Claim],
    ) -> LedgerResult<Option<SeatChange>> {
        let cell = self.show(show_id)?;
        let mut show = cell.lock().expect("show lock");
        let mut changed = Vec::new();
        let mut restored = Vec::new();
        for claim in claims {
            if show.holds.contains_key(&claim.hold_id)
                || claim.seats.iter().any(|s| show.occupants.contains_key(s))
            {
                continue;
            }
            for seat in &claim.seats {
                show.occupants
                    .insert(seat.clone(), Occupant::Processing(claim.hold_id));
            }
            changed.extend(claim.seats.iter().cloned());
            show.holds.insert(
                claim.hold_id,
                HoldRecord {
                    state: HoldState::Processing,
                    expires_ms: now_ms(),
                    deadline_ms: now_ms(),
                    owner: claim.owner.clone(),
                    seats: claim.seats.clone(),
                    idempotency_key: None,
                    booking: Some(claim.booking),
                },
            );
            restored.push(claim.hold_id);
        }
        let change = (!changed.is_empty()).then(|| SeatChange {
            show_id,
            version: show.next_version(),
            state: SeatState::Processing,
            seats: changed,
            hold_id: None,
        });
        drop(show);
        let mut locator = self.locator.lock().expect("locator lock");
        for hold in restored {
            locator.insert(hold, show_id);
        }
        Ok(change)
    }

    async fn restore_sold(
        &self,
        show_id: ShowId,
        sold: &[(SeatId, BookingId)],
    ) -> LedgerResult<Option<SeatChange>> {
        if sold.is_empty() {
            return Ok(None);
        }
        let cell = self.show(show_id)?;
        let mut show = cell.lock().expect("show lock");
        Ok(show.restore(show_id, sold))
    }
}
