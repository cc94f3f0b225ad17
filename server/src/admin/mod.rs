//! Administration: venues and shows, staff accounts, booking listings and exports, analytics.
//! Every change is written to the audit log with who made it. [`AdminDesk`] takes the ports it
//! uses; one file per concern (venues, shows, staff, analytics, export, the demo seed).

use std::sync::Arc;

use chrono::Utc;
use eventory_shared::SeatId;
use uuid::Uuid;

use crate::auth::Caller;
use crate::live::{Hub, LedgerSeatMaps};
use crate::seats::SeatLedger;
use crate::store::{AuditEntry, ShowCatalog, Store, StoreError};

mod analytics;
pub mod export;
pub mod first_admin;
pub mod seed;
mod shows;
mod staff;
mod venues;

pub use export::bookings_csv;

/// Why an admin change was refused.
#[derive(Debug, thiserror::Error)]
pub enum AdminError {
    #[error("{0}")]
    Invalid(String),
    #[error("{0} not found")]
    NotFound(&'static str),
    /// A layout edit would remove seats that are sold for upcoming shows.
    #[error("the new layout drops sold seats")]
    SoldSeatsRemoved(Vec<SeatId>),
    #[error("{0}")]
    Conflict(String),
    #[error(transparent)]
    Store(#[from] StoreError),
    #[error(transparent)]
    Other(#[from] anyhow::Error),
}

/// The admin operations, on the ports they change: the store (truth), the seat ledger (rebuilt
/// for an edited show), the caches that must forget an edited show or venue, and the live hub
/// (a disabled account's websockets close).
#[derive(Clone)]
pub struct AdminDesk {
    pub(crate) store: Arc<dyn Store>,
    pub(crate) ledger: Arc<dyn SeatLedger>,
    pub(crate) catalog: Arc<ShowCatalog>,
    pub(crate) seat_maps: Arc<LedgerSeatMaps>,
    pub(crate) hub: Hub,
}

impl AdminDesk {
    pub fn new(
        store: Arc<dyn Store>,
        ledger: Arc<dyn SeatLedger>,
        catalog: Arc<ShowCatalog>,
        seat_maps: Arc<LedgerSeatMaps>,
        hub: Hub,
    ) -> Self {
        Self {
            store,
            ledger,
            catalog,
            seat_maps,
            hub,
        }
    }

    pub(crate) async fn audit(
        &self,
        caller: &Caller,
        action: &str,
        subject: String,
        detail: String,
    ) -> Result<(), AdminError> {
        self.store
            .append_audit(&AuditEntry {
                id: Uuid::new_v4(),
                at: Utc::now(),
                actor: Some(caller.user_id),
                action: action.into(),
                subject,
                detail,
            })
            .await?;
        Ok(())
    }
}

pub(crate) fn check_name(name: &str) -> Result<String, AdminError> {
    let name = name.trim();
    if name.is_empty() || name.chars().count() > 200 {
        return Err(AdminError::Invalid(
            "a name of 1 to 200 characters is required".into(),
        ));
    }
    Ok(name.to_owned())
}
