//! The end-of-shift report of a cashier: what was sold since the shift began, by payment
//! method, from the cashier's own bookings (`GET /api/bookings/mine`).

use std::collections::BTreeMap;

use chrono::{DateTime, Utc};
use eventory_shared::{Booking, BookingStatus, Money, PaymentMethod};

/// One line of the report: a payment method in one currency.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ShiftLine {
    pub method: PaymentMethod,
    pub bookings: u32,
    pub seats: u32,
    pub total: Money,
    pub refunded_bookings: u32,
    pub refunded: Money,
}

impl ShiftLine {
    /// What stays in the till / on the card terminal: sold minus refunded.
    pub fn net(&self) -> Money {
        self.total.checked_sub(self.refunded).unwrap_or(self.total)
    }
}

/// Sales since `since`, one line per payment method (and currency), cash first.
pub fn shift_report(bookings: &[Booking], since: DateTime<Utc>) -> Vec<ShiftLine> {
    let mut lines: BTreeMap<(u8, String), ShiftLine> = BTreeMap::new();
    for booking in bookings.iter().filter(|b| b.created_at >= since) {
        let sold = matches!(
            booking.status,
            BookingStatus::Confirmed | BookingStatus::Refunded
        );
        if !sold {
            continue; // pending, processing, cancelled: no money changed hands
        }
        let order = match booking.payment_method {
            PaymentMethod::Cash => 0,
            PaymentMethod::Card => 1,
        };
        let line = lines
            .entry((order, booking.amount.currency.code().to_owned()))
            .or_insert_with(|| ShiftLine {
                method: booking.payment_method,
                bookings: 0,
                seats: 0,
                total: Money::zero(booking.amount.currency),
                refunded_bookings: 0,
                refunded: Money::zero(booking.amount.currency),
            });
        line.bookings += 1;
        line.seats += booking.seats.len() as u32;
        line.total = line.total.checked_add(booking.amount).unwrap_or(line.total);
        if booking.status == BookingStatus::Refunded {
            line.refunded_bookings += 1;
            line.refunded = line
                .refunded
                .checked_add(booking.amount)
                .unwrap_or(line.refunded);
        }
    }
    lines.into_values().collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use eventory_shared::{BookingId, Channel, Currency, ShowId};

    fn booking(
        method: PaymentMethod,
        status: BookingStatus,
        seats: usize,
        minor: i64,
        at: DateTime<Utc>,
    ) -> Booking {
        Booking {
            id: BookingId::from_uuid(uuid::Uuid::new_v4()),
            code: "ABCD2345".into(),
            show_id: ShowId::from_uuid(uuid::Uuid::new_v4()),
            user_id: None,
            customer_id: None,
            ticket_types: Default::default(),
            seats: (1..=seats)
                .map(|n| format!("A{n}").parse().unwrap())
                .collect(),
            amount: Money::new(minor, Currency::EUR),
            channel: Channel::Counter,
            payment_method: method,
            status,
            created_at: at,
            updated_at: at,
        }
    }

    #[test]
    fn sums_by_method_and_counts_refunds() {
        let start = DateTime::from_timestamp(1_800_000_000, 0).unwrap();
        let later = start + chrono::Duration::minutes(30);
        let before = start - chrono::Duration::minutes(1);
        use BookingStatus::*;
        use PaymentMethod::*;
        let bookings = vec![
            booking(Cash, Confirmed, 2, 2400, later),
            booking(Cash, Refunded, 1, 1200, later),
            booking(Card, Confirmed, 3, 3600, later),
            booking(Card, Cancelled, 2, 2400, later), // declined: no money
            booking(Cash, Processing, 1, 1200, later), // not settled yet
            booking(Cash, Confirmed, 5, 6000, before), // previous shift
        ];
        let report = shift_report(&bookings, start);
        assert_eq!(report.len(), 2);
        let cash = &report[0];
        assert_eq!(cash.method, Cash);
        assert_eq!((cash.bookings, cash.seats), (2, 3));
        assert_eq!(cash.total, Money::new(3600, Currency::EUR));
        assert_eq!(cash.refunded_bookings, 1);
        assert_eq!(cash.net(), Money::new(2400, Currency::EUR));
        let card = &report[1];
        assert_eq!(card.method, Card);
        assert_eq!((card.bookings, card.seats), (1, 3));
        assert_eq!(card.net(), Money::new(3600, Currency::EUR));
    }

    #[test]
    fn an_empty_shift_has_no_lines() {
        assert!(shift_report(&[], Utc::now()).is_empty());
    }
}
