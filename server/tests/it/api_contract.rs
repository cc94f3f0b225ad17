//! The API contract from the outside: every rejection (path, query, header, body, method,
//! route) is JSON `{code, message}` with a status the OpenAPI document lists for that operation,
//! and what the document says a value may be is what the server takes. `scripts/api-contract.sh`
//! checks the same at random (schemathesis); these are the cases it found, kept.

use crate::support::TestServer;
use eventory_shared::{ApiErrorBody, ErrorCode, Role};
use reqwest::{Method, StatusCode};
use serde_json::{json, Value};

/// The statuses the served document lists for `method` on the path template `template`.
fn documented(doc: &Value, template: &str, method: &str) -> Vec<u16> {
    doc["paths"][template][method]["responses"]
        .as_object()
        .unwrap_or_else(|| panic!("{method} {template} is not in the document"))
        .keys()
        .map(|status| status.parse().unwrap())
        .collect()
}

/// Sends the request and checks the answer: `status`, a JSON `{code, message}` with `code`.
async fn rejects(request: reqwest::RequestBuilder, status: StatusCode, code: ErrorCode) {
    let response = request.send().await.unwrap();
    assert_eq!(response.status(), status, "{response:?}");
    let content_type = response.headers()["content-type"]
        .to_str()
        .unwrap()
        .to_owned();
    assert!(
        content_type.starts_with("application/json"),
        "{content_type}"
    );
    let bytes = response.bytes().await.unwrap();
    let body: ApiErrorBody = serde_json::from_slice(&bytes)
        .unwrap_or_else(|e| panic!("not {{code, message}}: {e}: {bytes:?}"));
    assert_eq!(body.code, code, "{body:?}");
    assert!(!body.message.is_empty());
}

#[derive(Clone, Copy)]
enum Who {
    Anonymous,
    Customer,
    Admin,
    Forged,
}

use ErrorCode::{BadRequest, Forbidden, NotFound, Unauthorized, ValidationFailed};
use Who::{Admin, Anonymous, Customer, Forged};

/// `("METHOD url", path template, caller, JSON body text or "", status, code)`; `{show}` in a
/// URL is a UUID no show has.
#[rustfmt::skip]
const CASES: &[(&str, &str, Who, &str, u16, ErrorCode)] = &[
    // A path id that is not a UUID.
    ("GET /api/shows/show", "/api/shows/{show}", Anonymous, "", 400, BadRequest),
    ("GET /api/holds/0", "/api/holds/{hold}", Customer, "", 400, BadRequest),
    ("POST /api/admin/users/x/disable", "/api/admin/users/{user}/disable", Admin, "", 400, BadRequest),
    ("GET /api/bookings/by-code/%FF", "/api/bookings/by-code/{code}", Admin, "", 400, BadRequest),
    // Query parameters outside their documented format or range, or unknown.
    ("GET /api/shows?date=2026-13-45", "/api/shows", Anonymous, "", 400, BadRequest),
    ("GET /api/shows?date=", "/api/shows", Anonymous, "", 400, BadRequest),
    ("GET /api/shows?venue_id=7", "/api/shows", Anonymous, "", 400, BadRequest),
    ("GET /api/shows?colour=red", "/api/shows", Anonymous, "", 400, BadRequest),
    ("GET /api/admin/audit?limit=0", "/api/admin/audit", Admin, "", 400, BadRequest),
    ("GET /api/admin/audit?limit=1001", "/api/admin/audit", Admin, "", 400, BadRequest),
    ("GET /api/admin/bookings?limit=-1", "/api/admin/bookings", Admin, "", 400, BadRequest),
    ("GET /api/admin/bookings?format=xml", "/api/admin/bookings", Admin, "", 400, BadRequest),
    ("GET /api/admin/analytics?from=yesterday", "/api/admin/analytics", Admin, "", 400, BadRequest),
    // Bodies: not JSON, not an object, wrong types, unknown fields.
    ("POST /api/auth/sign-in", "/api/auth/sign-in", Anonymous, "{", 400, BadRequest),
    ("POST /api/auth/sign-out", "/api/auth/sign-out", Anonymous, r#"[""]"#, 400, BadRequest),
    ("POST /api/auth/sign-in", "/api/auth/sign-in", Anonymous, r#"{"email":1,"password":"x"}"#, 400, BadRequest),
    ("POST /api/shows/{show}/holds", "/api/shows/{show}/holds", Customer, r#"{"seats":["A1"],"x":1}"#, 400, BadRequest),
    // Authentication and roles.
    ("GET /api/admin/venues", "/api/admin/venues", Anonymous, "", 401, Unauthorized),
    ("GET /api/admin/venues", "/api/admin/venues", Customer, "", 403, Forbidden),
    ("GET /api/me/loyalty", "/api/me/loyalty", Forged, "", 401, Unauthorized),
    // What the schema cannot say, and what is not there.
    ("GET /api/admin/analytics?from=2026-02-01T00:00:00Z&to=2026-01-01T00:00:00Z", "/api/admin/analytics", Admin, "", 422, ValidationFailed),
    ("GET /api/shows/{show}", "/api/shows/{show}", Anonymous, "", 404, NotFound),
];

#[tokio::test]
async fn every_rejection_is_json_with_a_documented_status() {
    let dir = tempfile::tempdir().unwrap();
    let server = TestServer::start(crate::support::embedded_config(dir.path()))
        .await
        .expect("server starts");
    let client = reqwest::Client::new();
    let admin = server.token(Role::Admin);
    let customer = server.token(Role::Customer);
    let doc: Value = reqwest::get(server.url("/api/openapi.json"))
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let show = uuid::Uuid::new_v4();

    for &(request, template, who, body, status, code) in CASES {
        let (method, url) = request.split_once(' ').unwrap();
        let url = url.replace("{show}", &show.to_string());
        let method = Method::from_bytes(method.as_bytes()).unwrap();
        let mut builder = client.request(method.clone(), server.url(&url));
        builder = match who {
            Who::Anonymous => builder,
            Who::Customer => builder.bearer_auth(&customer),
            Who::Admin => builder.bearer_auth(&admin),
            Who::Forged => builder.bearer_auth("forged"),
        };
        if !body.is_empty() {
            builder = builder
                .header("content-type", "application/json")
                .body(body);
        }
        let status = StatusCode::from_u16(status).unwrap();
        rejects(builder, status, code).await;
        let listed = documented(&doc, template, &method.as_str().to_ascii_lowercase());
        assert!(
            listed.contains(&status.as_u16()),
            "{request}: {status} is not documented ({listed:?})"
        );
    }

    // A body sent as something else than JSON.
    rejects(
        client
            .post(server.url("/api/auth/sign-in"))
            .header("content-type", "text/plain")
            .body("{}"),
        StatusCode::UNSUPPORTED_MEDIA_TYPE,
        ErrorCode::BadRequest,
    )
    .await;
    assert!(documented(&doc, "/api/auth/sign-in", "post").contains(&415));

    // An Idempotency-Key outside its documented pattern.
    rejects(
        client
            .post(server.url(&format!("/api/shows/{show}/holds")))
            .bearer_auth(&customer)
            .header("idempotency-key", "k".repeat(129))
            .json(&json!({"seats": ["A1"]})),
        StatusCode::BAD_REQUEST,
        ErrorCode::BadRequest,
    )
    .await;

    // No such route; a method the route does not have (with its Allow header).
    rejects(
        client.get(server.url("/api/nope")),
        StatusCode::NOT_FOUND,
        ErrorCode::NotFound,
    )
    .await;
    let response = client
        .request(Method::PATCH, server.url("/api/shows"))
        .send()
        .await
        .unwrap();
    assert_eq!(response.headers()["allow"], "GET,HEAD");
    rejects(
        client.request(Method::PATCH, server.url("/api/shows")),
        StatusCode::METHOD_NOT_ALLOWED,
        ErrorCode::BadRequest,
    )
    .await;

    server.shutdown().await.expect("server stops cleanly");
}

#[tokio::test]
async fn integral_numbers_are_integers_as_the_schema_says() {
    // JSON Schema's `integer` takes 3.0; so does the server, wherever a body has an integer.
    let dir = tempfile::tempdir().unwrap();
    let server = TestServer::start(crate::support::embedded_config(dir.path()))
        .await
        .expect("server starts");
    let client = reqwest::Client::new();
    let admin = server.token(Role::Admin);
    let venue = json!({
        "name": "Float Hall",
        "layout": {
            "categories": [{"id": "standard", "name": "Standard"}],
            "rows": [{"label": "A", "seats": [
                {"number": 1.0, "column": 0.0, "category": "standard"},
                {"number": 2, "column": 1, "category": "standard"},
            ]}],
        },
    });
    let response = client
        .post(server.url("/api/admin/venues"))
        .bearer_auth(&admin)
        .json(&venue)
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), StatusCode::CREATED);
    let created: Value = response.json().await.unwrap();
    assert_eq!(created["layout"]["rows"][0]["seats"][0]["number"], 1);

    let mut fractional = venue.clone();
    fractional["layout"]["rows"][0]["seats"][0]["number"] = json!(1.5);
    rejects(
        client
            .post(server.url("/api/admin/venues"))
            .bearer_auth(&admin)
            .json(&fractional),
        StatusCode::BAD_REQUEST,
        ErrorCode::BadRequest,
    )
    .await;
    server.shutdown().await.expect("server stops cleanly");
}
