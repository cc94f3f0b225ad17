//! `GET /api/openapi.json`: the OpenAPI 3.1 document of the API, generated from the handlers'
//! annotations and the shared crate's types (utoipa), so it cannot drift from the code. The
//! paths come from the routes themselves (`utoipa_axum`'s `routes!` in each resource module):
//! a route is declared once, with its annotation, and lands in the router and the document.

use axum::http::header::CONTENT_TYPE;
use axum::response::IntoResponse;
use axum::routing::get;
use axum::Router;
use std::collections::BTreeMap;

use utoipa::openapi::security::{HttpAuthScheme, HttpBuilder, SecurityScheme};
use utoipa::openapi::{ContentBuilder, Ref, RefOr, ResponseBuilder};
use utoipa::{IntoResponses, Modify, OpenApi};

use crate::http::AppState;

#[derive(OpenApi)]
#[openapi(
    info(title = "Eventory API", description = "Reserved-seat ticketing that never sells a seat twice."),
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

/// One error response: the JSON `{code, message}` body with the codes it may carry.
fn error_response(description: &str) -> RefOr<utoipa::openapi::Response> {
    ResponseBuilder::new()
        .description(description)
        .content(
            "application/json",
            ContentBuilder::new()
                .schema(Some(Ref::from_schema_name("ApiErrorBody")))
                .build(),
        )
        .build()
        .into()
}

fn error_responses(list: &[(&str, &str)]) -> BTreeMap<String, RefOr<utoipa::openapi::Response>> {
    list.iter()
        .map(|(status, description)| ((*status).to_owned(), error_response(description)))
        .collect()
}

const BAD_REQUEST: (&str, &str) = (
    "400",
    "bad_request: a path id, query parameter, header or body that does not parse",
);
const UNAUTHORIZED: (&str, &str) = (
    "401",
    "unauthorized: no bearer token, or a forged or expired one",
);
const FORBIDDEN: (&str, &str) = ("403", "forbidden: the caller's role may not do this");

// The error responses many operations share, listed once and named in the operations'
// `responses(...)` (first, so an operation's own description of a status wins). The unit tests
// below check that every operation lists the ones its shape implies.

/// 401 of an operation any signed-in account may call.
pub struct SignedIn;

impl IntoResponses for SignedIn {
    fn responses() -> BTreeMap<String, RefOr<utoipa::openapi::Response>> {
        error_responses(&[UNAUTHORIZED])
    }
}

/// 401 and 403 of an operation for some roles only (staff, admin).
pub struct RoleOnly;

impl IntoResponses for RoleOnly {
    fn responses() -> BTreeMap<String, RefOr<utoipa::openapi::Response>> {
        error_responses(&[UNAUTHORIZED, FORBIDDEN])
    }
}

/// 400 of an operation with path ids, query parameters or headers the server parses.
pub struct BadInput;

impl IntoResponses for BadInput {
    fn responses() -> BTreeMap<String, RefOr<utoipa::openapi::Response>> {
        error_responses(&[BAD_REQUEST])
    }
}

/// The rejections of a JSON request body: 400 (not JSON, wrong types, unknown fields), 413,
/// 415 (no `Content-Type: application/json`), 422 (well-formed, but a value is not acceptable).
pub struct BodyErrors;

impl IntoResponses for BodyErrors {
    fn responses() -> BTreeMap<String, RefOr<utoipa::openapi::Response>> {
        error_responses(&[
            BAD_REQUEST,
            (
                "413",
                "payload_too_large: the body is larger than the limit",
            ),
            (
                "415",
                "bad_request: the body is not sent as Content-Type: application/json",
            ),
            ("422", "validation_failed: a value is not acceptable"),
        ])
    }
}

/// 429 of an operation with a rate limit.
pub struct RateLimited;

impl IntoResponses for RateLimited {
    fn responses() -> BTreeMap<String, RefOr<utoipa::openapi::Response>> {
        error_responses(&[(
            "429",
            "rate_limited: too many requests from this address or for this account; try later",
        )])
    }
}

/// The API's routes with their document: the document is rendered once, at start, and
/// served from memory.
pub fn router() -> Router<AppState> {
    let (router, mut document) = super::routes().split_for_parts();
    every_operation(&mut document);
    let body = axum::body::Bytes::from(
        serde_json::to_vec(&document).expect("the OpenAPI document serialises"),
    );
    router.route(
        "/api/openapi.json",
        get(move || {
            let body = body.clone();
            async move { ([(CONTENT_TYPE, "application/json")], body).into_response() }
        }),
    )
}

/// The OpenAPI document of every documented route.
pub fn document() -> utoipa::openapi::OpenApi {
    let mut document = super::routes().split_for_parts().1;
    every_operation(&mut document);
    document
}

/// The answers any operation can give, whatever it does: a request that took longer than the
/// limit (408), a backing service down (503), a bug (500). Added to each operation that does not
/// document them itself.
fn every_operation(document: &mut utoipa::openapi::OpenApi) {
    let any = [
        (
            "408",
            "timeout: the request took longer than the server's limit",
        ),
        (
            "500",
            "internal: something went wrong on our side (details only in the server log)",
        ),
        (
            "503",
            "service_unavailable: a backing service does not answer",
        ),
    ];
    for item in document.paths.paths.values_mut() {
        for operation in [
            &mut item.get,
            &mut item.put,
            &mut item.post,
            &mut item.delete,
            &mut item.patch,
        ]
        .into_iter()
        .flatten()
        {
            for (status, description) in any {
                operation
                    .responses
                    .responses
                    .entry(status.to_owned())
                    .or_insert_with(|| error_response(description));
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::Value;

    fn doc() -> Value {
        serde_json::to_value(document()).unwrap()
    }

    /// `(method path, operation)` of every operation in the document.
    fn operations(doc: &Value) -> Vec<(String, Value)> {
        let mut all = Vec::new();
        for (path, item) in doc["paths"].as_object().unwrap() {
            for (method, operation) in item.as_object().unwrap() {
                all.push((
                    format!("{} {path}", method.to_uppercase()),
                    operation.clone(),
                ));
            }
        }
        all
    }

    /// A schema with its `$ref`, if any, followed into `components`.
    fn resolved<'a>(doc: &'a Value, schema: &'a Value) -> &'a Value {
        match schema["$ref"].as_str() {
            Some(reference) => {
                let name = reference.trim_start_matches("#/components/schemas/");
                &doc["components"]["schemas"][name]
            }
            None => schema,
        }
    }

    fn statuses(operation: &Value) -> Vec<&str> {
        operation["responses"]
            .as_object()
            .unwrap()
            .keys()
            .map(String::as_str)
            .collect()
    }

    fn parameters(operation: &Value) -> Vec<Value> {
        operation["parameters"]
            .as_array()
            .cloned()
            .unwrap_or_default()
    }

    #[test]
    fn the_document_names_every_route_and_schema() {
        let doc = doc();
        for path in [
            "/health",
            "/ready",
            "/api/shows/{show}/holds",
            "/api/holds/{hold}",
            "/api/holds/{hold}/extend",
            "/api/holds/{hold}/checkout",
            "/api/bookings/{booking}/refund",
            "/api/admin/audit",
            "/api/me",
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

    #[test]
    fn ids_are_uuids_in_paths_queries_and_bodies() {
        let doc = doc();
        for id in [
            "ShowId",
            "VenueId",
            "BookingId",
            "HoldId",
            "TicketId",
            "UserId",
        ] {
            let schema = &doc["components"]["schemas"][id];
            assert_eq!(
                (&schema["type"], &schema["format"]),
                (&Value::from("string"), &Value::from("uuid")),
                "{id}"
            );
        }
        let mut ids = 0;
        for (name, operation) in operations(&doc) {
            for parameter in parameters(&operation) {
                let param = parameter["name"].as_str().unwrap();
                let is_id = matches!(param, "show" | "venue" | "booking" | "hold" | "user")
                    || param.ends_with("_id");
                if is_id {
                    ids += 1;
                    let schema = resolved(&doc, &parameter["schema"]);
                    assert_eq!(schema["format"], "uuid", "{name}: {param} is not a uuid");
                }
            }
        }
        assert!(ids >= 15, "only {ids} id parameters found");
    }

    #[test]
    fn parameters_are_where_the_server_reads_them() {
        let doc = doc();
        for (name, operation) in operations(&doc) {
            let path = name.split_once(' ').unwrap().1;
            for parameter in parameters(&operation) {
                let param = parameter["name"].as_str().unwrap();
                let in_template = path.contains(&format!("{{{param}}}"));
                match parameter["in"].as_str().unwrap() {
                    "path" => assert!(in_template, "{name}: {param} is no path segment"),
                    "query" => {
                        assert!(!in_template, "{name}: {param}");
                        assert_eq!(parameter["required"], false, "{name}: {param}");
                        // A query string cannot say null: no `null` among the types.
                        let schema = resolved(&doc, &parameter["schema"]);
                        assert!(
                            !schema.to_string().contains("\"null\""),
                            "{name}: {param} is nullable: {schema}"
                        );
                    }
                    "header" => {}
                    other => panic!("{name}: {param} in {other}"),
                }
            }
        }
    }

    #[test]
    fn every_operation_documents_the_rejections_its_shape_implies() {
        let doc = doc();
        let mut missing = Vec::new();
        for (name, operation) in operations(&doc) {
            let listed = statuses(&operation);
            let mut need = vec!["408", "500", "503"];
            if operation["security"].is_array() {
                need.push("401");
            }
            if !parameters(&operation).is_empty() {
                need.push("400");
            }
            if operation["requestBody"].is_object() {
                need.extend(["400", "413", "415", "422"]);
            }
            for status in need {
                if !listed.contains(&status) {
                    missing.push(format!("{name}: {status}"));
                }
            }
        }
        assert!(missing.is_empty(), "undocumented: {missing:#?}");
    }

    #[test]
    fn role_gated_operations_document_403() {
        let doc = doc();
        for (name, operation) in operations(&doc) {
            let staff_or_admin = name.contains("/api/admin/")
                || name.contains("/refund")
                || name.contains("/exchange")
                || name.contains("/by-code/");
            if staff_or_admin {
                assert!(statuses(&operation).contains(&"403"), "{name}");
            }
        }
    }

    #[test]
    fn every_error_answer_is_the_json_error_body() {
        let doc = doc();
        for (name, operation) in operations(&doc) {
            for (status, response) in operation["responses"].as_object().unwrap() {
                if !(status.starts_with('4') || status.starts_with('5')) {
                    continue;
                }
                if name == "GET /ready" && status == "503" {
                    continue; // the readiness report, as for 200
                }
                assert_eq!(
                    response["content"]["application/json"]["schema"]["$ref"],
                    "#/components/schemas/ApiErrorBody",
                    "{name} {status}"
                );
            }
        }
    }

    #[test]
    fn limits_and_hold_rules_are_documented() {
        let doc = doc();
        let op = |method: &str, path: &str| doc["paths"][path][method].clone();
        for (method, path) in [
            ("post", "/api/auth/sign-up"),
            ("post", "/api/auth/sign-in"),
            ("post", "/api/auth/refresh"),
            ("post", "/api/shows/{show}/holds"),
        ] {
            assert!(statuses(&op(method, path)).contains(&"429"), "{path}");
        }
        let described = |method: &str, path: &str, status: &str| {
            op(method, path)["responses"][status]["description"]
                .as_str()
                .unwrap()
                .to_owned()
        };
        assert!(described("post", "/api/shows/{show}/holds", "409").contains("hold_limit_reached"));
        assert!(
            described("post", "/api/holds/{hold}/extend", "409").contains("hold_lifetime_reached")
        );
        let key = parameters(&op("post", "/api/shows/{show}/holds"))
            .into_iter()
            .find(|p| p["name"] == "Idempotency-Key")
            .unwrap();
        assert_eq!(
            key["schema"]["pattern"],
            super::super::holds::IDEMPOTENCY_KEY_PATTERN
        );
    }
}
