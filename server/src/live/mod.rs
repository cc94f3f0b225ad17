//! Live seat maps over websockets.
//!
//! - [`SeatFeed`]: every seat change made by any instance (HTTP handlers, workers, the expiry
//!   sweeper) is published to the feed; with Redis configured it goes through Redis pub/sub so
//!   every instance sees every change.
//! - [`Hub`]: per-show rooms on this instance; a dispatcher moves changes from the feed into the
//!   room of their show.
//! - `session`: one websocket connection: `join_show` answers `initial_seat_status` (the full
//!   map and its version) and then the show's deltas in version order. A gap (a change lost in
//!   transit, e.g. while pub/sub reconnected) makes the session send a fresh snapshot instead, so
//!   a client's map is never silently wrong. Slow clients are disconnected, never waited for.

mod feed;
mod hub;
mod seat_maps;
pub mod session;

use async_trait::async_trait;
use eventory_shared::{SeatMap, ShowId};

pub use feed::{FeedItem, SeatFeed};
pub use hub::Hub;
pub use seat_maps::{LayoutSource, LedgerSeatMaps, StoreLayouts};

/// Where sessions get a show's full seat map (layout from the store, states and version from
/// the ledger).
#[async_trait]
pub trait SeatMaps: Send + Sync + 'static {
    /// The show's seat map now, or `None` if there is no such show.
    async fn seat_map(&self, show: ShowId) -> anyhow::Result<Option<SeatMap>>;
}

/// Close code for a client that could not keep up (application range 4000-4999).
pub const CLOSE_SLOW_CONSUMER: u16 = 4008;
/// Close code for a client that stopped answering pings.
pub const CLOSE_NO_HEARTBEAT: u16 = 4009;
