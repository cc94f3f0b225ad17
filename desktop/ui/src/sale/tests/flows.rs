//! Sales from start to end: cash, card, seats taken, a declined card.

use eventory_shared::live::ServerMessage;
use eventory_shared::{BookingStatus, Currency, Money, PaymentMethod};

use super::*;
use crate::protocol::{CommandError, TicketOutput};

#[test]
fn happy_path_cash_at_the_counter() {
    let mut map = live_map();
    let (mut sale, _) = held(SaleKind::Counter, &["E5", "E6"]);
    map.apply(&ServerMessage::SeatLocked(delta(11, &["E5", "E6"])));
    let booking = booking_of(&["E5", "E6"], PaymentMethod::Cash, BookingStatus::Pending);
    let tendered = Money::new(3000, Currency::EUR);
    let change = Some(Money::new(500, Currency::EUR));
    let effects = pay(
        &mut sale,
        PaymentMethod::Cash,
        Some(tendered),
        &booking,
        change,
        Some(&map),
    );
    // The seats are not sold yet: the selection goes, the booking is checked later.
    assert_eq!(
        effects,
        vec![
            Effect::ClearSelection,
            Effect::CheckLater {
                booking: booking.id,
                after: LATE_CHECK
            }
        ]
    );
    assert_eq!(
        sale.state(),
        &SaleState::Following {
            booking: booking.clone(),
            change_due: change
        }
    );
    // The live feed says the seats are sold: the booking is fetched at once.
    map.apply(&ServerMessage::SeatProcessing(delta(12, &["E5", "E6"])));
    assert_eq!(
        sale.handle(SaleEvent::SeatsChanged, Some(&map)),
        vec![Effect::CheckLater {
            booking: booking.id,
            after: LATE_CHECK
        }]
    );
    map.apply(&ServerMessage::SeatBooked(delta(13, &["E5", "E6"])));
    assert_eq!(
        sale.handle(SaleEvent::SeatsChanged, Some(&map)),
        vec![Effect::FetchBooking {
            booking: booking.id
        }]
    );
    let confirmed = with_status(&booking, BookingStatus::Confirmed);
    assert!(
        sale.handle(
            SaleEvent::BookingAnswered(Ok(confirmed.clone())),
            Some(&map)
        )
        .is_empty(),
        "the counter prints on request"
    );
    assert_eq!(
        sale.state(),
        &SaleState::Done {
            booking: confirmed.clone(),
            change_due: change,
            tickets: None
        }
    );
    // Print, then a new sale.
    assert_eq!(
        sale.handle(SaleEvent::PrintPressed, None),
        vec![Effect::Print {
            booking: booking.id
        }]
    );
    let out = TicketOutput {
        path: "/tmp/K7Q2M9XA.pdf".into(),
        printed: false,
    };
    sale.handle(SaleEvent::Printed(Ok(out.clone())), None);
    assert!(matches!(sale.state(), SaleState::Done { tickets: Some(Ok(t)), .. } if *t == out));
    sale.handle(SaleEvent::NewSale, None);
    assert_eq!(sale.state(), &SaleState::Selecting { taken: Vec::new() });
    assert_eq!(sale.error(), None);
}

#[test]
fn happy_path_card_at_the_kiosk_prints_by_itself() {
    let mut map = live_map();
    let (mut sale, _) = held(SaleKind::Kiosk, &["A1", "A2", "A3"]);
    let booking = booking_of(
        &["A1", "A2", "A3"],
        PaymentMethod::Card,
        BookingStatus::Pending,
    );
    // The outcome reached the map before the checkout's answer: fetched at once.
    map.apply(&ServerMessage::SeatBooked(delta(11, &["A1", "A2", "A3"])));
    let effects = pay(
        &mut sale,
        PaymentMethod::Card,
        None,
        &booking,
        None,
        Some(&map),
    );
    assert_eq!(
        effects,
        vec![
            Effect::ClearSelection,
            Effect::FetchBooking {
                booking: booking.id
            }
        ]
    );
    let confirmed = with_status(&booking, BookingStatus::Confirmed);
    assert_eq!(
        sale.handle(SaleEvent::BookingAnswered(Ok(confirmed)), Some(&map)),
        vec![Effect::Print {
            booking: booking.id
        }]
    );
    // A printer problem is the kiosk's ticket note, not an error box.
    let problem = CommandError::local("no printer");
    sale.handle(SaleEvent::Printed(Err(problem.clone())), None);
    assert!(matches!(sale.state(), SaleState::Done { tickets: Some(Err(e)), .. } if *e == problem));
    assert_eq!(sale.error(), None);
}

#[test]
fn a_refused_hold_goes_back_to_selecting_with_the_taken_seats() {
    let mut sale = Sale::new(SaleKind::Counter);
    sale.handle(
        SaleEvent::HoldPressed {
            show: show(),
            seats: seats(&["C12", "C13"]),
        },
        None,
    );
    // A second press while the hold is asked for does nothing.
    assert!(sale
        .handle(
            SaleEvent::HoldPressed {
                show: show(),
                seats: seats(&["C12", "C13"])
            },
            None
        )
        .is_empty());
    sale.handle(SaleEvent::HoldAnswered(Err(taken(&["C13"]))), None);
    assert_eq!(
        sale.state(),
        &SaleState::Selecting {
            taken: seats(&["C13"])
        }
    );
    assert_eq!(
        sale.error(),
        Some("Just taken by someone else: C13. Pick other seats.")
    );
    // Nothing to hold: nothing asked.
    assert!(sale
        .handle(
            SaleEvent::HoldPressed {
                show: show(),
                seats: Vec::new()
            },
            None
        )
        .is_empty());
    // The next hold succeeds and clears the message.
    sale.handle(
        SaleEvent::HoldPressed {
            show: show(),
            seats: seats(&["C12"]),
        },
        None,
    );
    sale.handle(SaleEvent::HoldAnswered(Ok(hold_of(&["C12"]))), None);
    assert_eq!(sale.error(), None);
    assert!(sale.held().is_some());
}

#[test]
fn a_declined_payment_fails_the_sale_and_frees_the_seats() {
    for (kind, words) in [
        (
            SaleKind::Counter,
            "Payment failed: booking K7Q2M9XA is Cancelled. The seats are for sale again.",
        ),
        (
            SaleKind::Kiosk,
            "The card was declined. Nothing was charged; please try again.",
        ),
    ] {
        let mut map = live_map();
        let (mut sale, _) = held(kind, &["B1"]);
        let booking = booking_of(&["B1"], PaymentMethod::Card, BookingStatus::Pending);
        pay(
            &mut sale,
            PaymentMethod::Card,
            None,
            &booking,
            None,
            Some(&map),
        );
        // Released on the map: the outcome is there, fetch it.
        map.apply(&ServerMessage::SeatLocked(delta(11, &["B1"])));
        map.apply(&ServerMessage::SeatReleased(delta(12, &["B1"])));
        assert_eq!(
            sale.handle(SaleEvent::SeatsChanged, Some(&map)),
            vec![Effect::FetchBooking {
                booking: booking.id
            }]
        );
        let cancelled = with_status(&booking, BookingStatus::Cancelled);
        assert!(sale
            .handle(
                SaleEvent::BookingAnswered(Ok(cancelled.clone())),
                Some(&map)
            )
            .is_empty());
        assert_eq!(sale.state(), &SaleState::Failed { booking: cancelled });
        assert_eq!(sale.error(), Some(words));
        assert!(sale.is_selecting(), "seats may be picked again");
    }
}

#[test]
fn the_attached_customer_goes_with_the_payment_and_leaves_with_the_sale() {
    let map = live_map();
    let (mut sale, _) = held(SaleKind::Counter, &["C3"]);
    let customer = eventory_shared::api::CustomerView {
        id: eventory_shared::UserId::from_uuid(uuid::Uuid::new_v4()),
        display_name: "Ada".into(),
        member_code: "A".repeat(26),
        points: 12,
        coupons: vec![eventory_shared::api::CouponView {
            code: "LOYAL-ADA-1".into(),
            percent_off: 20,
            redeemed: false,
        }],
    };
    let stranger = eventory_shared::api::CouponView {
        code: "SOMEONE-ELSES".into(),
        percent_off: 50,
        redeemed: false,
    };
    sale.use_coupon(Some(stranger));
    assert_eq!(sale.coupon(), None, "no customer, no coupon");
    sale.attach_customer(Some(customer.clone()));
    assert_eq!(sale.customer(), Some(&customer));
    sale.use_coupon(Some(customer.coupons[0].clone()));
    assert_eq!(
        sale.coupon(),
        Some(&customer.coupons[0]),
        "their own coupon"
    );
    let booking = booking_of(&["C3"], PaymentMethod::Card, BookingStatus::Pending);
    // `pay` checks the checkout names the attached customer and their coupon.
    pay(
        &mut sale,
        PaymentMethod::Card,
        None,
        &booking,
        None,
        Some(&map),
    );
    sale.attach_customer(None);
    assert_eq!(sale.customer(), Some(&customer), "kept once paying");
    let confirmed = with_status(&booking, BookingStatus::Confirmed);
    sale.handle(SaleEvent::BookingAnswered(Ok(confirmed)), Some(&map));
    sale.handle(SaleEvent::NewSale, None);
    assert_eq!(sale.customer(), None, "the next sale starts without them");
    assert_eq!(sale.coupon(), None);
}
