//! The simulated gateways' memory: every charge and refund decision, keyed the way a real
//! payment provider keys them (a charge by its idempotency key, the booking id; a refund by the
//! payment it returns), written to a JSON-lines file and fsync'd before the answer is given, and
//! read back at start. So the simulated card terminal keeps the promise real providers make
//! across our restarts: asking again for a booking answers the first decision and charges
//! nothing more. The file is also the record a chaos test audits (at most one charge per
//! booking, at most one refund per payment).
//!
//! One line per decision:
//! `{"op":"charge","booking_id":…,"payment_id":…,"method":"card","amount_minor":1000,"currency":"EUR","approved":true}`
//! `{"op":"refund","payment_id":…,"amount_minor":1000,"currency":"EUR"}`

use std::collections::{HashMap, HashSet};
use std::fs::{File, OpenOptions};
use std::io::{BufRead, BufReader, Write};
use std::path::{Path, PathBuf};
use std::sync::Mutex;

use anyhow::Context;
use eventory_shared::{BookingId, Currency, Money, PaymentMethod};
use serde::{Deserialize, Serialize};
use uuid::Uuid;

use super::ChargeOutcome;

/// One decision, as written.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "op", rename_all = "snake_case")]
pub enum JournalLine {
    Charge {
        booking_id: BookingId,
        payment_id: Uuid,
        method: PaymentMethod,
        amount_minor: i64,
        currency: Currency,
        approved: bool,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        reason: Option<String>,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        change_due_minor: Option<i64>,
    },
    Refund {
        payment_id: Uuid,
        amount_minor: i64,
        currency: Currency,
    },
}

#[derive(Default)]
struct State {
    file: Option<File>,
    charges: HashMap<BookingId, ChargeOutcome>,
    refunds: HashSet<Uuid>,
}

/// Decisions of the simulated gateways, in memory or backed by a file.
pub struct PaymentJournal {
    path: Option<PathBuf>,
    state: Mutex<State>,
}

impl PaymentJournal {
    /// A journal that lives only as long as the process (unit tests).
    pub fn in_memory() -> Self {
        Self {
            path: None,
            state: Mutex::new(State::default()),
        }
    }

    /// Opens (or creates) the journal file and replays it.
    pub fn open(path: &Path) -> anyhow::Result<Self> {
        if let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty()) {
            std::fs::create_dir_all(dir)
                .with_context(|| format!("cannot create {}", dir.display()))?;
        }
        let mut state = State::default();
        if path.exists() {
            let reader = BufReader::new(
                File::open(path).with_context(|| format!("cannot read {}", path.display()))?,
            );
            for line in reader.lines() {
                let line = line?;
                // A line cut short by a crash was never answered: skip it.
                let Ok(entry) = serde_json::from_str::<JournalLine>(&line) else {
                    continue;
                };
                state.apply(entry);
            }
        }
        let mut file = OpenOptions::new()
            .create(true)
            .append(true)
            .open(path)
            .with_context(|| format!("cannot append to {}", path.display()))?;
        let torn = std::fs::read(path)?.last().is_some_and(|b| *b != b'\n');
        if torn {
            // End the torn line so the next decision starts a line of its own.
            file.write_all(b"\n")?;
        }
        state.file = Some(file);
        Ok(Self {
            path: Some(path.to_owned()),
            state: Mutex::new(state),
        })
    }

    pub fn path(&self) -> Option<&Path> {
        self.path.as_deref()
    }

    /// The decision already made for a booking, if any.
    pub fn charge_of(&self, booking: BookingId) -> Option<ChargeOutcome> {
        self.lock().charges.get(&booking).cloned()
    }

    /// Records `outcome` as the decision for a booking unless one exists; answers the
    /// decision that stands (the first one).
    pub fn decide_charge(
        &self,
        booking: BookingId,
        method: PaymentMethod,
        amount: Money,
        outcome: ChargeOutcome,
    ) -> std::io::Result<ChargeOutcome> {
        let mut state = self.lock();
        if let Some(first) = state.charges.get(&booking) {
            return Ok(first.clone());
        }
        let line = match &outcome {
            ChargeOutcome::Approved {
                payment_id,
                change_due,
            } => JournalLine::Charge {
                booking_id: booking,
                payment_id: *payment_id,
                method,
                amount_minor: amount.amount_minor,
                currency: amount.currency,
                approved: true,
                reason: None,
                change_due_minor: change_due.map(|c| c.amount_minor),
            },
            ChargeOutcome::Declined { reason } => JournalLine::Charge {
                booking_id: booking,
                payment_id: Uuid::nil(),
                method,
                amount_minor: amount.amount_minor,
                currency: amount.currency,
                approved: false,
                reason: Some(reason.clone()),
                change_due_minor: None,
            },
        };
        state.write(&line)?;
        state.apply(line);
        Ok(outcome)
    }

    /// Whether `payment_id` was refunded already.
    pub fn refunded(&self, payment_id: Uuid) -> bool {
        self.lock().refunds.contains(&payment_id)
    }

    /// Records a refund of a payment once; `true` if this call made it.
    pub fn decide_refund(&self, payment_id: Uuid, amount: Money) -> std::io::Result<bool> {
        let mut state = self.lock();
        if state.refunds.contains(&payment_id) {
            return Ok(false);
        }
        let line = JournalLine::Refund {
            payment_id,
            amount_minor: amount.amount_minor,
            currency: amount.currency,
        };
        state.write(&line)?;
        state.apply(line);
        Ok(true)
    }

    /// Approved charges made.
    pub fn charges_made(&self) -> usize {
        self.lock()
            .charges
            .values()
            .filter(|a| matches!(a, ChargeOutcome::Approved { .. }))
            .count()
    }

    /// Payments refunded.
    pub fn refunds_made(&self) -> usize {
        self.lock().refunds.len()
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, State> {
        self.state.lock().expect("journal lock")
    }
}

impl State {
    fn apply(&mut self, line: JournalLine) {
        match line {
            JournalLine::Charge {
                booking_id,
                payment_id,
                approved,
                reason,
                change_due_minor,
                currency,
                ..
            } => {
                let outcome = if approved {
                    ChargeOutcome::Approved {
                        payment_id,
                        change_due: change_due_minor.map(|m| Money::new(m, currency)),
                    }
                } else {
                    ChargeOutcome::Declined {
                        reason: reason.unwrap_or_else(|| "declined".into()),
                    }
                };
                self.charges.entry(booking_id).or_insert(outcome);
            }
            JournalLine::Refund { payment_id, .. } => {
                self.refunds.insert(payment_id);
            }
        }
    }

    /// Appends a line and syncs it to disk before the decision is answered.
    fn write(&mut self, line: &JournalLine) -> std::io::Result<()> {
        let Some(file) = &mut self.file else {
            return Ok(());
        };
        let mut text = serde_json::to_string(line).map_err(std::io::Error::other)?;
        text.push('\n');
        file.write_all(text.as_bytes())?;
        file.sync_data()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn decisions_survive_a_reopen_and_the_first_one_stands() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("payments.jsonl");
        let booking = BookingId::from_uuid(Uuid::new_v4());
        let paid = Uuid::new_v4();
        let eur = |m| Money::new(m, Currency::EUR);
        {
            let journal = PaymentJournal::open(&path).unwrap();
            let first = ChargeOutcome::Approved {
                payment_id: paid,
                change_due: Some(eur(500)),
            };
            let answer = journal
                .decide_charge(booking, PaymentMethod::Cash, eur(1500), first.clone())
                .unwrap();
            assert_eq!(answer, first);
            assert!(journal.decide_refund(paid, eur(1500)).unwrap());
        }
        let journal = PaymentJournal::open(&path).unwrap();
        let again = journal
            .decide_charge(
                booking,
                PaymentMethod::Cash,
                eur(1500),
                ChargeOutcome::Declined {
                    reason: "late".into(),
                },
            )
            .unwrap();
        assert_eq!(
            again,
            ChargeOutcome::Approved {
                payment_id: paid,
                change_due: Some(eur(500)),
            }
        );
        assert!(!journal.decide_refund(paid, eur(1500)).unwrap());
        assert_eq!((journal.charges_made(), journal.refunds_made()), (1, 1));
        let lines = std::fs::read_to_string(&path).unwrap();
        assert_eq!(lines.lines().count(), 2, "{lines}");
    }

    #[test]
    fn a_torn_last_line_is_ignored() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("payments.jsonl");
        std::fs::write(&path, "{\"op\":\"charge\",\"booking_").unwrap();
        let journal = PaymentJournal::open(&path).unwrap();
        assert_eq!(journal.charges_made(), 0);
        let booking = BookingId::from_uuid(Uuid::new_v4());
        let outcome = ChargeOutcome::Approved {
            payment_id: Uuid::new_v4(),
            change_due: None,
        };
        journal
            .decide_charge(
                booking,
                PaymentMethod::Card,
                Money::new(100, Currency::EUR),
                outcome.clone(),
            )
            .unwrap();
        drop(journal);
        let reopened = PaymentJournal::open(&path).unwrap();
        assert_eq!(reopened.charge_of(booking), Some(outcome));
    }
}
