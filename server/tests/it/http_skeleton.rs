//! The HTTP skeleton through a real server on a real socket: health, readiness, the JSON error
//! shape for everything that goes wrong, and graceful shutdown.

use crate::support::TestServer;
use eventory_shared::api::{HealthResponse, ReadyResponse};
use eventory_shared::{ApiErrorBody, ErrorCode};

#[tokio::test]
async fn health_answers_without_backing_services() {
    let dir = tempfile::tempdir().unwrap();
    let server = TestServer::start(crate::support::embedded_config(dir.path()))
        .await
        .expect("server starts");
    let response = reqwest::get(server.url("/health")).await.unwrap();
    assert_eq!(response.status(), 200);
    assert!(response.headers().contains_key("x-request-id"));
    let body: HealthResponse = response.json().await.unwrap();
    assert_eq!(body.status, "ok");
    server.shutdown().await.expect("server stops cleanly");
}

#[tokio::test]
async fn ready_reports_the_embedded_default() {
    let dir = tempfile::tempdir().unwrap();
    let server = TestServer::start(crate::support::embedded_config(dir.path()))
        .await
        .expect("server starts");
    let response = reqwest::get(server.url("/ready")).await.unwrap();
    assert_eq!(response.status(), 200);
    let body: ReadyResponse = response.json().await.unwrap();
    assert!(body.ready);
    assert_eq!(body.services["seat_ledger"].backend, "in-process");
    assert_eq!(body.services["store"].backend, "embedded");
    assert_eq!(body.services["event_bus"].backend, "in-process");
    server.shutdown().await.expect("server stops cleanly");
}

#[tokio::test]
async fn ready_reports_the_real_cluster_services() {
    let server = TestServer::start(crate::support::cluster_config())
        .await
        .expect("server starts");
    let response = reqwest::get(server.url("/ready")).await.unwrap();
    let status = response.status();
    let body: ReadyResponse = response.json().await.unwrap();
    assert_eq!(status, 200, "{body:#?}");
    assert_eq!(body.services["store"].backend, "mongodb");
    server.shutdown().await.expect("server stops cleanly");
}

#[tokio::test]
async fn unknown_routes_and_methods_answer_json_errors() {
    let dir = tempfile::tempdir().unwrap();
    let server = TestServer::start(crate::support::embedded_config(dir.path()))
        .await
        .expect("server starts");
    let client = reqwest::Client::new();

    let missing = client.get(server.url("/api/nope")).send().await.unwrap();
    assert_eq!(missing.status(), 404);
    let body: ApiErrorBody = missing.json().await.unwrap();
    assert_eq!(body.code, ErrorCode::NotFound);

    let wrong_method = client.delete(server.url("/health")).send().await.unwrap();
    assert_eq!(wrong_method.status(), 405);
    assert!(wrong_method.headers().contains_key("allow"));
    let body: ApiErrorBody = wrong_method.json().await.unwrap();
    assert_eq!(body.code, ErrorCode::BadRequest);
    server.shutdown().await.expect("server stops cleanly");
}

#[tokio::test]
async fn graceful_shutdown_stops_listening() {
    let dir = tempfile::tempdir().unwrap();
    let server = TestServer::start(crate::support::embedded_config(dir.path()))
        .await
        .expect("server starts");
    let url = server.url("/health");
    assert!(reqwest::get(&url).await.unwrap().status().is_success());
    server.shutdown().await.expect("server stops cleanly");
    assert!(
        reqwest::get(&url).await.is_err(),
        "still answering after shutdown"
    );
}

#[tokio::test]
async fn metrics_count_requests_by_route_template() {
    let dir = tempfile::tempdir().unwrap();
    let server = TestServer::start(crate::support::embedded_config(dir.path()))
        .await
        .expect("server starts");
    reqwest::get(server.url("/health")).await.unwrap();
    let response = reqwest::get(server.url("/metrics")).await.unwrap();
    assert_eq!(response.status(), 200);
    assert!(response.headers()["content-type"]
        .to_str()
        .unwrap()
        .starts_with("text/plain"));
    let text = response.text().await.unwrap();
    assert!(
        text.lines().any(|l| l.starts_with("http_requests_total{")
            && l.contains("route=\"/health\"")
            && l.contains("status=\"200\"")),
        "{text}"
    );
    assert!(
        text.contains("http_request_duration_seconds_bucket"),
        "{text}"
    );
    server.shutdown().await.expect("server stops cleanly");
}
