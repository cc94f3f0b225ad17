//! The HTTP API with its middleware, and the `serve` / `worker` commands around it: start,
//! serve until SIGTERM or ctrl-c, drain the background work, stop.

use axum::extract::DefaultBodyLimit;
use axum::http::{header, HeaderName, HeaderValue, StatusCode};
use axum::{middleware, Router};
use tokio::net::TcpListener;
use tower::ServiceBuilder;
use tower_http::request_id::{MakeRequestUuid, PropagateRequestIdLayer, SetRequestIdLayer};
use tower_http::set_header::SetResponseHeaderLayer;
use tower_http::timeout::TimeoutLayer;
use tower_http::trace::TraceLayer;

use super::listener::{serve_connections, ListenerLimits};
use super::{AppState, Background};
use crate::config::Config;
use crate::http::{self, ApiError};

const REQUEST_ID: HeaderName = HeaderName::from_static("x-request-id");

/// The whole HTTP API with its middleware.
pub fn router(state: AppState) -> Router {
    let config = state.config.clone();
    http::metrics::init();
    let api = Router::new()
        .merge(http::openapi::router())
        .fallback(|| async { ApiError::NotFound("no such resource".into()) })
        .route_layer(middleware::from_fn(http::metrics::track))
        .with_state(state);
    let api = match config.http.metrics_bind {
        Some(_) => api,
        None => api.merge(http::metrics::router()),
    };
    api.layer(
        ServiceBuilder::new()
            .layer(SetRequestIdLayer::new(REQUEST_ID, MakeRequestUuid))
            .layer(TraceLayer::new_for_http())
            .layer(PropagateRequestIdLayer::new(REQUEST_ID))
            // Answers are per caller and never sniffed as another content type.
            .layer(SetResponseHeaderLayer::if_not_present(
                header::CACHE_CONTROL,
                HeaderValue::from_static("no-store"),
            ))
            .layer(SetResponseHeaderLayer::overriding(
                header::X_CONTENT_TYPE_OPTIONS,
                HeaderValue::from_static("nosniff"),
            ))
            .layer(middleware::map_response(http::error::json_error_bodies))
            .layer(TimeoutLayer::with_status_code(
                StatusCode::REQUEST_TIMEOUT,
                config.http.request_timeout,
            ))
            .layer(DefaultBodyLimit::max(config.http.body_limit_bytes)),
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
    let listener = TcpListener::bind(state.config.http.bind)
        .await
        .map_err(|e| anyhow::anyhow!("cannot listen on {}: {e}", state.config.http.bind))?;
    let scheme = match state.config.http.tls_cert_file {
        Some(_) => "https",
        None => "http",
    };
    tracing::info!(address = %listener.local_addr()?, scheme, "listening");
    serve_on(listener, state, shutdown_signal()).await
}

/// Serves on an already bound listener until `shutdown` completes (tests bind port 0).
pub async fn serve_on(
    listener: TcpListener,
    state: AppState,
    shutdown: impl std::future::Future<Output = ()> + Send + 'static,
) -> anyhow::Result<()> {
    // A certificate that cannot be read stops the start, before any worker runs.
    let tls = super::tls::acceptor(&state.config.http)?;
    let background = Background::start(&state, state.config.process.run_workers);
    let shutdown_token = state.shutdown.clone();
    let live_sessions = state.live_sessions.clone();
    let request_tasks = state.request_tasks.clone();
    let settings = &state.config.http;
    let limits = ListenerLimits {
        header_read_timeout: settings.header_read_timeout,
        max_connections: settings.max_connections,
        drain: settings.request_timeout + std::time::Duration::from_secs(1),
    };
    if let Some(address) = settings.metrics_bind {
        let metrics = TcpListener::bind(address)
            .await
            .map_err(|e| anyhow::anyhow!("cannot listen on {address} (metrics_bind): {e}"))?;
        tracing::info!(%address, "metrics listening");
        let stop = shutdown_token.clone();
        tokio::spawn(serve_connections(
            metrics,
            http::metrics::router(),
            limits,
            None,
            async move { stop.cancelled().await },
        ));
    }
    let served = serve_connections(listener, router(state), limits, tls, shutdown).await;
    // No new requests: drain the workers, then stop the rest.
    background.stop().await;
    shutdown_token.cancel();
    // The websocket sessions close (1001) on the cancel; wait for them to let go of the app.
    live_sessions.close();
    if tokio::time::timeout(std::time::Duration::from_secs(6), live_sessions.wait())
        .await
        .is_err()
    {
        tracing::warn!("live sessions still closing after 6 s");
    }
    request_tasks.close();
    request_tasks.wait().await;
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
