//! The sale flow of the box office and the kiosk, natively: every path a screen can take.
//! This file holds the fixtures; `flows` the sales from start to end, `edges` the late,
//! doubled and interrupted ones.

mod edges;
mod flows;

use std::collections::BTreeMap;

use chrono::{DateTime, Duration as Span, Utc};
use eventory_shared::api::{CheckoutResponse, HoldResponse};
use eventory_shared::live::{SeatDelta, ServerMessage};
use eventory_shared::{
    Booking, BookingId, BookingStatus, CategoryId, Channel, Currency, ErrorCode, HoldId, Money,
    PaymentMethod, SeatId, SeatMap, ShowId, VenueLayout,
};

use super::*;
use crate::kiosk::{Inactivity, IDLE_RESET};
use crate::live_map::LiveMap;
use crate::protocol::CommandError;

pub(super) fn t0() -> DateTime<Utc> {
    DateTime::from_timestamp(1_800_000_000, 0).unwrap()
}

pub(super) fn show() -> ShowId {
    "6f9619ff-8b86-d011-b42d-00cf4fc964ff".parse().unwrap()
}

pub(super) fn seats(names: &[&str]) -> Vec<SeatId> {
    names.iter().map(|s| s.parse().unwrap()).collect()
}

pub(super) fn hold_of(names: &[&str]) -> HoldResponse {
    HoldResponse {
        hold_id: HoldId::from_uuid(uuid::Uuid::new_v4()),
        show_id: show(),
        seats: seats(names),
        expires_at: t0() + Span::seconds(300),
    }
}

pub(super) fn booking_of(names: &[&str], payment: PaymentMethod, status: BookingStatus) -> Booking {
    Booking {
        id: BookingId::from_uuid(uuid::Uuid::new_v4()),
        code: "K7Q2M9XA".into(),
        show_id: show(),
        user_id: None,
        customer_id: None,
        ticket_types: Default::default(),
        seats: seats(names),
        amount: Money::new(2500, Currency::EUR),
        channel: Channel::Counter,
        payment_method: payment,
        status,
        created_at: t0(),
        updated_at: t0(),
    }
}

pub(super) fn with_status(booking: &Booking, status: BookingStatus) -> Booking {
    Booking {
        status,
        ..booking.clone()
    }
}

/// A live map at version 10, every seat available.
pub(super) fn live_map() -> LiveMap {
    let mut map = LiveMap::new(show());
    map.set_connected(true);
    map.apply(&ServerMessage::InitialSeatStatus {
        seat_map: SeatMap {
            show_id: show(),
            version: 10,
            layout: VenueLayout::grid(5, 8, &CategoryId::new("standard"), None),
            states: BTreeMap::new(),
        },
    });
    map
}

pub(super) fn delta(version: u64, names: &[&str]) -> SeatDelta {
    SeatDelta {
        show_id: show(),
        version,
        seats: seats(names),
        hold_id: None,
    }
}

pub(super) fn taken(names: &[&str]) -> CommandError {
    CommandError {
        code: Some(ErrorCode::SeatsTaken),
        message: "seats taken".into(),
        seats: seats(names),
        offline: false,
    }
}

/// A sale of `kind` holding `names`.
pub(super) fn held(kind: SaleKind, names: &[&str]) -> (Sale, HoldResponse) {
    let mut sale = Sale::new(kind);
    let effects = sale.handle(
        SaleEvent::HoldPressed {
            show: show(),
            seats: seats(names),
        },
        None,
    );
    assert_eq!(
        effects,
        vec![Effect::Hold {
            show: show(),
            seats: seats(names)
        }]
    );
    assert!(matches!(sale.state(), SaleState::Holding { .. }));
    let hold = hold_of(names);
    assert!(sale
        .handle(SaleEvent::HoldAnswered(Ok(hold.clone())), None)
        .is_empty());
    assert_eq!(sale.state(), &SaleState::Held { hold: hold.clone() });
    (sale, hold)
}

/// Pays the held sale and answers the checkout with `booking`.
pub(super) fn pay(
    sale: &mut Sale,
    payment: PaymentMethod,
    cash: Option<Money>,
    booking: &Booking,
    change_due: Option<Money>,
    map: Option<&LiveMap>,
) -> Vec<Effect> {
    let hold = sale.held().unwrap().hold_id;
    assert_eq!(
        sale.handle(
            SaleEvent::PayPressed {
                payment,
                cash_tendered: cash
            },
            map
        ),
        vec![Effect::Checkout {
            hold,
            payment,
            cash_tendered: cash,
            customer: sale.customer().map(|c| c.id),
            ticket_types: sale.ticket_types().clone(),
            coupon: sale.coupon().map(|c| c.code.clone()),
        }]
    );
    sale.handle(
        SaleEvent::CheckoutAnswered(Ok(CheckoutResponse {
            booking: booking.clone(),
            change_due,
        })),
        map,
    )
}
