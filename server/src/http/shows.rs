//! Shows: `GET /api/shows` (filters `date`, `venue_id`) and `GET /api/shows/{show}` with its
//! live seat map. Public: browsing needs no account.

use axum::extract::{Path, Query, State};
use axum::Json;
use eventory_shared::api::{ShowDetail, ShowFilter};
#[allow(unused_imports)] // named in the OpenAPI annotations
use eventory_shared::ApiErrorBody;
use eventory_shared::{Show, ShowId};

use super::json::{PathParam, QueryParams};
#[allow(unused_imports)] // named in the OpenAPI annotations
use super::openapi::BadInput;
use super::ApiError;
use crate::http::AppState;
use crate::live::SeatMaps;
use axum_extra::extract::WithRejection;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

pub fn routes() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(list))
        .routes(routes!(detail))
}

/// Shows by start time, optionally on one date (UTC) and/or in one venue.
#[utoipa::path(get, path = "/api/shows", tag = "shows",
    params(ShowFilter),
    responses(BadInput, (status = 200, body = Vec<Show>)))]
pub(crate) async fn list(
    State(state): State<AppState>,
    WithRejection(Query(filter), _): QueryParams<ShowFilter>,
) -> Result<Json<Vec<Show>>, ApiError> {
    Ok(Json(state.store.shows(&filter).await?))
}

/// A show, its venue's name and its seat map now (layout, states, version).
#[utoipa::path(get, path = "/api/shows/{show}", tag = "shows",
    params(("show" = ShowId, Path, description = "show id")),
    responses(BadInput,
        (status = 200, body = ShowDetail),
        (status = 404, body = ApiErrorBody, description = "not_found: no such show")))]
pub(crate) async fn detail(
    State(state): State<AppState>,
    WithRejection(Path(show), _): PathParam<ShowId>,
) -> Result<Json<ShowDetail>, ApiError> {
    let found = state
        .store
        .show(show)
        .await?
        .ok_or_else(|| ApiError::NotFound(format!("no show {show}")))?;
    let venue_name = venue_name(&state, found.venue_id).await?;
    let seat_map = state
        .seat_maps
        .seat_map(show)
        .await
        .map_err(|e| ApiError::Unavailable(format!("seat map: {e:#}")))?
        .ok_or_else(|| ApiError::NotFound(format!("no show {show}")))?;
    Ok(Json(ShowDetail {
        show: found,
        venue_name,
        seat_map,
    }))
}

/// The name of a venue, for showing beside its shows (empty if the venue is gone).
pub(crate) async fn venue_name(
    state: &AppState,
    venue: eventory_shared::VenueId,
) -> Result<String, ApiError> {
    Ok(state
        .store
        .venue(venue)
        .await?
        .map(|v| v.name)
        .unwrap_or_default())
}
