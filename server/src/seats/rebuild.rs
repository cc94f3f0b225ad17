//! Rebuilding the seat ledger from the store: at start-up and on demand (a show the ledger
//! does not know, e.g. after Redis lost its data). The store's live tickets are the truth: every
//! sold seat of every upcoming show goes back into the ledger as sold (with the layout, in one
//! step), and the holds of bookings whose payment is in flight come back claimed for them.

use std::collections::{HashMap, HashSet};

use eventory_shared::{BookingId, BookingStatus, SeatId, ShowId};

use super::{Claim, SeatChange, SeatLedger};
use crate::store::{BookingFilter, Store};

/// What a rebuild did.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct RebuildReport {
    pub shows: usize,
    pub sold_seats_restored: usize,
}

/// Registers every upcoming show's layout and restores its sold seats.
pub async fn rebuild_ledger(
    store: &dyn Store,
    ledger: &dyn SeatLedger,
) -> anyhow::Result<RebuildReport> {
    let mut report = RebuildReport::default();
    for show in store.upcoming_shows(chrono::Utc::now()).await? {
        if let Some(change) = rebuild_show(store, ledger, show.id).await? {
            report.sold_seats_restored += change.seats.len();
        }
        report.shows += 1;
    }
    Ok(report)
}

/// Registers one show's layout in the ledger together with its sold seats (one atomic step:
/// the show accepts no hold before its sold seats are in), then makes sure no seat refunded
/// meanwhile stays sold; `Ok(None)` if nothing had to be restored. Fails if the show or its
/// venue does not exist.
///
/// The second read closes the race with a refund: a refund marks its tickets refunded in the
/// store before it frees the seats in the ledger. A refund whose store write came before the
/// second read is seen by it and undone here; one whose store write came after it frees the
/// seats in the ledger itself, after our restore. Either way a refunded seat is not resurrected.
pub async fn rebuild_show(
    store: &dyn Store,
    ledger: &dyn SeatLedger,
    show_id: ShowId,
) -> anyhow::Result<Option<SeatChange>> {
    let show = store
        .show(show_id)
        .await?
        .ok_or_else(|| anyhow::anyhow!("no show {show_id}"))?;
    let venue = store
        .venue(show.venue_id)
        .await?
        .ok_or_else(|| anyhow::anyhow!("show {show_id} has no venue {}", show.venue_id))?;
    let seats = venue.layout.validate()?;
    let sold: Vec<_> = store
        .live_tickets_of_show(show_id)
        .await?
        .into_iter()
        .map(|t| (t.seat_id, t.booking_id))
        .collect();
    let restored = ledger
        .register_show_with_sold(show_id, &seats, &sold)
        .await?;
    // Payments in flight keep their seats: their holds come back claimed for their bookings.
    let mut claims = Vec::new();
    for status in [BookingStatus::Pending, BookingStatus::Processing] {
        let in_flight = store
            .bookings(&BookingFilter {
                show_id: Some(show_id),
                status: Some(status),
                limit: 100_000,
                ..BookingFilter::default()
            })
            .await?;
        claims.extend(
            in_flight
                .into_iter()
                .filter(|r| r.exchange_of.is_none())
                .filter_map(|r| {
                    Some(Claim {
                        hold_id: r.hold_id,
                        booking: r.booking.id,
                        owner: r.booking.user_id?.to_string(),
                        seats: r.booking.seats,
                    })
                }),
        );
    }
    if !claims.is_empty() {
        ledger.restore_claims(show_id, &claims).await?;
    }
    if let Some(change) = &restored {
        let live: HashSet<_> = store
            .live_tickets_of_show(show_id)
            .await?
            .into_iter()
            .map(|t| (t.seat_id, t.booking_id))
            .collect();
        let restored_seats: HashSet<_> = change.seats.iter().collect();
        let mut gone: HashMap<BookingId, Vec<SeatId>> = HashMap::new();
        for (seat, booking) in sold
            .iter()
            .filter(|pair| restored_seats.contains(&pair.0) && !live.contains(*pair))
        {
            gone.entry(*booking).or_default().push(seat.clone());
        }
        for (booking, seats) in gone {
            tracing::info!(%show_id, %booking, ?seats, "refunded during the rebuild: freed again");
            ledger.refund(show_id, booking, &seats).await?;
        }
    }
    Ok(restored)
}
