//! Persistence: users, venues, shows, bookings, tickets, payments, the outbox, rewards,
//! loyalty, coupons and the audit log.
//!
//! One trait per capability ([`AccountStore`], [`CatalogStore`], [`BookingStore`],
//! [`OutboxStore`], [`RewardStore`], [`ReportStore`], [`AuditStore`]; see [`port`]) and the
//! umbrella [`Store`], with two implementations passing one contract suite
//! (`server/tests/it/store_contract.rs`): [`MongoStore`] (production, the official `mongodb`
//! driver; `mongo/`) and [`EmbeddedStore`] (the single-box default: one redb file in the data
//! folder; `embedded/`). Each implementation has one file per capability.
//!
//! Guarantees both keep:
//! - A seat of a show has at most one live ticket: the store refuses a second sale on its own
//!   (unique index / checked in the same write transaction), whatever the seat ledger says.
//! - Booking state changes are single conditional updates: "move from one of these statuses to
//!   that one", never read-modify-write.
//! - A booking and its outbox event are written together, atomically.
//! - Filters are built from typed values only; no client JSON ever becomes a query.

pub mod catalog;
mod embedded;
mod mongo;
pub mod mongo_conn;
pub mod port;
pub mod records;

use std::sync::Arc;

use eventory_shared::SeatId;

pub use catalog::ShowCatalog;
pub use embedded::EmbeddedStore;
pub use mongo::MongoStore;
pub use port::*;
pub use records::*;

/// Why a store operation failed.
#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    /// A unique key exists already (an email, a booking's payment, an idempotency key).
    #[error("{0} already exists")]
    Duplicate(&'static str),
    /// These seats already have a live ticket: the second sale is refused.
    #[error("seats already sold: {0:?}")]
    SeatAlreadySold(Vec<SeatId>),
    #[error("{0} not found")]
    NotFound(&'static str),
    #[error("store backend: {0}")]
    Backend(#[from] anyhow::Error),
}

pub type StoreResult<T> = Result<T, StoreError>;

/// The store the settings ask for: MongoDB when `mongodb_uri` is set, else the embedded
/// file in the data folder. Migrated before it is returned.
pub async fn connect(settings: &crate::config::StoreSettings) -> anyhow::Result<Arc<dyn Store>> {
    use secrecy::ExposeSecret;
    let store: Arc<dyn Store> = match &settings.mongodb_uri {
        Some(uri) => {
            Arc::new(MongoStore::connect(uri.expose_secret(), &settings.mongodb_database).await?)
        }
        None => {
            std::fs::create_dir_all(&settings.data_dir)?;
            Arc::new(EmbeddedStore::open(
                &settings.data_dir.join("eventory.redb"),
            )?)
        }
    };
    store.migrate().await?;
    Ok(store)
}

/// Normalises an email for storage and lookup (trimmed, lower-case).
pub fn normalize_email(email: &str) -> String {
    email.trim().to_lowercase()
}

/// Helpers for tests (unit and integration) that need real records in a store.
pub mod test_support {
    use std::collections::BTreeMap;

    use chrono::{Duration, Utc};
    use eventory_shared::*;
    use uuid::Uuid;

    use super::Store;

    /// A venue of `rows` x `per_row` standard seats and a show on it, on sale now, starting
    /// tomorrow, at 10.00 EUR a seat.
    pub async fn show_on_sale(store: &dyn Store, rows: u32, per_row: u16) -> ShowId {
        let venue = Venue {
            id: VenueId::from_uuid(Uuid::new_v4()),
            name: "Test hall".into(),
            layout: VenueLayout::grid(rows, per_row, &CategoryId::new("standard"), None),
        };
        store.insert_venue(&venue).await.expect("venue");
        let starts_at = Utc::now() + Duration::days(1);
        let show = Show {
            id: ShowId::from_uuid(Uuid::new_v4()),
            venue_id: venue.id,
            title: "Test film".into(),
            description: String::new(),
            starts_at,
            prices: BTreeMap::from([(
                CategoryId::new("standard"),
                Money::new(1000, Currency::EUR),
            )]),
            sale_opens_at: Utc::now() - Duration::hours(1),
            sale_closes_at: starts_at,
            status: ShowStatus::OnSale,
            ticket_types: Vec::new(),
        };
        store.insert_show(&show).await.expect("show");
        show.id
    }
}
