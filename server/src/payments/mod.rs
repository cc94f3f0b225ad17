//! Payments: the `PaymentGateway` port and its implementations (a simulated card terminal and
//! cash at the counter, both remembering their decisions in a [`PaymentJournal`]). The flow that
//! uses them lives in `sales`.

mod card_terminal;
mod cash_drawer;
pub mod journal;

use async_trait::async_trait;
use eventory_shared::{BookingId, Money, PaymentMethod};
use uuid::Uuid;

pub use card_terminal::SimulatedCardTerminal;
pub use cash_drawer::CashDrawer;
pub use journal::PaymentJournal;

/// A charge to make.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ChargeRequest {
    pub booking_id: BookingId,
    pub amount: Money,
    pub method: PaymentMethod,
    /// Cash at the counter: what the customer handed over.
    pub cash_tendered: Option<Money>,
}

/// What the gateway answered.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum ChargeOutcome {
    Approved {
        payment_id: Uuid,
        /// Cash: change to hand back.
        change_due: Option<Money>,
    },
    Declined {
        reason: String,
    },
}

/// Why a gateway could not answer (worth retrying, unlike a decline).
#[derive(Debug, thiserror::Error)]
pub enum GatewayError {
    #[error("payment gateway unavailable: {0}")]
    Unavailable(String),
}

/// A way to take money.
///
/// Charges are idempotent per booking: asking again for a booking already charged returns
/// the first answer and charges nothing more, as real payment providers do with an
/// idempotency key. That is what makes "charged at most once" hold when the event that
/// triggers a charge is delivered twice.
#[async_trait]
pub trait PaymentGateway: Send + Sync + 'static {
    async fn charge(&self, request: &ChargeRequest) -> Result<ChargeOutcome, GatewayError>;

    /// Gives back an approved payment (refunds, payments that arrived after their hold was
    /// lost). Idempotent per payment.
    async fn refund(&self, payment_id: Uuid, amount: Money) -> Result<(), GatewayError>;
}

/// Routes each charge to the gateway of its payment method.
pub struct Gateways {
    pub card: Box<dyn PaymentGateway>,
    pub cash: Box<dyn PaymentGateway>,
}

impl Gateways {
    pub fn for_method(&self, method: PaymentMethod) -> &dyn PaymentGateway {
        match method {
            PaymentMethod::Card => self.card.as_ref(),
            PaymentMethod::Cash => self.cash.as_ref(),
        }
    }
}
