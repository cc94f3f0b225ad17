//! Rebuilding the seat ledger from the store: at start-up and on demand (a show the ledger
//! does not know, e.g. after Redis lost its data). The store's live tickets are the truth: every
//! sold seat of every upcoming show goes back into the ledger as sold.

use eventory_shared::ShowId;

use super::Store;
use crate::seats::{SeatChange, SeatLedger};

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

/// Registers one show's layout in the ledger and restores its sold seats; `Ok(None)` if nothing
/// had to be restored. Fails if the show or its venue does not exist.
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
    ledger.register_show(show_id, &seats).await?;
    let sold: Vec<_> = store
        .live_tickets_of_show(show_id)
        .await?
        .into_iter()
        .map(|t| (t.seat_id, t.booking_id))
        .collect();
    Ok(ledger.restore_sold(show_id, &sold).await?)
}
