//! Tickets: one PDF page per seat with the show, the seat, the booking code, the scratch
//! card's claim code of a sale without a customer, and a QR code of
//! the ticket's token (checked at the door), saved to the tickets folder and, if the device
//! has a printer configured, sent to it with `lp`.

use std::path::{Path, PathBuf};

use chrono::Local;
use eventory_shared::api::BookingTickets;
use printpdf::{BuiltinFont, Mm, PdfDocument, Rect};
use qrcode::{Color, QrCode};

use crate::device::Printer;

/// Why a ticket could not be made or delivered.
#[derive(Debug, thiserror::Error)]
pub enum TicketError {
    #[error("this booking has no valid tickets (is it confirmed?)")]
    NoTickets,
    #[error("cannot make the QR code: {0}")]
    Qr(#[from] qrcode::types::QrError),
    #[error("cannot make the PDF: {0}")]
    Pdf(String),
    #[error("cannot save the tickets to {path}: {source}")]
    Save {
        path: PathBuf,
        source: std::io::Error,
    },
    #[error("the printer refused the tickets: {0}")]
    Print(String),
}

/// Ticket size: 80 × 150 mm, a common thermal ticket stock.
const WIDTH: f32 = 80.0;
const HEIGHT: f32 = 150.0;

/// Renders the valid tickets of a booking as a PDF.
pub fn render_pdf(booking: &BookingTickets) -> Result<Vec<u8>, TicketError> {
    let tickets: Vec<_> = booking.tickets.iter().filter(|t| t.valid).collect();
    if tickets.is_empty() {
        return Err(TicketError::NoTickets);
    }
    let title = format!("Eventory tickets {}", booking.booking.code);
    let (doc, first_page, first_layer) = PdfDocument::new(&title, Mm(WIDTH), Mm(HEIGHT), "ticket");
    let bold = doc
        .add_builtin_font(BuiltinFont::HelveticaBold)
        .map_err(|e| TicketError::Pdf(e.to_string()))?;
    let regular = doc
        .add_builtin_font(BuiltinFont::Helvetica)
        .map_err(|e| TicketError::Pdf(e.to_string()))?;
    let starts = booking
        .show
        .starts_at
        .with_timezone(&Local)
        .format("%a %d %b %Y  %H:%M")
        .to_string();
    for (i, ticket) in tickets.iter().enumerate() {
        let (page, layer) = if i == 0 {
            (first_page, first_layer)
        } else {
            doc.add_page(Mm(WIDTH), Mm(HEIGHT), "ticket")
        };
        let layer = doc.get_page(page).get_layer(layer);
        let title: String = booking.show.title.chars().take(28).collect();
        layer.use_text(title, 16.0, Mm(6.0), Mm(HEIGHT - 14.0), &bold);
        layer.use_text(
            &booking.venue_name,
            10.0,
            Mm(6.0),
            Mm(HEIGHT - 21.0),
            &regular,
        );
        layer.use_text(&starts, 10.0, Mm(6.0), Mm(HEIGHT - 27.0), &regular);
        layer.use_text("SEAT", 9.0, Mm(6.0), Mm(HEIGHT - 38.0), &regular);
        layer.use_text(
            ticket.seat.to_string(),
            28.0,
            Mm(6.0),
            Mm(HEIGHT - 49.0),
            &bold,
        );
        if !ticket.ticket_type.is_empty() {
            layer.use_text(
                ticket.ticket_type.to_uppercase(),
                12.0,
                Mm(44.0),
                Mm(HEIGHT - 49.0),
                &bold,
            );
        }
        layer.use_text(
            format!("Booking {}", booking.booking.code),
            10.0,
            Mm(6.0),
            Mm(HEIGHT - 57.0),
            &regular,
        );
        layer.use_text(
            format!("{} of {}", i + 1, tickets.len()),
            9.0,
            Mm(WIDTH - 20.0),
            Mm(HEIGHT - 57.0),
            &regular,
        );
        // The QR code: one filled square per dark module, 60 mm wide, with its quiet zone.
        let code = QrCode::new(ticket.qr_token.as_bytes())?;
        let modules = code.width();
        let colors = code.to_colors();
        let size = 60.0_f32;
        let module = size / (modules as f32 + 8.0);
        let left = (WIDTH - size) / 2.0 + 4.0 * module;
        let top = 12.0 + size - 4.0 * module;
        for (n, color) in colors.iter().enumerate() {
            if *color != Color::Dark {
                continue;
            }
            let (x, y) = ((n % modules) as f32, (n / modules) as f32);
            let x0 = left + x * module;
            let y0 = top - (y + 1.0) * module;
            layer.add_rect(Rect::new(Mm(x0), Mm(y0), Mm(x0 + module), Mm(y0 + module)));
        }
        layer.use_text(
            "Show this code at the door",
            8.0,
            Mm(6.0),
            Mm(7.0),
            &regular,
        );
        // A sale without a customer: the scratch card can be collected into an account once.
        if let Some(claim) = &booking.claim_code {
            layer.use_text(
                format!("Scratch card: claim {claim} in your account"),
                8.0,
                Mm(6.0),
                Mm(3.0),
                &bold,
            );
        }
    }
    doc.save_to_bytes()
        .map_err(|e| TicketError::Pdf(e.to_string()))
}

/// Saves `pdf` as `<dir>/<code>.pdf` and sends it to `printer`. Returns the file and whether
/// it was printed.
pub fn deliver(
    pdf: &[u8],
    code: &str,
    dir: &Path,
    printer: &Printer,
) -> Result<(PathBuf, bool), TicketError> {
    let save = |source| TicketError::Save {
        path: dir.to_path_buf(),
        source,
    };
    std::fs::create_dir_all(dir).map_err(save)?;
    let safe: String = code.chars().filter(|c| c.is_ascii_alphanumeric()).collect();
    let path = dir.join(format!("{safe}.pdf"));
    std::fs::write(&path, pdf).map_err(save)?;
    let mut lp = std::process::Command::new("lp");
    match printer {
        Printer::None => return Ok((path, false)),
        Printer::Default => {}
        Printer::Named(queue) => {
            lp.arg("-d").arg(queue);
        }
    }
    let out = lp
        .arg(&path)
        .output()
        .map_err(|e| TicketError::Print(format!("cannot run lp: {e}")))?;
    if !out.status.success() {
        return Err(TicketError::Print(
            String::from_utf8_lossy(&out.stderr).trim().to_owned(),
        ));
    }
    Ok((path, true))
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::Utc;
    use eventory_shared::api::TicketView;
    use eventory_shared::{
        Booking, BookingId, BookingStatus, Channel, Currency, Money, PaymentMethod, Show, ShowId,
        ShowStatus, TicketId, VenueId,
    };
    use uuid::Uuid;

    fn sample(valid: bool) -> BookingTickets {
        let now = Utc::now();
        let show_id = ShowId::from_uuid(Uuid::new_v4());
        BookingTickets {
            booking: Booking {
                id: BookingId::from_uuid(Uuid::new_v4()),
                code: "K7PQ2M9X".into(),
                show_id,
                user_id: None,
                customer_id: None,
                seats: vec!["C12".parse().unwrap(), "C13".parse().unwrap()],
                ticket_types: Default::default(),
                amount: Money::new(2400, Currency::EUR),
                channel: Channel::Counter,
                payment_method: PaymentMethod::Cash,
                status: BookingStatus::Confirmed,
                created_at: now,
                updated_at: now,
            },
            show: Show {
                id: show_id,
                venue_id: VenueId::from_uuid(Uuid::new_v4()),
                title: "The Long Night".into(),
                description: String::new(),
                starts_at: now,
                prices: Default::default(),
                sale_opens_at: now,
                sale_closes_at: now,
                status: ShowStatus::OnSale,
                ticket_types: Vec::new(),
            },
            venue_name: "Hall 1".into(),
            tickets: ["C12", "C13"]
                .iter()
                .map(|s| TicketView {
                    id: TicketId::from_uuid(Uuid::new_v4()),
                    seat: s.parse().unwrap(),
                    ticket_type: "Child".into(),
                    qr_token: format!("tok-{s}-{}", Uuid::new_v4()),
                    valid,
                })
                .collect(),
            claim_code: Some("ABCD-EFGH-JKLM".into()),
        }
    }

    #[test]
    fn renders_one_page_per_ticket_and_saves_it() {
        let pdf = render_pdf(&sample(true)).unwrap();
        assert!(pdf.starts_with(b"%PDF"), "a PDF file");
        if let Ok(path) = std::env::var("EVENTORY_TICKET_SAMPLE") {
            std::fs::write(path, &pdf).unwrap(); // to look at it
        }
        let parsed = lopdf::Document::load_mem(&pdf).unwrap();
        assert_eq!(parsed.get_pages().len(), 2, "one page per seat");
        let dir = tempfile::tempdir().unwrap();
        let (path, printed) = deliver(&pdf, "K7PQ2M9X", dir.path(), &Printer::None).unwrap();
        assert!(!printed);
        assert_eq!(std::fs::read(&path).unwrap(), pdf);
        assert!(path.ends_with("K7PQ2M9X.pdf"));
    }

    #[test]
    fn refunded_tickets_are_not_printed() {
        assert!(matches!(
            render_pdf(&sample(false)),
            Err(TicketError::NoTickets)
        ));
    }

    #[test]
    fn qr_codes_carry_the_token() {
        let code = QrCode::new(b"tok-C12").unwrap();
        assert!(code.width() >= 21);
    }
}
