//! A typed client for the HTTP chains tests set up with. Assertions on status codes and error
//! bodies stay in the tests: these helpers are for the steps a test is *not* about, and panic
//! (with the server's answer) when a step fails.

use eventory_server::AppState;
use eventory_shared::api::{
    CheckoutResponse, HoldResponse, LoyaltyView, RewardView, ScratchResponse, TokenPair,
};
use eventory_shared::{Booking, BookingId, BookingStatus, Role, ShowId};
use reqwest::{Method, RequestBuilder, Response, StatusCode};
use serde::de::DeserializeOwned;
use serde_json::{json, Value};

use crate::wait::booking_reaches;
use crate::TestServer;

/// Requests to one server as one caller.
#[derive(Clone)]
pub struct TestApi {
    client: reqwest::Client,
    base: String,
    token: Option<String>,
}

impl TestApi {
    /// Anonymous requests to `server`.
    pub fn anonymous(server: &TestServer) -> Self {
        Self {
            client: reqwest::Client::new(),
            base: server.base.clone(),
            token: None,
        }
    }

    /// Requests as a new account of `role` (a token signed by the server's keys).
    pub fn as_role(server: &TestServer, role: Role) -> Self {
        Self::with_token(server, server.token(role))
    }

    /// Requests with `token`.
    pub fn with_token(server: &TestServer, token: String) -> Self {
        Self {
            token: Some(token),
            ..Self::anonymous(server)
        }
    }

    /// The same server (and connection pool) as the caller holding `token`.
    pub fn as_token(&self, token: impl Into<String>) -> Self {
        Self {
            token: Some(token.into()),
            ..self.clone()
        }
    }

    /// Signs `email` in with `password` (`200`) and returns requests as that account, with the
    /// token pair it was given.
    pub async fn sign_in(&self, email: &str, password: &str) -> (Self, TokenPair) {
        let body = json!({"email": email, "password": password});
        let pair: TokenPair = self
            .post_ok("/api/auth/sign-in", &body, StatusCode::OK)
            .await;
        (self.as_token(pair.access_token.clone()), pair)
    }

    /// Signs a new customer up (`201`) as `email` and returns requests as that account.
    pub async fn sign_up(&self, email: &str) -> (Self, TokenPair) {
        let body =
            json!({"email": email, "password": "a long test password", "display_name": email});
        let pair: TokenPair = self
            .post_ok("/api/auth/sign-up", &body, StatusCode::CREATED)
            .await;
        (self.as_token(pair.access_token.clone()), pair)
    }

    /// The bearer token, if any.
    pub fn token(&self) -> Option<&str> {
        self.token.as_deref()
    }

    /// A request to `base + path`, with the caller's token if any.
    fn request(&self, method: Method, path: &str) -> RequestBuilder {
        let request = self.client.request(method, format!("{}{path}", self.base));
        match &self.token {
            Some(token) => request.bearer_auth(token),
            None => request,
        }
    }

    /// `GET base + path`, the raw answer.
    pub async fn get(&self, path: &str) -> Response {
        send(self.request(Method::GET, path)).await
    }

    /// `POST base + path` with a JSON body, the raw answer.
    pub async fn post(&self, path: &str, body: &Value) -> Response {
        send(self.request(Method::POST, path).json(body)).await
    }

    /// `POST base + path` without a body, the raw answer.
    pub async fn post_empty(&self, path: &str) -> Response {
        send(self.request(Method::POST, path)).await
    }

    /// `POST base + path` with a JSON body and an `Idempotency-Key`, the raw answer.
    pub async fn post_idempotent(&self, path: &str, body: &Value, key: &str) -> Response {
        let request = self.request(Method::POST, path);
        send(request.header("idempotency-key", key).json(body)).await
    }

    /// `PUT base + path` with a JSON body, the raw answer.
    pub async fn put(&self, path: &str, body: &Value) -> Response {
        send(self.request(Method::PUT, path).json(body)).await
    }

    /// `DELETE base + path`, the raw answer.
    pub async fn delete(&self, path: &str) -> Response {
        send(self.request(Method::DELETE, path)).await
    }

    /// `POST`, expecting `want`, decoded.
    pub async fn post_ok<T: DeserializeOwned>(
        &self,
        path: &str,
        body: &Value,
        want: StatusCode,
    ) -> T {
        expect(self.post(path, body).await, want, path).await
    }

    /// `GET`, expecting `200`, decoded.
    pub async fn get_ok<T: DeserializeOwned>(&self, path: &str) -> T {
        expect(self.get(path).await, StatusCode::OK, path).await
    }

    /// Holds `seats` of `show` (`201`).
    pub async fn hold(&self, show: ShowId, seats: &[&str]) -> HoldResponse {
        let path = format!("/api/shows/{show}/holds");
        self.post_ok(&path, &json!({ "seats": seats }), StatusCode::CREATED)
            .await
    }

    /// Checks `hold` out with `body` (`202`: the booking is pending).
    pub async fn checkout(&self, hold: &HoldResponse, body: &Value) -> CheckoutResponse {
        let path = format!("/api/holds/{}/checkout", hold.hold_id);
        self.post_ok(&path, body, StatusCode::ACCEPTED).await
    }

    /// Refunds the whole of `booking` as staff (`200`: the refunded booking).
    pub async fn refund(&self, booking: BookingId, reason: &str) -> Booking {
        let path = format!("/api/bookings/{booking}/refund");
        self.post_ok(&path, &json!({ "reason": reason }), StatusCode::OK)
            .await
    }

    /// The caller's loyalty points and coupons (`GET /api/me/loyalty`).
    pub async fn loyalty(&self) -> LoyaltyView {
        self.get_ok("/api/me/loyalty").await
    }

    /// The scratch card of `booking` (`GET /api/bookings/{booking}/reward`).
    pub async fn reward(&self, booking: BookingId) -> RewardView {
        self.get_ok(&format!("/api/bookings/{booking}/reward"))
            .await
    }

    /// Scratches the card of `booking` (`200`).
    pub async fn scratch(&self, booking: BookingId) -> ScratchResponse {
        let path = format!("/api/bookings/{booking}/reward/scratch");
        expect(self.post_empty(&path).await, StatusCode::OK, &path).await
    }

    /// Hold -> card checkout -> confirmed (waiting behind the API in `state`).
    pub async fn card_sale(&self, state: &AppState, show: ShowId, seats: &[&str]) -> Booking {
        let hold = self.hold(show, seats).await;
        let sale = self.checkout(&hold, &json!({"payment": "card"})).await;
        booking_reaches(state, sale.booking.id, BookingStatus::Confirmed).await
    }

    /// Hold -> cash checkout at the counter (`tendered` euro cents) -> confirmed.
    pub async fn cash_sale(
        &self,
        state: &AppState,
        show: ShowId,
        seats: &[&str],
        tendered: i64,
    ) -> Booking {
        let hold = self.hold(show, seats).await;
        let sale = self.checkout(&hold, &cash_payment(tendered)).await;
        booking_reaches(state, sale.booking.id, BookingStatus::Confirmed).await
    }
}

/// The checkout body paying cash at the counter, `tendered` euro cents.
pub fn cash_payment(tendered: i64) -> Value {
    json!({
        "payment": "cash",
        "cash_tendered": {"amount_minor": tendered, "currency": "EUR"},
    })
}

async fn send(request: RequestBuilder) -> Response {
    request.send().await.expect("server answers")
}

/// The decoded body if the answer is `want`; otherwise a panic with what came instead.
async fn expect<T: DeserializeOwned>(response: Response, want: StatusCode, path: &str) -> T {
    let status = response.status();
    if status != want {
        let body = response.text().await.unwrap_or_default();
        panic!("{path}: wanted {want}, got {status}: {body}");
    }
    response.json().await.expect("JSON body")
}
