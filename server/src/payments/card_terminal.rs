//! A simulated card terminal: configurable latency and decline rate, deterministic per booking
//! (the same booking always gets the same answer), idempotent per booking (the booking id is
//! the idempotency key) and per refunded payment, across restarts when its journal is a file.

use std::hash::{Hash, Hasher};
use std::sync::Arc;
use std::time::Duration;

use async_trait::async_trait;
use eventory_shared::{BookingId, Money};
use uuid::Uuid;

use super::{ChargeOutcome, ChargeRequest, GatewayError, PaymentGateway, PaymentJournal};

/// The simulated card terminal.
pub struct SimulatedCardTerminal {
    latency: Duration,
    /// Share of bookings declined, 0.0..=1.0.
    decline_rate: f64,
    seed: u64,
    journal: Arc<PaymentJournal>,
}

impl SimulatedCardTerminal {
    pub fn new(latency: Duration, decline_rate: f64, seed: u64) -> Self {
        Self {
            latency,
            decline_rate: decline_rate.clamp(0.0, 1.0),
            seed,
            journal: Arc::new(PaymentJournal::in_memory()),
        }
    }

    /// Keeps its decisions in `journal` (a file survives restarts).
    pub fn with_journal(mut self, journal: Arc<PaymentJournal>) -> Self {
        self.journal = journal;
        self
    }

    /// How many bookings were actually charged (approved), for tests and audits.
    pub fn charges_made(&self) -> usize {
        self.journal.charges_made()
    }

    /// How many payments were refunded.
    pub fn refunds_made(&self) -> usize {
        self.journal.refunds_made()
    }

    fn declines(&self, booking: BookingId) -> bool {
        let mut hasher = std::collections::hash_map::DefaultHasher::new();
        (self.seed, booking).hash(&mut hasher);
        (hasher.finish() % 10_000) < (self.decline_rate * 10_000.0) as u64
    }
}

#[async_trait]
impl PaymentGateway for SimulatedCardTerminal {
    async fn charge(&self, request: &ChargeRequest) -> Result<ChargeOutcome, GatewayError> {
        if let Some(answer) = self.journal.charge_of(request.booking_id) {
            return Ok(answer);
        }
        if !self.latency.is_zero() {
            // Even a zero sleep waits for the next timer tick; skip it.
            tokio::time::sleep(self.latency).await;
        }
        let outcome = if request.amount.is_negative() {
            ChargeOutcome::Declined {
                reason: "negative amount".into(),
            }
        } else if self.declines(request.booking_id) {
            ChargeOutcome::Declined {
                reason: "card declined by issuer".into(),
            }
        } else {
            ChargeOutcome::Approved {
                payment_id: Uuid::new_v4(),
                change_due: None,
            }
        };
        // Two concurrent charges for one booking: the first answer recorded wins, and only it
        // was a charge.
        self.journal
            .decide_charge(request.booking_id, request.method, request.amount, outcome)
            .map_err(|e| GatewayError::Unavailable(format!("terminal journal: {e}")))
    }

    async fn refund(&self, payment_id: Uuid, amount: Money) -> Result<(), GatewayError> {
        // A refund goes to the card network too (a repeat is answered from the journal).
        if !self.latency.is_zero() && !self.journal.refunded(payment_id) {
            tokio::time::sleep(self.latency).await;
        }
        self.journal
            .decide_refund(payment_id, amount)
            .map(drop)
            .map_err(|e| GatewayError::Unavailable(format!("terminal journal: {e}")))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use eventory_shared::{Currency, PaymentMethod};

    fn charge(booking: BookingId) -> ChargeRequest {
        ChargeRequest {
            booking_id: booking,
            amount: Money::new(1000, Currency::EUR),
            method: PaymentMethod::Card,
            cash_tendered: None,
        }
    }

    #[tokio::test]
    async fn a_booking_is_charged_once_however_often_it_asks() {
        let terminal = SimulatedCardTerminal::new(Duration::ZERO, 0.0, 1);
        let booking = BookingId::from_uuid(Uuid::new_v4());
        let first = terminal.charge(&charge(booking)).await.unwrap();
        let again = terminal.charge(&charge(booking)).await.unwrap();
        assert_eq!(first, again);
        assert_eq!(terminal.charges_made(), 1);
    }

    #[tokio::test]
    async fn decline_rate_is_deterministic_and_roughly_right() {
        let terminal = SimulatedCardTerminal::new(Duration::ZERO, 0.25, 7);
        let twin = SimulatedCardTerminal::new(Duration::ZERO, 0.25, 7);
        let mut declined = 0;
        for n in 0..2000u128 {
            let booking = BookingId::from_uuid(Uuid::from_u128(n));
            let a = terminal.charge(&charge(booking)).await.unwrap();
            let b = twin.charge(&charge(booking)).await.unwrap();
            assert_eq!(
                matches!(a, ChargeOutcome::Declined { .. }),
                matches!(b, ChargeOutcome::Declined { .. })
            );
            declined += usize::from(matches!(a, ChargeOutcome::Declined { .. }));
        }
        assert!(
            (400..600).contains(&declined),
            "{declined} of 2000 declined at 25%"
        );
    }

    #[tokio::test]
    async fn extremes_always_or_never_decline() {
        let never = SimulatedCardTerminal::new(Duration::ZERO, 0.0, 1);
        let always = SimulatedCardTerminal::new(Duration::ZERO, 1.0, 1);
        for _ in 0..50 {
            let booking = BookingId::from_uuid(Uuid::new_v4());
            assert!(matches!(
                never.charge(&charge(booking)).await.unwrap(),
                ChargeOutcome::Approved { .. }
            ));
            assert!(matches!(
                always.charge(&charge(booking)).await.unwrap(),
                ChargeOutcome::Declined { .. }
            ));
        }
    }
}
