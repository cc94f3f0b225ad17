//! `GET /api/live`: the live seat-map websocket (authenticated: `Authorization: Bearer` or
//! `?access_token=` for clients that cannot set headers on a websocket).

use axum::extract::{State, WebSocketUpgrade};
use axum::response::Response;
use axum::routing::get;
use axum::Router;

use crate::app::AppState;
use crate::auth::extract::AnyUser;
use crate::live::session;

pub fn router() -> Router<AppState> {
    Router::new().route("/api/live", get(live))
}

async fn live(
    State(state): State<AppState>,
    AnyUser(_caller): AnyUser,
    upgrade: WebSocketUpgrade,
) -> Response {
    let hub = state.hub.clone();
    let maps = state.seat_maps.clone();
    let stop = state.shutdown.clone();
    upgrade
        .max_message_size(64 * 1024)
        .on_upgrade(move |socket| session::run(socket, hub, maps, stop))
}
