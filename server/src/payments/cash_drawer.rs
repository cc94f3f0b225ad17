//! Cash at the counter: the charge succeeds when the cashier has recorded an amount tendered
//! that covers the price, and answers the change due.

use std::collections::HashMap;
use std::sync::Mutex;

use async_trait::async_trait;
use eventory_shared::{BookingId, Money};
use uuid::Uuid;

use super::{ChargeOutcome, ChargeRequest, GatewayError, PaymentGateway};

/// The counter's cash drawer.
#[derive(Default)]
pub struct CashDrawer {
    answers: Mutex<HashMap<BookingId, ChargeOutcome>>,
}

impl CashDrawer {
    pub fn new() -> Self {
        Self::default()
    }
}

#[async_trait]
impl PaymentGateway for CashDrawer {
    async fn charge(&self, request: &ChargeRequest) -> Result<ChargeOutcome, GatewayError> {
        let mut answers = self.answers.lock().expect("drawer lock");
        if let Some(answer) = answers.get(&request.booking_id) {
            return Ok(answer.clone());
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
        answers.insert(request.booking_id, outcome.clone());
        Ok(outcome)
    }

    async fn refund(&self, _payment_id: Uuid, _amount: Money) -> Result<(), GatewayError> {
        // Cash goes back over the counter; the refund is recorded by the booking worker.
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use eventory_shared::{Currency, PaymentMethod};

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
