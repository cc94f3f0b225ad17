//! One sale, select -> hold -> pay -> follow -> print, as a plain state machine shared by the
//! box office and the kiosk: the screens feed it [`SaleEvent`]s (a press, a command's answer,
//! a live-map change, a timer), render from its [`SaleState`], and carry out the [`Effect`]s
//! it asks for (the commands to call, the timer to start). It does no I/O itself, so every
//! path is tested natively; the payment follow-up is written here once.
//!
//! ```text
//! Selecting --hold pressed--> Holding --held--> Held --pay pressed--> Paying --booked--> Following
//!   ^  ^                        |  refused       |  released/expired     | refused: Held      |
//!   |  +------------------------+----------------+                                            |
//!   |            (Failed counts as Selecting)        Failed <--- declined ---+--- paid ---> Done
//!   +--------------------------- new sale / reset -----------------------------------------+
//! ```

mod machine;

#[cfg(test)]
mod tests;

use std::time::Duration;

use eventory_shared::api::{CheckoutResponse, HoldResponse};
use eventory_shared::{Booking, BookingId, HoldId, Money, PaymentMethod, SeatId, ShowId, UserId};

use crate::protocol::{CommandError, TicketOutput};

pub use machine::Sale;

/// Without a live outcome, the booking of a payment is checked this long after the last
/// change of its seats (covers an outcome missed while the feed reconnected).
pub const LATE_CHECK: Duration = Duration::from_secs(8);

/// Who sells: the words of some messages, and what happens after the payment, differ.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum SaleKind {
    /// The box office: cash or card, tickets printed on request, every error shown.
    Counter,
    /// The self-service kiosk: card only, tickets printed as soon as the sale is done.
    Kiosk,
}

/// Where the sale is.
#[derive(Clone, Debug, PartialEq)]
pub enum SaleState {
    /// Choosing seats. `taken`: the seats a refused hold named (someone else was faster).
    Selecting { taken: Vec<SeatId> },
    /// The hold is asked for.
    Holding { show: ShowId, seats: Vec<SeatId> },
    /// The seats are ours until the hold expires.
    Held { hold: HoldResponse },
    /// The checkout is asked for (another press of "pay" is ignored).
    Paying {
        hold: HoldResponse,
        payment: PaymentMethod,
    },
    /// The booking exists (pending): waiting for the payment's outcome.
    Following {
        booking: Booking,
        change_due: Option<Money>,
    },
    /// Paid. `tickets`: what printing answered, once it did.
    Done {
        booking: Booking,
        change_due: Option<Money>,
        tickets: Option<Result<TicketOutput, CommandError>>,
    },
    /// The payment failed; the seats are for sale again.
    Failed { booking: Booking },
}

/// What happened.
#[derive(Clone, Debug, PartialEq)]
pub enum SaleEvent {
    /// "Hold" with the seats picked on the map.
    HoldPressed {
        show: ShowId,
        seats: Vec<SeatId>,
    },
    HoldAnswered(Result<HoldResponse, CommandError>),
    /// "Release" / "Cancel" while the seats are held.
    ReleasePressed,
    Released(Result<(), CommandError>),
    /// The hold's countdown reached zero.
    HoldExpired,
    /// "Take payment" / "Pay by card".
    PayPressed {
        payment: PaymentMethod,
        cash_tendered: Option<Money>,
    },
    CheckoutAnswered(Result<CheckoutResponse, CommandError>),
    /// Seats changed on the live map (the map is given to [`Sale::handle`]).
    SeatsChanged,
    /// The late check of a payment is due ([`Effect::CheckLater`]).
    CheckDue {
        booking: BookingId,
    },
    BookingAnswered(Result<Booking, CommandError>),
    PrintPressed,
    Printed(Result<TicketOutput, CommandError>),
    /// The held seats went to an exchange of another booking: the hold is gone.
    HoldUsed,
    /// "New sale" / "Done" after a sale.
    NewSale,
    /// Back to the start whatever the stage, letting go of a hold (kiosk inactivity, a new
    /// show picked at the kiosk).
    Reset,
}

/// What the screen must do for the sale; its answer comes back as the matching event.
#[derive(Clone, Debug, PartialEq)]
pub enum Effect {
    /// `hold` -> [`SaleEvent::HoldAnswered`].
    Hold { show: ShowId, seats: Vec<SeatId> },
    /// `release` -> [`SaleEvent::Released`].
    Release { hold: HoldId },
    /// `checkout` -> [`SaleEvent::CheckoutAnswered`].
    Checkout {
        hold: HoldId,
        payment: PaymentMethod,
        cash_tendered: Option<Money>,
        /// The attached customer's account.
        customer: Option<UserId>,
        /// The ticket type of each seat that is not `adult`.
        ticket_types: std::collections::BTreeMap<SeatId, String>,
        /// The attached customer's coupon to redeem.
        coupon: Option<String>,
    },
    /// `booking` -> [`SaleEvent::BookingAnswered`].
    FetchBooking { booking: BookingId },
    /// A timer -> [`SaleEvent::CheckDue`].
    CheckLater { booking: BookingId, after: Duration },
    /// Empty the seat selection of the map.
    ClearSelection,
    /// `print_tickets` -> [`SaleEvent::Printed`].
    Print { booking: BookingId },
}
