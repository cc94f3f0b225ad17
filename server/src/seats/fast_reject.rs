//! `FastRejectLedger`: answers "taken" for a seat recently seen unavailable without asking the
//! backing ledger.
//!
//! When thousands of buyers hammer the same last seat, every attempt after the winner's is
//! certain to fail; sending each to Redis only adds load. This decorator remembers, per
//! process, seats the ledger reported held or sold, for a short window. It only ever answers
//! "taken" on its own, never "available": every hold that could succeed still goes through the
//! backing ledger's atomic script. The price is that a seat released by another instance may
//! be reported taken for up to the window; releases seen here clear it at once.

use std::collections::HashMap;
use std::sync::RwLock;
use std::time::{Duration, Instant};

use async_trait::async_trait;
use eventory_shared::{BookingId, HoldId, SeatId, SeatState, ShowId};

use super::{Hold, HoldOutcome, HoldRequest, LedgerResult, LedgerSnapshot, SeatChange, SeatLedger};

/// Wraps a ledger with a short-lived cache of unavailable seats.
pub struct FastRejectLedger<L> {
    inner: L,
    window: Duration,
    unavailable: RwLock<HashMap<ShowId, HashMap<SeatId, Instant>>>,
}

impl<L: SeatLedger> FastRejectLedger<L> {
    /// Remembers unavailable seats for `window` (a few hundred milliseconds is plenty).
    pub fn new(inner: L, window: Duration) -> Self {
        Self {
            inner,
            window,
            unavailable: RwLock::new(HashMap::new()),
        }
    }

    /// The wrapped ledger.
    pub fn inner(&self) -> &L {
        &self.inner
    }

    /// Seats of the request known unavailable right now, if any.
    fn known_taken(&self, show: ShowId, seats: &[SeatId]) -> Vec<SeatId> {
        let now = Instant::now();
        let map = self.unavailable.read().expect("fast-reject lock");
        match map.get(&show) {
            Some(known) => seats
                .iter()
                .filter(|s| known.get(*s).is_some_and(|until| *until > now))
                .cloned()
                .collect(),
            None => Vec::new(),
        }
    }

    fn remember(&self, show: ShowId, seats: &[SeatId]) {
        let until = Instant::now() + self.window;
        let mut map = self.unavailable.write().expect("fast-reject lock");
        let known = map.entry(show).or_default();
        if known.len() > 4096 {
            let now = Instant::now();
            known.retain(|_, t| *t > now);
        }
        for seat in seats {
            known.insert(seat.clone(), until);
        }
    }

    fn forget(&self, show: ShowId, seats: &[SeatId]) {
        let mut map = self.unavailable.write().expect("fast-reject lock");
        if let Some(known) = map.get_mut(&show) {
            for seat in seats {
                known.remove(seat);
            }
        }
    }

    /// Keeps the cache in step with a change made through this instance.
    fn observe(&self, change: &SeatChange) {
        match change.state {
            SeatState::Available => self.forget(change.show_id, &change.seats),
            _ => self.remember(change.show_id, &change.seats),
        }
    }
}

#[async_trait]
impl<L: SeatLedger> SeatLedger for FastRejectLedger<L> {
    fn backend(&self) -> &'static str {
        self.inner.backend()
    }

    async fn ping(&self) -> LedgerResult<()> {
        self.inner.ping().await
    }

    async fn register_show_with_sold(
        &self,
        show_id: ShowId,
        seats: &[SeatId],
        sold: &[(SeatId, BookingId)],
    ) -> LedgerResult<Option<SeatChange>> {
        let change = self
            .inner
            .register_show_with_sold(show_id, seats, sold)
            .await?;
        if let Some(change) = &change {
            self.observe(change);
        }
        Ok(change)
    }

    async fn hold(&self, request: HoldRequest) -> LedgerResult<HoldOutcome> {
        // A retry with an idempotency key must reach the ledger to get its own hold back.
        if request.idempotency_key.is_none() {
            let taken = self.known_taken(request.show_id, &request.seats);
            if !taken.is_empty() {
                return Ok(HoldOutcome::Taken { seats: taken });
            }
        }
        let show = request.show_id;
        let outcome = self.inner.hold(request).await?;
        match &outcome {
            HoldOutcome::Held { hold, .. } => self.remember(show, &hold.seats),
            HoldOutcome::Taken { seats } => self.remember(show, seats),
        }
        Ok(outcome)
    }

    async fn get_hold(&self, hold_id: HoldId) -> LedgerResult<Option<Hold>> {
        self.inner.get_hold(hold_id).await
    }

    async fn extend(&self, hold_id: HoldId, ttl: Duration) -> LedgerResult<Hold> {
        self.inner.extend(hold_id, ttl).await
    }

    async fn mark_processing(
        &self,
        hold_id: HoldId,
        booking: BookingId,
    ) -> LedgerResult<Option<SeatChange>> {
        self.inner.mark_processing(hold_id, booking).await
    }

    async fn release(&self, hold_id: HoldId) -> LedgerResult<SeatChange> {
        let change = self.inner.release(hold_id).await?;
        self.observe(&change);
        Ok(change)
    }

    async fn confirm(
        &self,
        show_id: ShowId,
        hold_id: HoldId,
        booking: BookingId,
        seats: &[SeatId],
    ) -> LedgerResult<Option<SeatChange>> {
        let change = self.inner.confirm(show_id, hold_id, booking, seats).await?;
        if let Some(change) = &change {
            self.observe(change);
        }
        Ok(change)
    }

    async fn refund(
        &self,
        show_id: ShowId,
        booking: BookingId,
        seats: &[SeatId],
    ) -> LedgerResult<Option<SeatChange>> {
        let change = self.inner.refund(show_id, booking, seats).await?;
        if let Some(change) = &change {
            self.observe(change);
        }
        Ok(change)
    }

    async fn snapshot(&self, show_id: ShowId) -> LedgerResult<LedgerSnapshot> {
        self.inner.snapshot(show_id).await
    }

    async fn holds_of_show(&self, show_id: ShowId) -> LedgerResult<Vec<Hold>> {
        self.inner.holds_of_show(show_id).await
    }

    async fn sweep_expired(&self) -> LedgerResult<Vec<SeatChange>> {
        let changes = self.inner.sweep_expired().await?;
        for change in &changes {
            self.observe(change);
        }
        Ok(changes)
    }

    async fn restore_claims(
        &self,
        show_id: ShowId,
        claims: &[super::Claim],
    ) -> LedgerResult<Option<SeatChange>> {
        let change = self.inner.restore_claims(show_id, claims).await?;
        if let Some(change) = &change {
            self.observe(change);
        }
        Ok(change)
    }

    async fn restore_sold(
        &self,
        show_id: ShowId,
        sold: &[(SeatId, BookingId)],
    ) -> LedgerResult<Option<SeatChange>> {
        self.inner.restore_sold(show_id, sold).await
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::seats::MemoryLedger;
    use uuid::Uuid;

    fn seats(names: &[&str]) -> Vec<SeatId> {
        names.iter().map(|s| s.parse().unwrap()).collect()
    }

    fn request(show: ShowId, names: &[&str], owner: &str) -> HoldRequest {
        HoldRequest {
            show_id: show,
            seats: seats(names),
            owner: owner.into(),
            ttl: Duration::from_secs(60),
            idempotency_key: None,
            limits: crate::seats::HoldLimits::GENEROUS,
        }
    }

    #[tokio::test]
    async fn rejects_known_taken_seats_and_forgets_them_on_release() {
        let ledger = FastRejectLedger::new(MemoryLedger::new(), Duration::from_secs(60));
        let show = ShowId::from_uuid(Uuid::new_v4());
        ledger
            .register_show(show, &seats(&["A1", "A2"]))
            .await
            .unwrap();
        let HoldOutcome::Held { hold, .. } =
            ledger.hold(request(show, &["A1"], "x")).await.unwrap()
        else {
            panic!("first hold must win");
        };
        assert_eq!(
            ledger.known_taken(show, &seats(&["A1", "A2"])),
            seats(&["A1"])
        );
        let second = ledger
            .hold(request(show, &["A1", "A2"], "y"))
            .await
            .unwrap();
        assert_eq!(
            second,
            HoldOutcome::Taken {
                seats: seats(&["A1"])
            }
        );
        ledger.release(hold.id).await.unwrap();
        assert!(ledger.known_taken(show, &seats(&["A1"])).is_empty());
        assert!(matches!(
            ledger.hold(request(show, &["A1"], "y")).await.unwrap(),
            HoldOutcome::Held { .. }
        ));
    }

    #[tokio::test]
    async fn never_answers_available_on_its_own() {
        // A seat held directly in the inner ledger (another instance) is not in this cache:
        // the request must still go to the ledger, which refuses it.
        let ledger = FastRejectLedger::new(MemoryLedger::new(), Duration::from_secs(60));
        let show = ShowId::from_uuid(Uuid::new_v4());
        ledger.register_show(show, &seats(&["A1"])).await.unwrap();
        ledger
            .inner()
            .hold(request(show, &["A1"], "other"))
            .await
            .unwrap();
        assert_eq!(
            ledger.hold(request(show, &["A1"], "me")).await.unwrap(),
            HoldOutcome::Taken {
                seats: seats(&["A1"])
            }
        );
    }

    #[tokio::test]
    async fn the_window_expires() {
        let ledger = FastRejectLedger::new(MemoryLedger::new(), Duration::from_millis(20));
        let show = ShowId::from_uuid(Uuid::new_v4());
        ledger.remember(show, &seats(&["A1"]));
        assert_eq!(ledger.known_taken(show, &seats(&["A1"])).len(), 1);
        tokio::time::sleep(Duration::from_millis(30)).await;
        assert!(ledger.known_taken(show, &seats(&["A1"])).is_empty());
    }
}
