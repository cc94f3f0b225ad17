//! [`AppState`]: what every handler can reach — the ports and each capability's desk, built
//! once by `app` (the one place that picks implementations).

use std::sync::Arc;

use tokio_util::sync::CancellationToken;

use crate::admin::AdminDesk;
use crate::auth::accounts::Accounts;
use crate::auth::live_ticket::LiveTickets;
use crate::auth::tokens::TokenKeys;
use crate::bus::EventBus;
use crate::config::Config;
use crate::health::Backends;
use crate::live::{Hub, LedgerSeatMaps, SeatFeed};
use crate::payments::Gateways;
use crate::sales::checkout::CheckoutDesk;
use crate::sales::holds::HoldDesk;
use crate::sales::reconciler::ReconcilerStatus;
use crate::sales::SalesContext;
use crate::seats::SeatLedger;
use crate::store::{ShowCatalog, Store};

/// What every handler can reach: one `Arc`, so the per-request clone axum makes of the state
/// is a reference-count increment, not a copy of every service handle.
#[derive(Clone)]
pub struct AppState(Arc<Services>);

impl AppState {
    pub fn new(services: Services) -> Self {
        Self(Arc::new(services))
    }
}

impl std::ops::Deref for AppState {
    type Target = Services;

    fn deref(&self) -> &Services {
        &self.0
    }
}

/// The services behind [`AppState`].
pub struct Services {
    pub config: Arc<Config>,
    pub ledger: Arc<dyn SeatLedger>,
    pub store: Arc<dyn Store>,
    pub catalog: Arc<ShowCatalog>,
    pub seat_maps: Arc<LedgerSeatMaps>,
    pub bus: Arc<dyn EventBus>,
    pub tokens: TokenKeys,
    pub accounts: Accounts,
    /// Single-use tickets that open the live websocket.
    pub live_tickets: LiveTickets,
    pub feed: SeatFeed,
    pub hub: Hub,
    pub holds: HoldDesk,
    pub checkout: CheckoutDesk,
    pub admin: AdminDesk,
    /// The booking lifecycle's ports (workers, refunds, exchanges, the reconciler).
    pub sales: SalesContext,
    pub gateways: Arc<Gateways>,
    /// Woken when an outbox entry is written (the relay publishes at once).
    pub outbox_written: Arc<tokio::sync::Notify>,
    pub backends: Backends,
    /// What the reconciler last saw (reported by `/ready`).
    pub lifecycle: Arc<ReconcilerStatus>,
    /// Cancelled when the server stops: background tasks end with it.
    pub shutdown: CancellationToken,
    /// The live websocket sessions, waited for when the server stops (they hold the seat maps
    /// and so the store).
    pub live_sessions: tokio_util::task::TaskTracker,
    /// Work a request started and left running (a cancelled show's refunds): it stops on
    /// `shutdown` and is waited for, so a stopped server lets go of the store.
    pub request_tasks: tokio_util::task::TaskTracker,
}
