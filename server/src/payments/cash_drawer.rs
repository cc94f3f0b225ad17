//! Cash at the counter: the charge succeeds when the cashier has recorded an amount tendered
//! that covers the price, and answers the change due.

use std::sync::Arc;

use async_trait::async_trait;
use eventory_shared::Money;
use uuid::Uuid;

use super::{ChargeOutcome, ChargeRequest, GatewayError, PaymentGateway, PaymentJournal};

/// The counter's cash drawer.
pub struct CashDrawer {
    journal: Arc<PaymentJournal>,
}

impl Default for CashDrawer {
    fn default() -> Self {
        Self::new()
    }
}

impl CashDrawer {
    pub fn new() -> Self {
        Self {
            journal: Arc::new(PaymentJournal::in_memory()),
        }
    }

    /// Keeps its decisions in `journal` (a file survives restarts).
    pub fn with_journal(mut self, journal: Arc<PaymentJournal>) -> Self {
        self.journal = journal;
        self
    }
}

#[async_trait]
impl PaymentGateway for CashDrawer {
    async fn charge(&self, request: &ChargeRequest) -> Result<ChargeOutcome, GatewayError> {
        if let Some(answer) = self.journal.charge_of(request.booking_id) {
            return Ok(answer);
        }
        let outcome = match request.cash_tendered {
            None => ChargeOutcome::Declined {
                reason: "no cash amount was recorded".into(),
            },
            Some(tendered) => match tendered.checked_sub(request.amount) {
                Err(_) => ChargeOutcome::Declined {
                    reason: format!(
                        "cash in {} for a price in {}",
                        tendered.currency, request.amount.currency
                    ),
                },
                Ok(change) if change.is_negative() => ChargeOutcome::Declined {
                    reason: format!("{tendered} does not cover {}", request.amount),
                },
                Ok(change) => ChargeOutcome::Approved {
                    payment_id: Uuid::new_v4(),
                    change_due: Some(change),
                },
            },
        };
        self.journal
            .decide_charge(request.booking_id, request.method, request.amount, outcome)
            .map_err(|e| GatewayError::Unavailable(format!("cash journal: {e}")))
    }

    async fn refund(&self, payment_id: Uuid, amount: Money) -> Result<(), GatewayError> {
        // Cash goes back over the counter; the drawer records it once.
        self.journal
            .decide_refund(payment_id, amount)
            .map(drop)
            .map_err(|e| GatewayError::Unavailable(format!("cash journal: {e}")))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use eventory_shared::{BookingId, Currency, PaymentMethod};

    fn cash(amount: i64, tendered: Option<Money>) -> ChargeRequest {
        ChargeRequest {
            booking_id: BookingId::from_uuid(Uuid::new_v4()),
            amount: Money::new(amount, Currency::EUR),
            method: PaymentMethod::Cash,
            cash_tendered: tendered,
        }
    }

    #[tokio::test]
    async fn change_due_is_tendered_minus_price() {
        let drawer = CashDrawer::new();
        let outcome = drawer
            .charge(&cash(3750, Some(Money::new(5000, Currency::EUR))))
            .await
            .unwrap();
        assert!(
            matches!(outcome, ChargeOutcome::Approved { change_due: Some(c), .. } if c == Money::new(1250, Currency::EUR))
        );
        let exact = drawer
            .charge(&cash(3750, Some(Money::new(3750, Currency::EUR))))
            .await
            .unwrap();
        assert!(
            matches!(exact, ChargeOutcome::Approved { change_due: Some(c), .. } if c.amount_minor == 0)
        );
    }

    #[tokio::test]
    async fn too_little_missing_or_foreign_cash_is_declined() {
        let drawer = CashDrawer::new();
        for request in [
            cash(3750, Some(Money::new(2000, Currency::EUR))),
            cash(3750, None),
            cash(3750, Some(Money::new(5000, Currency::USD))),
        ] {
            assert!(matches!(
                drawer.charge(&request).await.unwrap(),
                ChargeOutcome::Declined { .. }
            ));
        }
    }
}
