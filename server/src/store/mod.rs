//! Persistence: users, venues, shows, bookings, tickets, payments, the outbox, rewards,
//! loyalty, coupons and the audit log.
//!
//! One trait, [`Store`], two implementations passing one contract suite
//! (`server/tests/store_contract.rs`): [`MongoStore`] (production, the official `mongodb`
//! driver) and [`EmbeddedStore`] (the single-box default: one redb file in the data folder).
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
pub mod rebuild;
pub mod records;
pub mod seed;

use std::sync::Arc;

use async_trait::async_trait;
use chrono::{DateTime, Utc};
use eventory_shared::api::ShowFilter;
use eventory_shared::{BookingId, BookingStatus, SeatId, Show, ShowId, UserId, Venue, VenueId};
use uuid::Uuid;

pub use catalog::ShowCatalog;
pub use embedded::EmbeddedStore;
pub use mongo::MongoStore;
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

/// The persistence port.
#[async_trait]
pub trait Store: Send + Sync + 'static {
    /// "mongodb" or "embedded".
    fn backend(&self) -> &'static str;
    async fn ping(&self) -> StoreResult<()>;
    /// Creates indexes / tables; idempotent, run at every start and by `migrate`.
    async fn migrate(&self) -> StoreResult<()>;

    // users and sessions
    async fn insert_user(&self, user: &UserRecord) -> StoreResult<()>;
    async fn user_by_email(&self, email: &str) -> StoreResult<Option<UserRecord>>;
    async fn user(&self, id: UserId) -> StoreResult<Option<UserRecord>>;
    async fn set_user_disabled(&self, id: UserId, disabled: bool) -> StoreResult<bool>;
    async fn insert_refresh_token(&self, token: &RefreshTokenRecord) -> StoreResult<()>;
    /// Revokes a valid (unrevoked, unexpired) token and returns it, atomically: a refresh token
    /// works once (rotation), and two concurrent uses cannot both succeed.
    async fn consume_refresh_token(
        &self,
        token_hash: &str,
        now: DateTime<Utc>,
    ) -> StoreResult<Option<RefreshTokenRecord>>;

    // venues and shows
    async fn insert_venue(&self, venue: &Venue) -> StoreResult<()>;
    async fn venue(&self, id: VenueId) -> StoreResult<Option<Venue>>;
    async fn venues(&self) -> StoreResult<Vec<Venue>>;
    async fn insert_show(&self, show: &Show) -> StoreResult<()>;
    async fn show(&self, id: ShowId) -> StoreResult<Option<Show>>;
    /// Shows starting on `filter.date` (UTC) and/or in `filter.venue_id`, by start time.
    async fn shows(&self, filter: &ShowFilter) -> StoreResult<Vec<Show>>;
    /// Shows not yet started (and not cancelled) at `now`.
    async fn upcoming_shows(&self, now: DateTime<Utc>) -> StoreResult<Vec<Show>>;

    // bookings, with the outbox
    /// Writes a new booking and its outbox entry atomically. A booking with the same user and
    /// idempotency key already present is a `Duplicate`.
    async fn insert_booking_with_outbox(
        &self,
        booking: &BookingRecord,
        outbox: &OutboxEntry,
    ) -> StoreResult<()>;
    /// Claims an exchange: moves `old` from confirmed to exchanging, recording `new` as its
    /// replacement, and inserts `new` (pending) with its outbox entry, in one transaction;
    /// `None` (nothing written) if `old` was not confirmed.
    async fn begin_exchange(
        &self,
        old: BookingId,
        new: &BookingRecord,
        outbox: &OutboxEntry,
    ) -> StoreResult<Option<BookingRecord>>;
    async fn booking(&self, id: BookingId) -> StoreResult<Option<BookingRecord>>;
    async fn booking_by_code(&self, code: &str) -> StoreResult<Option<BookingRecord>>;
    async fn booking_by_idempotency_key(
        &self,
        user: UserId,
        key: &str,
    ) -> StoreResult<Option<BookingRecord>>;
    async fn bookings(&self, filter: &BookingFilter) -> StoreResult<Vec<BookingRecord>>;
    /// Moves a booking from one of `from` to `to` in one conditional update; `None` when the
    /// booking was not in any of `from` (someone else moved it first). The outbox entry, if any,
    /// is written in the same transaction.
    async fn transition_booking(
        &self,
        id: BookingId,
        from: &[BookingStatus],
        to: BookingStatus,
        outbox: Option<&OutboxEntry>,
    ) -> StoreResult<Option<BookingRecord>>;
    /// Confirms a booking and inserts its tickets in one transaction. Fails with
    /// `SeatAlreadySold` (changing nothing) if any seat already has a live ticket; returns
    /// `None` if the booking was not pending/processing.
    async fn confirm_booking_with_tickets(
        &self,
        id: BookingId,
        tickets: &[TicketRecord],
        outbox: Option<&OutboxEntry>,
    ) -> StoreResult<Option<BookingRecord>>;
    async fn tickets_of_booking(&self, id: BookingId) -> StoreResult<Vec<TicketRecord>>;
    /// Live tickets of a show: the sold seats, for rebuilding the ledger.
    async fn live_tickets_of_show(&self, show: ShowId) -> StoreResult<Vec<TicketRecord>>;
    /// Moves a booking from `from` to `to` (a refund's or an exchange's claim or end), marks
    /// its tickets refunded (the seats are free to sell again as far as the store is
    /// concerned) and voids its unrevealed scratch card, all in one transaction; `None` if
    /// the booking was not in `from` (someone else moved it first).
    async fn refund_booking(
        &self,
        id: BookingId,
        from: BookingStatus,
        to: BookingStatus,
        outbox: Option<&OutboxEntry>,
    ) -> StoreResult<Option<BookingRecord>>;

    // payments
    /// Records a payment outcome, with the event announcing it (the outbox) in the same
    /// transaction; a second one for the same booking is a `Duplicate` (writing nothing).
    async fn insert_payment(
        &self,
        payment: &PaymentRecord,
        outbox: Option<&OutboxEntry>,
    ) -> StoreResult<()>;
    async fn payment(&self, booking: BookingId) -> StoreResult<Option<PaymentRecord>>;

    // outbox and consumer idempotency
    async fn pending_outbox(&self, limit: usize) -> StoreResult<Vec<OutboxEntry>>;
    async fn mark_outbox_sent(&self, ids: &[Uuid], at: DateTime<Utc>) -> StoreResult<()>;
    /// Records that `consumer` processed `event`; `false` if it had already.
    async fn mark_event_processed(&self, consumer: &str, event: Uuid) -> StoreResult<bool>;

    // rewards, loyalty, coupons
    /// One reward per booking: a second is a `Duplicate`.
    async fn insert_reward(&self, reward: &RewardRecord) -> StoreResult<()>;
    async fn reward(&self, booking: BookingId) -> StoreResult<Option<RewardRecord>>;
    /// Reveals an unrevealed, unvoided reward in one conditional update; `None` if it was
    /// revealed already, voided, or does not exist (so of concurrent scratches one reveals).
    async fn reveal_reward(&self, booking: BookingId) -> StoreResult<Option<RewardRecord>>;
    /// Voids an unrevealed reward (its booking was refunded); `false` if there was none to void.
    async fn void_reward(&self, booking: BookingId) -> StoreResult<bool>;
    /// Records a loyalty entry once: `entry` is its unique key (e.g. "earn:<booking>"); the
    /// points are added (or taken, negative) atomically with it. `None` if the entry existed.
    async fn record_loyalty(
        &self,
        user: UserId,
        entry: &str,
        delta: i64,
    ) -> StoreResult<Option<i64>>;
    /// A user's loyalty points.
    async fn loyalty_points(&self, user: UserId) -> StoreResult<i64>;
    async fn coupons_of_user(&self, user: UserId) -> StoreResult<Vec<CouponRecord>>;
    async fn insert_coupon(&self, coupon: &CouponRecord) -> StoreResult<()>;
    async fn coupon(&self, code: &str) -> StoreResult<Option<CouponRecord>>;
    /// Redeems an unredeemed coupon for `booking` in one conditional update; `None` if it does
    /// not exist or was redeemed already.
    async fn redeem_coupon(
        &self,
        code: &str,
        booking: BookingId,
    ) -> StoreResult<Option<CouponRecord>>;

    // admin
    /// Replaces a venue's name and layout; `false` if there is no such venue.
    async fn update_venue(&self, venue: &Venue) -> StoreResult<bool>;
    /// Replaces a show; `false` if there is no such show.
    async fn update_show(&self, show: &Show) -> StoreResult<bool>;
    /// Revenue of confirmed bookings created in [from, to), grouped by day and channel, and
    /// seats sold and revenue per show; computed by the store.
    async fn sales_report(
        &self,
        from: DateTime<Utc>,
        to: DateTime<Utc>,
    ) -> StoreResult<SalesReport>;
    /// How many rewards were issued, revealed and voided.
    async fn reward_stats(&self) -> StoreResult<RewardStats>;
    async fn users(&self) -> StoreResult<Vec<UserRecord>>;

    // audit
    async fn append_audit(&self, entry: &AuditEntry) -> StoreResult<()>;
    async fn audit_log(&self, limit: usize) -> StoreResult<Vec<AuditEntry>>;
}

/// The store the configuration asks for: MongoDB when `mongodb_uri` is set, else the embedded
/// file in the data folder. Migrated before it is returned.
pub async fn connect(config: &crate::Config) -> anyhow::Result<Arc<dyn Store>> {
    let store: Arc<dyn Store> = match &config.mongodb_uri {
        Some(uri) => Arc::new(MongoStore::connect(uri, &config.mongodb_database).await?),
        None => {
            std::fs::create_dir_all(&config.data_dir)?;
            Arc::new(EmbeddedStore::open(&config.data_dir.join("eventory.redb"))?)
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
        };
        store.insert_show(&show).await.expect("show");
        show.id
    }
}
