//! Application state and router assembly: the one place that wires ports to implementations
//! and stacks the HTTP middleware.

use std::sync::Arc;

use axum::extract::DefaultBodyLimit;
use axum::http::{HeaderName, StatusCode};
use axum::{middleware, Router};
use tokio::net::TcpListener;
use tokio::sync::mpsc;
use tokio_util::sync::CancellationToken;
use tower::ServiceBuilder;
use tower_http::request_id::{MakeRequestUuid, PropagateRequestIdLayer, SetRequestIdLayer};
use tower_http::timeout::TimeoutLayer;
use tower_http::trace::TraceLayer;

use crate::auth::accounts::{Accounts, SIGN_IN_PER_ACCOUNT, SIGN_IN_PER_ADDRESS};
use crate::auth::rate_limit::RateLimiter;
use crate::auth::tokens::TokenKeys;
use crate::bus::{self, EventBus};
use crate::config::Config;
use crate::health::Backends;
use crate::http::{self, ApiError};
use crate::live::{Hub, LedgerSeatMaps, SeatFeed, StoreLayouts};
use crate::payments::{CashDrawer, Gateways, PaymentJournal, SimulatedCardTerminal};
use crate::sales::checkout::CheckoutDesk;
use crate::sales::reconciler::{spawn_reconciler, ReconcilerStatus};
use crate::sales::workers::spawn_workers;
use crate::sales::SalesContext;
use crate::seats::{self, HoldDesk, SeatChange, SeatLedger};
use crate::store::{self, ShowCatalog, Store};

/// What every handler can reach: one `Arc`, so the per-request clone axum makes of the state
/// is a reference-count increment, not a copy of every service handle.
#[derive(Clone)]
pub struct AppState(Arc<Services>);

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
    pub feed: SeatFeed,
    pub hub: Hub,
    pub holds: HoldDesk,
    pub checkout: CheckoutDesk,
    pub gateways: Arc<Gateways>,
    /// Woken when an outbox entry is written (the relay publishes at once).
    pub outbox_written: Arc<tokio::sync::Notify>,
    pub backends: Backends,
    /// What the reconciler last saw (reported by `/ready`).
    pub lifecycle: Arc<ReconcilerStatus>,
    /// Cancelled when the server stops: background tasks end with it.
    pub shutdown: CancellationToken,
}

impl AppState {
    /// Connects every configured backing service: the one place that picks each port's
    /// implementation from the configuration.
    pub async fn connect(config: Config) -> anyhow::Result<Self> {
        let ledger = seats::connect(&config).await?;
        let store = store::connect(&config).await?;
        let bus = bus::connect(&config).await?;
        let lifecycle = Arc::new(ReconcilerStatus::default());
        let backends = Backends::new(ledger.clone(), store.clone(), bus.clone())
            .with_lifecycle(lifecycle.clone());
        // The store is the truth about sold seats: put them back into the ledger before the
        // first request (a fresh Redis, a restarted in-process ledger).
        let rebuilt = store::rebuild::rebuild_ledger(store.as_ref(), ledger.as_ref()).await?;
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
        let tokens = match &config.jwt_secret {
            Some(secret) => TokenKeys::new(secret.as_bytes(), config.access_token_ttl),
            None => {
                tracing::warn!("no EVENTORY_JWT_SECRET: signing tokens with a random key; sign-ins end with this process");
                TokenKeys::ephemeral(config.access_token_ttl)
            }
        };
        let shutdown = CancellationToken::new();
        let feed = match &config.redis_url {
            Some(url) => SeatFeed::redis(url, &config.redis_namespace, shutdown.clone()).await?,
            None => SeatFeed::in_process(),
        };
        let hub = Hub::start(&feed, shutdown.clone());
        let holds = HoldDesk::new(
            ledger.clone(),
            store.clone(),
            catalog.clone(),
            feed.clone(),
            config.max_seats_per_hold,
            config.hold_ttl,
        );
        let (per_account, per_address) = match &config.redis_url {
            Some(url) => {
                let conn = seats::redis_conn::connect(url).await?;
                let prefix = format!("{}:rate", config.redis_namespace);
                (
                    RateLimiter::redis(SIGN_IN_PER_ACCOUNT, conn.clone(), prefix.clone()),
                    RateLimiter::redis(SIGN_IN_PER_ADDRESS, conn, prefix),
                )
            }
            None => (
                RateLimiter::in_process(SIGN_IN_PER_ACCOUNT),
                RateLimiter::in_process(SIGN_IN_PER_ADDRESS),
            ),
        };
        let accounts = Accounts {
            store: store.clone(),
            tokens: tokens.clone(),
            refresh_ttl: config.refresh_token_ttl,
            per_account,
            per_address,
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
        let journal_path = config.payment_journal.clone().or_else(|| {
            config
                .mongodb_uri
                .is_none()
                .then(|| config.data_dir.join("payments.jsonl"))
        });
        let journal = Arc::new(match journal_path {
            Some(path) => PaymentJournal::open(&path)?,
            None => PaymentJournal::in_memory(),
        });
        let gateways = Arc::new(Gateways {
            card: Box::new(
                SimulatedCardTerminal::new(
                    config.card_latency,
                    config.card_decline_rate,
                    rand::random(),
                )
                .with_journal(journal.clone()),
            ),
            cash: Box::new(CashDrawer::new().with_journal(journal)),
        });
        Ok(Self(Arc::new(Services {
            config: Arc::new(config),
            ledger,
            store,
            catalog,
            seat_maps,
            bus,
            tokens,
            accounts,
            feed,
            hub,
            holds,
            checkout,
            gateways,
            outbox_written,
            backends,
            lifecycle,
            shutdown,
        })))
    }
}

impl AppState {
    /// The ports the booking lifecycle (workers, refunds, exchanges, reconciler) uses.
    pub fn sales(&self) -> SalesContext {
        SalesContext {
            store: self.store.clone(),
            ledger: self.ledger.clone(),
            bus: self.bus.clone(),
            gateways: self.gateways.clone(),
            feed: self.feed.clone(),
            prizes: Arc::new(self.config.prize_table.clone()),
            outbox_written: self.outbox_written.clone(),
        }
    }

    /// The name tests knew it by.
    pub fn worker_context(&self) -> SalesContext {
        self.sales()
    }
}

/// Background work of an instance; stopped with it.
pub struct Background {
    stop: CancellationToken,
    grace: std::time::Duration,
    tasks: Vec<tokio::task::JoinHandle<()>>,
}

impl Background {
    /// Starts the hold-expiry sweeper (its releases go out on the live feed) and, when
    /// `with_workers`, the outbox relay, the payment and booking workers and the reconciler.
    pub fn start(state: &AppState, with_workers: bool) -> Self {
        // Its own token: the workers stop taking new events when asked, while the hub and
        // the feed (cancelled with `state.shutdown`) keep serving until they are done.
        let stop = state.shutdown.child_token();
        let (changes, mut released) = mpsc::channel::<SeatChange>(1024);
        let sweeper = seats::spawn_sweeper(
            state.ledger.clone(),
            seats::SWEEP_INTERVAL,
            changes,
            stop.clone(),
        );
        let feed = state.feed.clone();
        let announcer = tokio::spawn(async move {
            while let Some(change) = released.recv().await {
                tracing::debug!(show = %change.show_id, version = change.version, seats = change.seats.len(), "hold expired, seats released");
                feed.publish(change).await;
            }
        });
        let mut tasks = vec![sweeper, announcer];
        if with_workers {
            tasks.push(crate::bus::outbox::spawn_relay(
                state.store.clone(),
                state.bus.clone(),
                state.outbox_written.clone(),
                stop.clone(),
            ));
            tasks.extend(spawn_workers(state.sales(), stop.clone()));
            tasks.push(spawn_reconciler(
                state.sales(),
                state.config.reconcile_interval,
                state.config.reconcile_grace,
                state.lifecycle.clone(),
                stop.clone(),
            ));
        }
        Self {
            stop,
            grace: state.config.shutdown_grace,
            tasks,
        }
    }

    /// Stops taking new work and lets in-flight work finish (a handler mid-charge completes
    /// and commits), for at most the shutdown grace; what is still running then is dropped
    /// uncommitted: its event is delivered again, or the reconciler picks the booking up.
    pub async fn stop(self) {
        self.stop.cancel();
        let deadline = tokio::time::Instant::now() + self.grace;
        for mut task in self.tasks {
            tokio::select! {
                _ = &mut task => {}
                () = tokio::time::sleep_until(deadline) => {
                    tracing::warn!("background work still running after the shutdown grace; stopping it");
                    task.abort();
                }
            }
        }
    }
}

const REQUEST_ID: HeaderName = HeaderName::from_static("x-request-id");

/// The whole HTTP API with its middleware.
pub fn router(state: AppState) -> Router {
    let config = state.config.clone();
    http::metrics::init();
    Router::new()
        .merge(http::health::router())
        .merge(http::holds::router())
        .merge(http::bookings::router())
        .merge(http::live::router())
        .merge(http::auth::router())
        .merge(http::shows::router())
        .merge(http::rewards::router())
        .merge(http::admin::router())
        .merge(http::metrics::router())
        .merge(http::openapi::router())
        .fallback(|| async { ApiError::NotFound("no such resource".into()) })
        .route_layer(middleware::from_fn(http::metrics::track))
        .with_state(state)
        .layer(
            ServiceBuilder::new()
                .layer(SetRequestIdLayer::new(REQUEST_ID, MakeRequestUuid))
                .layer(TraceLayer::new_for_http())
                .layer(PropagateRequestIdLayer::new(REQUEST_ID))
                .layer(middleware::map_response(http::error::json_error_bodies))
                .layer(TimeoutLayer::with_status_code(
                    StatusCode::REQUEST_TIMEOUT,
                    config.request_timeout,
                ))
                .layer(DefaultBodyLimit::max(config.body_limit_bytes)),
        )
}

/// Serves the API on the configured address until SIGTERM or ctrl-c, then drains in-flight
/// requests and returns.
pub async fn serve(config: Config) -> anyhow::Result<()> {
    tracing::info!(
        "eventory-server {} starting with {}",
        env!("CARGO_PKG_VERSION"),
        config.describe_backends()
    );
    let state = AppState::connect(config).await?;
    let listener = TcpListener::bind(state.config.bind)
        .await
        .map_err(|e| anyhow::anyhow!("cannot listen on {}: {e}", state.config.bind))?;
    tracing::info!(address = %listener.local_addr()?, "listening");
    serve_on(listener, state, shutdown_signal()).await
}

/// Serves on an already bound listener until `shutdown` completes (tests bind port 0).
pub async fn serve_on(
    listener: TcpListener,
    state: AppState,
    shutdown: impl std::future::Future<Output = ()> + Send + 'static,
) -> anyhow::Result<()> {
    let background = Background::start(&state, state.config.run_workers);
    let shutdown_token = state.shutdown.clone();
    let served = axum::serve(
        listener,
        router(state).into_make_service_with_connect_info::<std::net::SocketAddr>(),
    )
    .with_graceful_shutdown(shutdown)
    .await;
    // No new requests: drain the workers, then stop the rest.
    background.stop().await;
    shutdown_token.cancel();
    served?;
    tracing::info!("stopped");
    Ok(())
}

/// Completes on ctrl-c or SIGTERM.
pub async fn shutdown_signal() {
    let ctrl_c = async {
        let _ = tokio::signal::ctrl_c().await;
    };
    #[cfg(unix)]
    let terminate = async {
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(mut signal) => {
                signal.recv().await;
            }
            Err(e) => {
                tracing::warn!("cannot listen for SIGTERM: {e}");
                std::future::pending::<()>().await;
            }
        }
    };
    #[cfg(not(unix))]
    let terminate = std::future::pending::<()>();
    tokio::select! {
        () = ctrl_c => tracing::info!("ctrl-c: shutting down"),
        () = terminate => tracing::info!("SIGTERM: shutting down"),
    }
}

/// `eventory-server worker`: the sweeper, outbox relay and workers without the HTTP API, until
/// SIGTERM or ctrl-c.
pub async fn run_workers(config: Config) -> anyhow::Result<()> {
    tracing::info!(
        "eventory-server {} worker starting with {}",
        env!("CARGO_PKG_VERSION"),
        config.describe_backends()
    );
    let state = AppState::connect(config).await?;
    let background = Background::start(&state, true);
    shutdown_signal().await;
    background.stop().await;
    state.shutdown.cancel();
    tracing::info!("worker stopped");
    Ok(())
}
