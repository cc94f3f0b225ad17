//! Exports: bookings as CSV for the venue's accounting.

use crate::store::BookingRecord;

/// The header of [`bookings_csv`].
const HEADER: [&str; 11] = [
    "code",
    "booking_id",
    "show_id",
    "channel",
    "status",
    "payment_method",
    "seats",
    "ticket_types",
    "amount_minor",
    "currency",
    "created_at",
];

/// Bookings as CSV (RFC 4180, CRLF line ends, quoted where needed), one line per booking.
pub fn bookings_csv(records: &[BookingRecord]) -> String {
    let mut out = csv::WriterBuilder::new()
        .terminator(csv::Terminator::CRLF)
        .from_writer(Vec::new());
    out.write_record(HEADER).expect("writing to memory");
    for r in records {
        let b = &r.booking;
        let seats: Vec<String> = b.seats.iter().map(ToString::to_string).collect();
        out.write_record([
            b.code.clone(),
            b.id.to_string(),
            b.show_id.to_string(),
            format!("{:?}", b.channel).to_lowercase(),
            format!("{:?}", b.status).to_lowercase(),
            format!("{:?}", b.payment_method).to_lowercase(),
            seats.join(" "),
            // One type per seat, in the order of `seats` ("adult child").
            b.seats
                .iter()
                .map(|s| b.ticket_type(s))
                .collect::<Vec<_>>()
                .join(" "),
            b.amount.amount_minor.to_string(),
            b.amount.currency.to_string(),
            b.created_at.to_rfc3339(),
        ])
        .expect("writing to memory");
    }
    let bytes = out.into_inner().expect("writing to memory");
    String::from_utf8(bytes).expect("every field is UTF-8")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_empty_export_is_the_header_line() {
        assert_eq!(bookings_csv(&[]).lines().count(), 1);
        let header = bookings_csv(&[]);
        assert!(header.starts_with("code,booking_id,"));
    }
}
