//! `GET /health` (the process is up) and `GET /ready` (every backing service answers).

use axum::extract::State;
use axum::http::StatusCode;
use axum::Json;
use eventory_shared::api::{HealthResponse, ReadyResponse};

use crate::http::AppState;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

pub fn routes() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(health))
        .routes(routes!(ready))
}

/// Liveness: answers as long as the process serves HTTP; touches no backing service, so a
/// slow database never gets the process restarted.
#[utoipa::path(get, path = "/health", tag = "health", responses((status = 200, body = HealthResponse)))]
pub(crate) async fn health() -> Json<HealthResponse> {
    Json(HealthResponse {
        status: "ok".into(),
        version: env!("CARGO_PKG_VERSION").into(),
    })
}

/// Readiness: 200 when every port's backing service answers, 503 otherwise, with a report
/// per port either way (a load balancer reads the status, a human the body).
#[utoipa::path(get, path = "/ready", tag = "health", responses(
    (status = 200, body = ReadyResponse, description = "every backing service answers"),
    (status = 503, body = ReadyResponse, description = "some backing service does not answer"),
))]
pub(crate) async fn ready(State(state): State<AppState>) -> (StatusCode, Json<ReadyResponse>) {
    let report = state.backends.check().await;
    let status = if report.ready {
        StatusCode::OK
    } else {
        StatusCode::SERVICE_UNAVAILABLE
    };
    (status, Json(report))
}
