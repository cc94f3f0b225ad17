//! The live seat-map websocket: `POST /api/live/ticket` gives a signed-in client a single-use
//! ticket, `GET /api/live?ticket=…` upgrades with it (browsers cannot set headers on a
//! websocket, and an access token in a URL ends up in proxy logs). Clients that can set headers
//! may upgrade with `Authorization: Bearer` instead.

#[allow(unused_imports)] // named in the OpenAPI annotations
use super::openapi::SignedIn;
use axum::extract::{Query, State, WebSocketUpgrade};
use axum::http::request::Parts;
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use axum::Json;
use eventory_shared::api::LiveTicket;
use serde::Deserialize;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use crate::auth::live_ticket::TICKET_TTL;
use crate::auth::Caller;
use crate::http::extract::AnyUser;
use crate::http::{ApiError, AppState};
use crate::live::session::{self, SessionLimits};

pub fn routes() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(ticket))
        .route("/api/live", get(live))
}

/// A single-use ticket that opens the live websocket within 30 seconds.
#[utoipa::path(post, path = "/api/live/ticket", tag = "shows",
    responses(SignedIn, (status = 201, body = LiveTicket, description = "opens /api/live?ticket=… once, within expires_in seconds")),
    security(("bearer" = [])))]
pub(crate) async fn ticket(
    State(state): State<AppState>,
    AnyUser(caller): AnyUser,
) -> Result<(axum::http::StatusCode, Json<LiveTicket>), ApiError> {
    let ticket = state
        .live_tickets
        .issue(caller)
        .await
        .map_err(|e| ApiError::Unavailable(format!("live tickets: {e:#}")))?;
    Ok((
        axum::http::StatusCode::CREATED,
        Json(LiveTicket {
            ticket,
            expires_in: TICKET_TTL.as_secs(),
        }),
    ))
}

#[derive(Deserialize)]
struct LiveQuery {
    ticket: Option<String>,
}

/// The caller of an upgrade: its ticket (used up), or its `Authorization` header.
async fn caller(
    state: &AppState,
    parts: &mut Parts,
    query: &LiveQuery,
) -> Result<Caller, ApiError> {
    match &query.ticket {
        Some(ticket) => state
            .live_tickets
            .redeem(ticket)
            .await
            .map_err(|e| ApiError::Unavailable(format!("live tickets: {e:#}")))?
            .ok_or(ApiError::Unauthorized),
        None => {
            use axum::extract::FromRequestParts;
            Caller::from_request_parts(parts, state).await
        }
    }
}

async fn live(
    State(state): State<AppState>,
    Query(query): Query<LiveQuery>,
    request: axum::extract::Request,
) -> Response {
    let (mut parts, _body) = request.into_parts();
    let caller = match caller(&state, &mut parts, &query).await {
        Ok(caller) => caller,
        Err(e) => return e.into_response(),
    };
    let upgrade =
        match <WebSocketUpgrade as axum::extract::FromRequestParts<AppState>>::from_request_parts(
            &mut parts, &state,
        )
        .await
        {
            Ok(upgrade) => upgrade,
            Err(rejection) => return rejection.into_response(),
        };
    let limits = &state.config.limits;
    let Some(guard) = state
        .hub
        .open_session(caller.user_id, limits.live_connections_per_account)
    else {
        return ApiError::RateLimited.into_response();
    };
    let hub = state.hub.clone();
    let maps = state.seat_maps.clone();
    let stop = state.shutdown.clone();
    let closed = guard.closed.clone();
    let session_limits = SessionLimits {
        shows: limits.live_shows_per_session,
        joins_per_minute: limits.live_joins_per_minute,
        lifetime: state.config.auth.access_token_ttl,
    };
    upgrade
        .max_message_size(64 * 1024)
        .on_upgrade(move |socket| {
            state.live_sessions.track_future(async move {
                let _counted = guard;
                session::run_with(socket, hub, maps, stop, closed, session_limits).await
            })
        })
}
