//! The HTTP layer: one module per resource, each exporting its `routes()` (declared once, with
//! their OpenAPI annotations), merged here; [`openapi::router`] splits them into the axum router
//! and the served document. Handlers stay thin: parse, call a capability, map its error. The
//! extractors (`extract`) turn a bearer token into the capabilities' plain [`crate::auth::Caller`].

pub mod admin;
pub mod auth;
pub mod bookings;
pub mod error;
pub mod extract;
pub mod health;
pub mod holds;
pub mod json;
pub mod live;
pub mod metrics;
pub mod openapi;
pub mod rewards;
pub mod shows;
pub mod state;

pub use error::ApiError;
pub use state::{AppState, Services};

use utoipa::OpenApi;
use utoipa_axum::router::OpenApiRouter;

/// Every route of the API, documented ones with their OpenAPI operation.
pub fn routes() -> OpenApiRouter<AppState> {
    OpenApiRouter::with_openapi(openapi::ApiDoc::openapi())
        .merge(health::routes())
        .merge(holds::routes())
        .merge(bookings::routes())
        .merge(live::routes())
        .merge(auth::routes())
        .merge(shows::routes())
        .merge(rewards::routes())
        .merge(admin::routes())
}
