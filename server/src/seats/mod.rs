//! The seat ledger: which seat of a show is available, held, processing or sold.
//!
//! One trait, [`SeatLedger`], two implementations that pass one contract test suite
//! (`server/tests/it/ledger_contract.rs`):
//! - [`RedisLedger`]: production. Every state change is one atomic Lua script over the keys of
//!   one show, all sharing the hash tag `{show:<id>}` so the scripts stay atomic on Redis
//!   Cluster.
//! - [`MemoryLedger`]: the embedded single-node default, one lock per show.
//!
//! Every operation that changes seats returns the [`SeatChange`]s it made, each stamped with
//! the show's next version (assigned inside the atomic step), for the live feed.
//! [`FastRejectLedger`] wraps either to answer "taken" for seats known to be unavailable
//! without a round-trip; it can never answer "available" on its own.

mod fast_reject;
mod memory;
pub mod rebuild;
mod redis;
pub mod redis_conn;
mod sweeper;

use std::time::Duration;

use async_trait::async_trait;
use chrono::{DateTime, Utc};
use eventory_shared::live::SeatDelta;
use eventory_shared::live::ServerMessage;
use eventory_shared::{BookingId, HoldId, SeatId, SeatState, ShowId, Version};
use serde::{Deserialize, Serialize};

pub use fast_reject::FastRejectLedger;
pub use memory::MemoryLedger;
pub use redis::RedisLedger;
pub use sweeper::spawn_sweeper;

/// Seats of one show that moved to `state` together, at `version`.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct SeatChange {
    pub show_id: ShowId,
    pub version: Version,
    pub state: SeatState,
    pub seats: Vec<SeatId>,
    pub hold_id: Option<HoldId>,
}

impl SeatChange {
    /// The live message announcing this change.
    pub fn to_message(&self) -> ServerMessage {
        ServerMessage::delta(
            self.state,
            SeatDelta {
                show_id: self.show_id,
                version: self.version,
                seats: self.seats.clone(),
                hold_id: self.hold_id,
            },
        )
    }
}

/// Whether a hold waits for checkout or for its payment outcome.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum HoldState {
    /// Expires at `expires_at` unless payment starts.
    Held,
    /// Payment in progress: does not expire until confirmed or released.
    Processing,
}

/// A hold as the ledger keeps it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Hold {
    pub id: HoldId,
    pub show_id: ShowId,
    pub seats: Vec<SeatId>,
    /// Who asked (a user or device id); only they may extend, release or check it out.
    pub owner: String,
    pub state: HoldState,
    pub expires_at: DateTime<Utc>,
    /// The booking a processing hold was claimed for at checkout (only that booking can be
    /// charged for it or sell its seats).
    pub booking: Option<BookingId>,
}

/// A hold a booking's payment is using, as the store knows it: put back by
/// [`SeatLedger::restore_claims`] after the ledger lost it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Claim {
    pub hold_id: HoldId,
    pub booking: BookingId,
    pub owner: String,
    pub seats: Vec<SeatId>,
}

/// What `hold` asks for.
#[derive(Clone, Debug)]
pub struct HoldRequest {
    pub show_id: ShowId,
    pub seats: Vec<SeatId>,
    pub owner: String,
    pub ttl: Duration,
    /// Same owner + same key within the hold's life returns the same hold instead of a new one.
    pub idempotency_key: Option<String>,
    /// How much the owner may hold and for how long.
    pub limits: HoldLimits,
}

/// What one owner may hold: checked inside the ledger's atomic step, so concurrent holds of
/// one account cannot get past the cap together.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct HoldLimits {
    /// Most seats the owner's holds of one show may take at once (held or in payment),
    /// counting this request.
    pub max_seats_held: usize,
    /// Longest a hold lives from its creation: `extend` never pushes its expiry further.
    pub max_lifetime: Duration,
}

impl HoldLimits {
    /// No cap and a day's life: for tools and tests that are not about limits.
    pub const GENEROUS: HoldLimits = HoldLimits {
        max_seats_held: 1_000_000,
        max_lifetime: Duration::from_secs(86_400),
    };
}

/// The answer to `hold`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum HoldOutcome {
    /// All seats are held. `change` is `None` when an idempotent retry returned an existing hold.
    Held {
        hold: Hold,
        change: Option<SeatChange>,
    },
    /// Nothing was held: these seats are not available.
    Taken { seats: Vec<SeatId> },
}

/// The ledger's view of a show: its version and every seat that is not available.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct LedgerSnapshot {
    pub show_id: ShowId,
    pub version: Version,
    pub seats: std::collections::BTreeMap<SeatId, SeatState>,
}

/// Why a ledger operation was refused.
#[derive(Debug, thiserror::Error)]
pub enum LedgerError {
    #[error("show {0} is not known to the seat ledger")]
    UnknownShow(ShowId),
    #[error("the venue has no seats {0:?}")]
    UnknownSeats(Vec<SeatId>),
    #[error("a hold needs at least one seat, each seat once")]
    BadSeatList,
    #[error("hold {0} does not exist (released, expired and swept, or never made)")]
    HoldNotFound(HoldId),
    #[error("hold {0} has expired")]
    HoldExpired(HoldId),
    #[error("hold {0} is not in a state that allows this")]
    WrongHoldState(HoldId),
    #[error("the same idempotency key was used for other seats")]
    IdempotencyConflict,
    #[error("the owner already holds {held} seats of this show (at most {max} at once)")]
    HoldLimitReached { held: usize, max: usize },
    #[error("hold {0} has reached its longest life")]
    HoldLifetimeReached(HoldId),
    #[error("seat ledger backend: {0}")]
    Backend(#[from] anyhow::Error),
}

pub type LedgerResult<T> = Result<T, LedgerError>;

/// The seat ledger port.
///
/// Every seat operation is all-or-nothing over the seats given. A seat is sold at most once:
/// `confirm` only turns seats sold that its own hold still holds.
#[async_trait]
pub trait SeatLedger: Send + Sync + 'static {
    /// Which implementation this is ("redis", "in-process"), for logs and readiness.
    fn backend(&self) -> &'static str;

    /// Proves the backend answers.
    async fn ping(&self) -> LedgerResult<()>;

    /// Makes a show's seats known (its layout). Re-registering replaces the layout; seat
    /// states are kept.
    async fn register_show(&self, show_id: ShowId, seats: &[SeatId]) -> LedgerResult<()> {
        self.register_show_with_sold(show_id, seats, &[])
            .await
            .map(|_| ())
    }

    /// Registers the layout and marks `sold` (the store's live tickets) sold, in one atomic
    /// step, so the show never accepts a hold on a seat the store says is sold (a rebuild
    /// after a lost ledger). A sold seat given here replaces whatever the ledger had for it.
    async fn register_show_with_sold(
        &self,
        show_id: ShowId,
        seats: &[SeatId],
        sold: &[(SeatId, BookingId)],
    ) -> LedgerResult<Option<SeatChange>>;

    /// Holds all requested seats or none.
    async fn hold(&self, request: HoldRequest) -> LedgerResult<HoldOutcome>;

    /// The hold, if it still exists (an expired one not yet swept is returned as is).
    async fn get_hold(&self, hold_id: HoldId) -> LedgerResult<Option<Hold>>;

    /// Pushes the expiry of a held (not processing) hold to now + `ttl`, never past the
    /// hold's longest life (`HoldLimits::max_lifetime` from its creation); a hold already at
    /// that deadline is `HoldLifetimeReached`.
    async fn extend(&self, hold_id: HoldId, ttl: Duration) -> LedgerResult<Hold>;

    /// Checkout claims the hold for `booking`: the hold's seats become processing and the hold
    /// stops expiring. Repeating it for the same booking is harmless (returns no change); a
    /// hold already claimed for another booking is `WrongHoldState` (one checkout wins); a
    /// hold whose seats were taken from it (a rebuild restored a sale) is `HoldNotFound`.
    async fn mark_processing(
        &self,
        hold_id: HoldId,
        booking: BookingId,
    ) -> LedgerResult<Option<SeatChange>>;

    /// Releases a hold (held or processing): its seats become available.
    async fn release(&self, hold_id: HoldId) -> LedgerResult<SeatChange>;

    /// Sells the hold's seats to `booking`. Fails with `HoldNotFound`/`HoldExpired` when the
    /// hold was lost: the caller must then refund, never sell; with `WrongHoldState` when the
    /// hold was claimed for another booking. Repeating it for a booking whose
    /// seats are already sold to it is harmless (returns no change).
    async fn confirm(
        &self,
        show_id: ShowId,
        hold_id: HoldId,
        booking: BookingId,
        seats: &[SeatId],
    ) -> LedgerResult<Option<SeatChange>>;

    /// Returns seats sold to `booking` to available (refund, exchange). Seats not sold to that
    /// booking are left alone.
    async fn refund(
        &self,
        show_id: ShowId,
        booking: BookingId,
        seats: &[SeatId],
    ) -> LedgerResult<Option<SeatChange>>;

    /// The show's current seat states and version, read atomically.
    async fn snapshot(&self, show_id: ShowId) -> LedgerResult<LedgerSnapshot>;

    /// Releases every hold whose time is up; returns one change per released hold.
    async fn sweep_expired(&self) -> LedgerResult<Vec<SeatChange>>;

    /// The holds of a show now (held or in payment); none for a show the ledger does not know.
    async fn holds_of_show(&self, show_id: ShowId) -> LedgerResult<Vec<Hold>>;

    /// Rebuild after a loss of ledger state: puts back the holds of bookings whose payment
    /// is in flight as processing holds claimed for their booking, each only where all its
    /// seats are free (a claim that cannot be restored ends refunded, never sold twice).
    async fn restore_claims(
        &self,
        show_id: ShowId,
        claims: &[Claim],
    ) -> LedgerResult<Option<SeatChange>>;

    /// Rebuild after a loss of ledger state: marks these seats sold to these bookings (the
    /// store's live tickets), whatever the ledger says now.
    async fn restore_sold(
        &self,
        show_id: ShowId,
        sold: &[(SeatId, BookingId)],
    ) -> LedgerResult<Option<SeatChange>>;
}

/// How long [`FastRejectLedger`] trusts a "taken" answer.
pub const FAST_REJECT_WINDOW: Duration = Duration::from_millis(250);
/// How often the sweeper looks for expired holds (well under the 1 s promise).
pub const SWEEP_INTERVAL: Duration = Duration::from_millis(250);

/// The ledger the settings ask for: Redis when `redis_url` is set, in-process otherwise;
/// either way behind [`FastRejectLedger`].
pub async fn connect(
    settings: &crate::config::LedgerSettings,
) -> anyhow::Result<std::sync::Arc<dyn SeatLedger>> {
    use secrecy::ExposeSecret;
    Ok(match &settings.redis_url {
        Some(url) => std::sync::Arc::new(FastRejectLedger::new(
            RedisLedger::connect(url.expose_secret(), settings.redis_namespace.clone()).await?,
            FAST_REJECT_WINDOW,
        )),
        None => std::sync::Arc::new(FastRejectLedger::new(
            MemoryLedger::new(),
            FAST_REJECT_WINDOW,
        )),
    })
}

/// Checks a requested seat list: non-empty, no seat twice.
pub(crate) fn check_seat_list(seats: &[SeatId]) -> LedgerResult<()> {
    let unique: std::collections::HashSet<&SeatId> = seats.iter().collect();
    if seats.is_empty() || unique.len() != seats.len() {
        return Err(LedgerError::BadSeatList);
    }
    Ok(())
}

/// The time `ms` milliseconds after the epoch.
pub(crate) fn from_millis(ms: i64) -> DateTime<Utc> {
    DateTime::from_timestamp_millis(ms).unwrap_or_default()
}

/// The first version of a show whose ledger state starts now (or restarts after a loss):
/// milliseconds since the epoch times 1000, so versions keep increasing across a lost Redis or
/// a restarted process as long as a show sees fewer than a million changes per second.
pub(crate) fn version_base(now_ms: i64) -> Version {
    (now_ms.max(0) as u64) * 1000
}
