//! Late, doubled and interrupted sales: the late check, late answers, a double press on pay,
//! expiry and release, the kiosk's inactivity reset, an exchange.

use eventory_shared::{BookingId, BookingStatus, ErrorCode, PaymentMethod};

use super::*;
use crate::protocol::CommandError;

#[test]
fn the_late_check_covers_a_missed_outcome_and_late_answers_are_ignored() {
    let (mut sale, _) = held(SaleKind::Counter, &["D4"]);
    let booking = booking_of(&["D4"], PaymentMethod::Card, BookingStatus::Pending);
    // No live map at all (the feed is reconnecting): only the late check.
    let effects = pay(&mut sale, PaymentMethod::Card, None, &booking, None, None);
    assert_eq!(
        effects[1],
        Effect::CheckLater {
            booking: booking.id,
            after: LATE_CHECK
        }
    );
    // A check due for another (earlier) sale's booking does nothing.
    assert!(sale
        .handle(
            SaleEvent::CheckDue {
                booking: BookingId::from_uuid(uuid::Uuid::new_v4())
            },
            None
        )
        .is_empty());
    // The check is due: fetch; still pending: keep following.
    assert_eq!(
        sale.handle(
            SaleEvent::CheckDue {
                booking: booking.id
            },
            None
        ),
        vec![Effect::FetchBooking {
            booking: booking.id
        }]
    );
    sale.handle(SaleEvent::BookingAnswered(Ok(booking.clone())), None);
    assert!(matches!(sale.state(), SaleState::Following { .. }));
    // A network error is shown, the sale keeps following.
    sale.handle(
        SaleEvent::BookingAnswered(Err(CommandError {
            offline: true,
            ..CommandError::local("refused")
        })),
        None,
    );
    assert!(sale.error().unwrap().contains("cannot be reached"));
    assert!(matches!(sale.state(), SaleState::Following { .. }));
    // Someone else's booking in an answer does not settle this sale.
    let other = booking_of(&["D5"], PaymentMethod::Card, BookingStatus::Confirmed);
    sale.handle(SaleEvent::BookingAnswered(Ok(other)), None);
    assert!(matches!(sale.state(), SaleState::Following { .. }));
    // Confirmed; then a late, older answer (pending, or a second confirmed) changes nothing.
    let confirmed = with_status(&booking, BookingStatus::Confirmed);
    sale.handle(SaleEvent::BookingAnswered(Ok(confirmed.clone())), None);
    let done = sale.state().clone();
    assert!(matches!(done, SaleState::Done { .. }));
    sale.handle(SaleEvent::BookingAnswered(Ok(booking.clone())), None);
    sale.handle(
        SaleEvent::CheckDue {
            booking: booking.id,
        },
        None,
    );
    sale.handle(SaleEvent::SeatsChanged, None);
    assert_eq!(sale.state(), &done);
}

#[test]
fn a_double_press_on_pay_checks_out_once() {
    let (mut sale, hold) = held(SaleKind::Kiosk, &["A1"]);
    let press = SaleEvent::PayPressed {
        payment: PaymentMethod::Card,
        cash_tendered: None,
    };
    assert_eq!(sale.handle(press.clone(), None).len(), 1);
    assert!(sale.handle(press.clone(), None).is_empty(), "ignored");
    assert!(matches!(sale.state(), SaleState::Paying { .. }));
    // A refused checkout leaves the seats held, to try again.
    sale.handle(
        SaleEvent::CheckoutAnswered(Err(CommandError::local("terminal busy"))),
        None,
    );
    assert_eq!(sale.state(), &SaleState::Held { hold });
    assert_eq!(sale.error(), Some("terminal busy"));
    assert_eq!(sale.handle(press, None).len(), 1);
}

#[test]
fn an_expired_hold_or_a_release_goes_back_to_selecting() {
    let (mut sale, hold) = held(SaleKind::Counter, &["F1"]);
    assert_eq!(
        sale.handle(SaleEvent::ReleasePressed, None),
        vec![
            Effect::Release { hold: hold.hold_id },
            Effect::ClearSelection
        ]
    );
    assert!(sale.is_selecting());
    sale.handle(SaleEvent::Released(Err(CommandError::local("gone"))), None);
    assert_eq!(sale.error(), Some("gone"), "the counter is told");

    let (mut sale, _) = held(SaleKind::Kiosk, &["F1"]);
    sale.handle(SaleEvent::HoldExpired, None);
    assert_eq!(sale.state(), &SaleState::Selecting { taken: Vec::new() });
    assert_eq!(
        sale.error(),
        Some("Time ran out and the seats were released.")
    );

    // An expired hold found at checkout: back to selecting too.
    let (mut sale, _) = held(SaleKind::Counter, &["F2"]);
    sale.handle(
        SaleEvent::PayPressed {
            payment: PaymentMethod::Card,
            cash_tendered: None,
        },
        None,
    );
    sale.handle(
        SaleEvent::CheckoutAnswered(Err(CommandError {
            code: Some(ErrorCode::HoldExpired),
            message: "expired".into(),
            seats: Vec::new(),
            offline: false,
        })),
        None,
    );
    assert!(sale.is_selecting());
    assert_eq!(
        sale.error(),
        Some("The hold expired and the seats were released. Select them again.")
    );
}

#[test]
fn kiosk_inactivity_resets_the_sale_and_lets_go_of_the_hold() {
    let mut idle = Inactivity::new(t0(), IDLE_RESET);
    let (mut sale, hold) = held(SaleKind::Kiosk, &["A1", "A2"]);
    sale.report("Sorry, 6 seats together are not free.");
    idle.touch(t0() + Span::seconds(10));
    assert!(!idle.should_reset(t0() + Span::seconds(69)));
    assert!(idle.should_reset(t0() + Span::seconds(70)));
    assert_eq!(
        sale.handle(SaleEvent::Reset, None),
        vec![Effect::Release { hold: hold.hold_id }]
    );
    assert_eq!(sale.state(), &SaleState::Selecting { taken: Vec::new() });
    assert_eq!(sale.error(), None);
    // A hold answered after the reset is let go of at once.
    let late = hold_of(&["A3"]);
    assert_eq!(
        sale.handle(SaleEvent::HoldAnswered(Ok(late.clone())), None),
        vec![Effect::Release { hold: late.hold_id }]
    );
    assert!(sale.held().is_none());
    // A reset while following drops the sale on screen (the booking completes on the server).
    let (mut sale, _) = held(SaleKind::Kiosk, &["B1"]);
    let booking = booking_of(&["B1"], PaymentMethod::Card, BookingStatus::Pending);
    pay(&mut sale, PaymentMethod::Card, None, &booking, None, None);
    assert!(sale.handle(SaleEvent::Reset, None).is_empty());
    assert!(sale
        .handle(
            SaleEvent::BookingAnswered(Ok(with_status(&booking, BookingStatus::Confirmed))),
            None
        )
        .is_empty());
    assert!(sale.is_selecting());
}

#[test]
fn an_exchange_uses_the_hold() {
    let (mut sale, _) = held(SaleKind::Counter, &["G1"]);
    assert!(sale.handle(SaleEvent::HoldUsed, None).is_empty());
    assert!(sale.is_selecting());
}
