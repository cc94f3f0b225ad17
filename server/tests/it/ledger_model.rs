//! Model-based test: random operation sequences applied to the Redis ledger and to the
//! in-process ledger (the model) must give the same answers, step by step.
//!
//! Hold ids and versions differ between the two by construction (random ids, time-based version
//! bases), so answers are compared after normalising: holds by the order they were made,
//! versions relative to the show's first version.

use std::collections::BTreeMap;
use std::sync::Arc;
use std::time::Duration;

use eventory_server::seats::{
    HoldOutcome, HoldRequest, LedgerError, MemoryLedger, SeatChange, SeatLedger,
};
use eventory_shared::{BookingId, HoldId, SeatId, SeatState, ShowId};
use proptest::prelude::*;
use uuid::Uuid;

const SEATS: [&str; 6] = ["A1", "A2", "A3", "B1", "B2", "B3"];

#[derive(Clone, Debug)]
enum Op {
    Hold {
        seats: Vec<usize>,
        owner: u8,
        key: Option<u8>,
    },
    Release(usize),
    Processing(usize),
    Confirm(usize),
    Refund {
        booking: usize,
        seats: Vec<usize>,
    },
    Extend(usize),
    Snapshot,
}

fn op() -> impl Strategy<Value = Op> {
    let seat_set = proptest::sample::subsequence((0..SEATS.len()).collect::<Vec<_>>(), 1..=3);
    prop_oneof![
        4 => (seat_set.clone(), 0u8..3, proptest::option::of(0u8..2))
            .prop_map(|(seats, owner, key)| Op::Hold { seats, owner, key }),
        2 => (0usize..8).prop_map(Op::Release),
        2 => (0usize..8).prop_map(Op::Processing),
        2 => (0usize..8).prop_map(Op::Confirm),
        1 => (0usize..8, seat_set).prop_map(|(booking, seats)| Op::Refund { booking, seats }),
        1 => (0usize..8).prop_map(Op::Extend),
        1 => Just(Op::Snapshot),
    ]
}

/// An answer with ledger-specific ids and version bases taken out.
#[derive(Clone, Debug, PartialEq, Eq)]
enum Answer {
    Held {
        hold: usize,
        fresh: Option<(u64, Vec<SeatId>)>,
    },
    Taken(Vec<SeatId>),
    Change(Option<(u64, SeatState, Vec<SeatId>)>),
    Snapshot(u64, BTreeMap<SeatId, SeatState>),
    Error(&'static str),
    Skipped,
}

/// One ledger under test with what it made so far.
struct Run {
    ledger: Arc<dyn SeatLedger>,
    show: ShowId,
    base: u64,
    holds: Vec<HoldId>,
    bookings: Vec<(BookingId, Vec<SeatId>)>,
}

impl Run {
    async fn new(ledger: Arc<dyn SeatLedger>) -> Self {
        let show = ShowId::from_uuid(Uuid::new_v4());
        let seats: Vec<SeatId> = SEATS.iter().map(|s| s.parse().unwrap()).collect();
        ledger.register_show(show, &seats).await.unwrap();
        let base = ledger.snapshot(show).await.unwrap().version;
        Self {
            ledger,
            show,
            base,
            holds: Vec::new(),
            bookings: Vec::new(),
        }
    }

    fn change(&self, change: Option<SeatChange>) -> Answer {
        Answer::Change(change.map(|c| (c.version - self.base, c.state, c.seats)))
    }

    /// The kind of error, without the ids inside it.
    fn err(e: LedgerError) -> Answer {
        Answer::Error(match e {
            LedgerError::UnknownShow(_) => "unknown_show",
            LedgerError::UnknownSeats(_) => "unknown_seats",
            LedgerError::BadSeatList => "bad_seat_list",
            LedgerError::HoldNotFound(_) => "hold_not_found",
            LedgerError::HoldExpired(_) => "hold_expired",
            LedgerError::WrongHoldState(_) => "wrong_hold_state",
            LedgerError::IdempotencyConflict => "idempotency_conflict",
            LedgerError::HoldLimitReached { .. } => "hold_limit_reached",
            LedgerError::HoldLifetimeReached(_) => "hold_lifetime_reached",
            LedgerError::Backend(e) => panic!("backend failure: {e:#}"),
        })
    }

    async fn apply(&mut self, op: &Op) -> Answer {
        let seat_ids = |idx: &[usize]| {
            idx.iter()
                .map(|i| SEATS[*i].parse().unwrap())
                .collect::<Vec<SeatId>>()
        };
        match op {
            Op::Hold { seats, owner, key } => {
                let req = HoldRequest {
                    show_id: self.show,
                    seats: seat_ids(seats),
                    owner: format!("owner-{owner}"),
                    ttl: Duration::from_secs(600),
                    idempotency_key: key.map(|k| format!("key-{k}")),
                    limits: eventory_server::seats::HoldLimits::GENEROUS,
                };
                match self.ledger.hold(req).await {
                    Ok(HoldOutcome::Held { hold, change }) => {
                        let index = match self.holds.iter().position(|h| *h == hold.id) {
                            Some(i) => i,
                            None => {
                                self.holds.push(hold.id);
                                self.holds.len() - 1
                            }
                        };
                        Answer::Held {
                            hold: index,
                            fresh: change.map(|c| (c.version - self.base, c.seats)),
                        }
                    }
                    Ok(HoldOutcome::Taken { seats }) => Answer::Taken(seats),
                    Err(e) => Self::err(e),
                }
            }
            Op::Release(i) => match self.holds.get(*i) {
                Some(h) => match self.ledger.release(*h).await {
                    Ok(c) => self.change(Some(c)),
                    Err(e) => Self::err(e),
                },
                None => Answer::Skipped,
            },
            Op::Processing(i) => match self.holds.get(*i) {
                // The same booking per hold in both ledgers, so their answers compare.
                Some(h) => match self
                    .ledger
                    .mark_processing(*h, BookingId::from_uuid(Uuid::from_u128(*i as u128 + 1)))
                    .await
                {
                    Ok(c) => self.change(c),
                    Err(e) => Self::err(e),
                },
                None => Answer::Skipped,
            },
            Op::Confirm(i) => match self.holds.get(*i).copied() {
                Some(h) => {
                    let Some(hold) = self.ledger.get_hold(h).await.unwrap() else {
                        return Answer::Error("gone");
                    };
                    let booking = BookingId::from_uuid(Uuid::new_v4());
                    match self
                        .ledger
                        .confirm(self.show, h, booking, &hold.seats)
                        .await
                    {
                        Ok(c) => {
                            self.bookings.push((booking, hold.seats.clone()));
                            self.change(c)
                        }
                        Err(e) => Self::err(e),
                    }
                }
                None => Answer::Skipped,
            },
            Op::Refund { booking, seats } => match self.bookings.get(*booking).cloned() {
                Some((b, _)) => match self.ledger.refund(self.show, b, &seat_ids(seats)).await {
                    Ok(c) => self.change(c),
                    Err(e) => Self::err(e),
                },
                None => Answer::Skipped,
            },
            Op::Extend(i) => match self.holds.get(*i) {
                Some(h) => match self.ledger.extend(*h, Duration::from_secs(600)).await {
                    Ok(hold) => Answer::Held {
                        hold: *i,
                        fresh: Some((0, hold.seats)),
                    },
                    Err(e) => Self::err(e),
                },
                None => Answer::Skipped,
            },
            Op::Snapshot => {
                let snap = self.ledger.snapshot(self.show).await.unwrap();
                Answer::Snapshot(snap.version - self.base, snap.seats)
            }
        }
    }
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 128, ..ProptestConfig::default() })]

    #[test]
    fn redis_ledger_behaves_like_the_model(ops in proptest::collection::vec(op(), 1..40)) {
        let runtime = tokio::runtime::Builder::new_current_thread().enable_all().build().unwrap();
        runtime.block_on(async {
            let redis: Arc<dyn SeatLedger> = Arc::new(crate::support::redis_ledger().await);
            let model: Arc<dyn SeatLedger> = Arc::new(MemoryLedger::new());
            let mut real = Run::new(redis).await;
            let mut expected = Run::new(model).await;
            for (step, op) in ops.iter().enumerate() {
                let got = real.apply(op).await;
                let want = expected.apply(op).await;
                prop_assert_eq!(got, want, "step {} {:?}", step, op);
            }
            Ok(())
        })?;
    }
}
