//! The persistence port, by capability: one trait per group of records that change together,
//! and [`Store`], the whole store (every capability plus its lifecycle).
//!
//! Code that needs one capability can take that trait (`&dyn BookingStore`); an
//! `Arc<dyn Store>` upcasts to any of them. Every method of every capability is callable on a
//! `dyn Store` with only `Store` in scope.

mod accounts;
mod audit;
mod bookings;
mod catalog;
mod outbox;
mod reports;
mod rewards;

use async_trait::async_trait;

pub use accounts::AccountStore;
pub use audit::AuditStore;
pub use bookings::BookingStore;
pub use catalog::CatalogStore;
pub use outbox::OutboxStore;
pub use reports::ReportStore;
pub use rewards::RewardStore;

use super::StoreResult;

/// The whole store: every capability, plus what concerns the database as a whole. Each
/// implementation implements it in its `mod.rs` (the lifecycle methods differ per backend, so
/// there is no blanket impl).
#[async_trait]
pub trait Store:
    AccountStore + CatalogStore + BookingStore + OutboxStore + RewardStore + ReportStore + AuditStore
{
    /// "mongodb" or "embedded".
    fn backend(&self) -> &'static str;
    async fn ping(&self) -> StoreResult<()>;
    /// Creates indexes / tables and converts data written by older versions; idempotent, safe
    /// to run concurrently from several instances, run at every start and by `migrate`.
    async fn migrate(&self) -> StoreResult<()>;
}
