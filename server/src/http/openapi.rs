//! `GET /api/openapi.json`: the OpenAPI 3.1 document of the API, generated from the handlers'
//! annotations and the shared crate's types (utoipa), so it cannot drift from the code.

use axum::routing::get;
use axum::{Json, Router};
use utoipa::openapi::security::{HttpAuthScheme, HttpBuilder, SecurityScheme};
use utoipa::{Modify, OpenApi};

use crate::app::AppState;

#[derive(OpenApi)]
#[openapi(
    info(title = "Eventory API", description = "Reserved-seat ticketing that never sells a seat twice."),
    paths(
        super::health::health,
        super::health::ready,
        super::holds::create,
        super::holds::fetch,
        super::holds::extend,
        super::holds::release,
        super::bookings::checkout,
        super::bookings::fetch,
        super::bookings::by_code,
        super::bookings::tickets,
        super::bookings::mine,
        super::bookings::refund,
        super::bookings::exchange,
        super::auth::sign_up,
        super::auth::sign_in,
        super::auth::refresh,
        super::auth::sign_out,
        super::auth::me,
        super::shows::list,
        super::shows::detail,
        super::rewards::reward,
        super::rewards::scratch,
        super::rewards::loyalty,
        super::admin::venues,
        super::admin::create_venue,
        super::admin::update_venue,
        super::admin::create_show,
        super::admin::update_show,
        super::admin::bookings,
        super::admin::analytics,
        super::admin::create_staff,
        super::admin::users,
        super::admin::disable,
        super::admin::enable,
        super::admin::audit,
    ),
    components(schemas(eventory_shared::ErrorCode, eventory_shared::ApiErrorBody)),
    modifiers(&BearerAuth),
    tags(
        (name = "health", description = "liveness and readiness"),
        (name = "holds", description = "holding seats, all or none"),
        (name = "bookings", description = "checkout and bookings"),
        (name = "auth", description = "accounts and sessions"),
        (name = "shows", description = "shows and seat maps"),
        (name = "rewards", description = "scratch cards and loyalty"),
        (name = "admin", description = "venues, shows, staff, bookings, analytics, audit (admin only)"),
    )
)]
pub struct ApiDoc;

struct BearerAuth;

impl Modify for BearerAuth {
    fn modify(&self, openapi: &mut utoipa::openapi::OpenApi) {
        let components = openapi.components.get_or_insert_with(Default::default);
        components.add_security_scheme(
            "bearer",
            SecurityScheme::Http(
                HttpBuilder::new()
                    .scheme(HttpAuthScheme::Bearer)
                    .bearer_format("JWT")
                    .build(),
            ),
        );
    }
}

pub fn router() -> Router<AppState> {
    Router::new().route(
        "/api/openapi.json",
        get(|| async { Json(ApiDoc::openapi()) }),
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_document_names_every_route_and_schema() {
        let doc = serde_json::to_value(ApiDoc::openapi()).unwrap();
        for path in [
            "/health",
            "/ready",
            "/api/shows/{show}/holds",
            "/api/holds/{hold}",
            "/api/holds/{hold}/extend",
        ] {
            assert!(doc["paths"][path].is_object(), "missing {path}");
        }
        for schema in [
            "CreateHoldRequest",
            "HoldResponse",
            "ApiErrorBody",
            "ErrorCode",
            "SeatId",
        ] {
            assert!(
                doc["components"]["schemas"][schema].is_object(),
                "missing schema {schema}"
            );
        }
        assert_eq!(doc["components"]["schemas"]["SeatId"]["type"], "string");
        assert!(doc["components"]["securitySchemes"]["bearer"].is_object());
    }
}
