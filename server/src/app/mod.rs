//! Application state and assembly: the one place that wires ports to implementations and builds
//! each capability's desk once. `serve` stacks the HTTP middleware and runs the commands;
//! `background` the sweeper, workers and reconciler; `local` an instance in this process.

use std::sync::Arc;

use secrecy::ExposeSecret;

use tokio_util::sync::CancellationToken;

use crate::admin::AdminDesk;
use crate::auth::accounts::{AccountLimits, Accounts};
use crate::auth::live_ticket::LiveTickets;
use crate::auth::rate_limit::{Counters, Limit};
use crate::auth::tokens::TokenKeys;
use crate::bus;
use crate::config::Config;
use crate::health::Backends;
use crate::http::{AppState, Services};
use crate::live::{Hub, LedgerSeatMaps, SeatFeed, StoreLayouts};
use crate::payments::{CashDrawer, Gateways, PaymentJournal, SimulatedCardTerminal};
use crate::sales::checkout::CheckoutDesk;
use crate::sales::holds::{HoldDesk, HoldPolicy, HoldRateLimits};
use crate::sales::reconciler::ReconcilerStatus;
use crate::sales::SalesContext;
use crate::seats;
use crate::store::{self, ShowCatalog};

impl AppState {
    /// Connects every configured backing service: the one place that picks each port's
    /// implementation from the configuration.
    pub async fn connect(config: Config) -> anyhow::Result<Self> {
        let ledger = seats::connect(&config.ledger).await?;
        let store = store::connect(&config.store).await?;
        let bus = bus::connect(&config.bus, &config.store.data_dir).await?;
        let lifecycle = Arc::new(ReconcilerStatus::default());
        let backends = Backends::new(ledger.clone(), store.clone(), bus.clone())
            .with_lifecycle(lifecycle.clone());
        // The store is the truth about sold seats: put them back into the ledger before the
        // first request (a fresh Redis, a restarted in-process ledger).
        let rebuilt = seats::rebuild::rebuild_ledger(store.as_ref(), ledger.as_ref()).await?;
        tracing::info!(
            shows = rebuilt.shows,
            sold_seats = rebuilt.sold_seats_restored,
            "seat ledger rebuilt from the store"
        );
        let catalog = Arc::new(ShowCatalog::new(store.clone(), store::catalog::CATALOG_TTL));
        let seat_maps = Arc::new(
            LedgerSeatMaps::new(ledger.clone(), Arc::new(StoreLayouts(store.clone())))
                .with_rebuild(store.clone()),
        );
        let tokens = match &config.auth.jwt_secret {
            Some(secret) => TokenKeys::new(
                secret.expose_secret().as_bytes(),
                config.auth.access_token_ttl,
            ),
            None => {
                tracing::warn!("no EVENTORY_JWT_SECRET: signing tokens with a random key; sign-ins end with this process");
                TokenKeys::ephemeral(config.auth.access_token_ttl)
            }
        };
        let shutdown = CancellationToken::new();
        let feed = match &config.ledger.redis_url {
            Some(url) => {
                SeatFeed::redis(
                    url.expose_secret(),
                    &config.ledger.redis_namespace,
                    shutdown.clone(),
                )
                .await?
            }
            None => SeatFeed::in_process(),
        };
        let hub = Hub::start(&feed, shutdown.clone());
        // Rate-limit counters: in Redis when there is one (shared by every instance).
        let counters = match &config.ledger.redis_url {
            Some(url) => Counters::Redis {
                conn: seats::redis_conn::connect(url.expose_secret()).await?,
                prefix: format!("{}:rate", config.ledger.redis_namespace),
            },
            None => Counters::InProcess,
        };
        let limits = &config.limits;
        let holds = HoldDesk::new(
            ledger.clone(),
            store.clone(),
            catalog.clone(),
            feed.clone(),
            HoldPolicy {
                max_seats_per_hold: config.sales.max_seats_per_hold,
                ttl: config.sales.hold_ttl,
                max_lifetime: limits.hold_max_lifetime,
                max_held_customer: limits.max_seats_held_per_show,
                max_held_staff: limits.max_seats_held_per_show_staff,
            },
            HoldRateLimits {
                per_account: counters.limiter(
                    "holds:account",
                    Limit::per_minute(limits.holds_per_minute_per_account),
                ),
                per_address: counters.limiter(
                    "holds:address",
                    Limit::per_minute(limits.holds_per_minute_per_address),
                ),
            },
        );
        let accounts = Accounts::new(
            store.clone(),
            tokens.clone(),
            &config.auth,
            AccountLimits::new(&counters, limits),
        );
        let live_tickets = match &counters {
            Counters::Redis { conn, .. } => LiveTickets::redis(
                conn.clone(),
                format!("{}:live-ticket", config.ledger.redis_namespace),
            ),
            Counters::InProcess => LiveTickets::in_process(),
        };
        let outbox_written = Arc::new(tokio::sync::Notify::new());
        let checkout = CheckoutDesk {
            ledger: ledger.clone(),
            store: store.clone(),
            catalog: catalog.clone(),
            feed: feed.clone(),
            outbox_written: outbox_written.clone(),
        };
        // The simulated gateways' decisions: in the data folder on a single box; with MongoDB
        // (several instances, no shared folder) only where configured.
        let journal_path = config.sales.payment_journal.clone().or_else(|| {
            config
                .store
                .mongodb_uri
                .is_none()
                .then(|| config.store.data_dir.join("payments.jsonl"))
        });
        let journal = Arc::new(match journal_path {
            Some(path) => PaymentJournal::open(&path)?,
            None => PaymentJournal::in_memory(),
        });
        let gateways = Arc::new(Gateways {
            card: Box::new(
                SimulatedCardTerminal::new(
                    config.sales.card_latency,
                    config.sales.card_decline_rate,
                    rand::random(),
                )
                .with_journal(journal.clone()),
            ),
            cash: Box::new(CashDrawer::new().with_journal(journal)),
        });
        let admin = AdminDesk::new(
            store.clone(),
            ledger.clone(),
            catalog.clone(),
            seat_maps.clone(),
            hub.clone(),
        );
        let sales = SalesContext {
            store: store.clone(),
            ledger: ledger.clone(),
            bus: bus.clone(),
            gateways: gateways.clone(),
            feed: feed.clone(),
            prizes: Arc::new(config.rewards.prize_table.clone()),
            outbox_written: outbox_written.clone(),
        };
        Ok(Self::new(Services {
            config: Arc::new(config),
            ledger,
            store,
            catalog,
            seat_maps,
            bus,
            tokens,
            accounts,
            live_tickets,
            feed,
            hub,
            holds,
            checkout,
            admin,
            sales,
            gateways,
            outbox_written,
            backends,
            lifecycle,
            shutdown,
            live_sessions: tokio_util::task::TaskTracker::new(),
            request_tasks: tokio_util::task::TaskTracker::new(),
        }))
    }
}

impl AppState {
    /// The ports the booking lifecycle (workers, refunds, exchanges, reconciler) uses.
    pub fn worker_context(&self) -> SalesContext {
        self.sales.clone()
    }
}

mod background;
mod listener;
mod local;
mod serve;
mod tls;

pub use background::Background;
pub use local::LocalServer;
pub use serve::{router, run_workers, serve, serve_on, shutdown_signal};
