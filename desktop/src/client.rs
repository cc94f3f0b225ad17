//! The HTTP API client: typed calls with the shared crate's bodies, a session kept in memory,
//! and transparent refresh: an access token about to expire is refreshed before the call, and a
//! 401 triggers one refresh and one retry.

use std::time::Duration;

use chrono::{DateTime, NaiveDate, Utc};
use eventory_shared::api::{
    AnalyticsResponse, AuditView, BookingList, BookingTickets, CheckoutRequest, CheckoutResponse,
    CreateHoldRequest, ExchangeRequest, HoldResponse, RefreshRequest, RefundRequest, RewardView,
    ScratchResponse, ShowDetail, ShowRequest, SignInRequest, TokenPair, UserProfile, VenueRequest,
};
use eventory_shared::{
    ApiErrorBody, Booking, BookingId, HoldId, Money, PaymentMethod, SeatId, Show, ShowId, Venue,
};
use eventory_ui::protocol::BookingQuery;
use reqwest::{Method, StatusCode, Url};
use serde::de::DeserializeOwned;
use serde::Serialize;
use tokio::sync::Mutex;

/// Why a call failed.
#[derive(Debug, thiserror::Error)]
pub enum ClientError {
    /// The server answered with an error body (`seats_taken`, `hold_expired`, ...).
    #[error("{status}: {} ({})", .body.message, .body.code)]
    Api {
        status: StatusCode,
        body: ApiErrorBody,
    },
    #[error("cannot reach the server: {0}")]
    Network(#[from] reqwest::Error),
    #[error("sign in first")]
    NotSignedIn,
    #[error("bad server address: {0}")]
    BadUrl(String),
    /// Input caught before any call.
    #[error("{0}")]
    Invalid(String),
}

/// The wire text of a snake_case enum ("confirmed").
/// The `Idempotency-Key` of a user action, derived from what it acts on: a hold is checked out
/// once, a booking refunded once, exchanged onto one hold once. A double click, the retry after
/// a token refresh or a timeout, or the same action after the app restarted all send the same
/// key, so the server answers the first result and never charges or refunds twice.
pub fn action_key(action: &str, subjects: &[&str]) -> String {
    format!("eventory-{action}:{}", subjects.join(":"))
}

fn enum_text<T: Serialize>(value: &T) -> String {
    serde_json::to_value(value)
        .ok()
        .and_then(|v| v.as_str().map(str::to_owned))
        .unwrap_or_default()
}

/// The tokens of the signed-in user.
#[derive(Clone, Debug)]
pub struct Session {
    pub access_token: String,
    pub refresh_token: String,
    pub expires_at: DateTime<Utc>,
    pub user: UserProfile,
}

/// Refresh this long before the access token expires.
const REFRESH_MARGIN: chrono::Duration = chrono::Duration::seconds(30);

/// The client.
pub struct ApiClient {
    base: Url,
    http: reqwest::Client,
    session: Mutex<Option<Session>>,
}

impl ApiClient {
    /// A client of the server at `base` ("http://127.0.0.1:8080").
    pub fn new(base: &str) -> Result<Self, ClientError> {
        let base = Url::parse(base).map_err(|e| ClientError::BadUrl(e.to_string()))?;
        let http = reqwest::Client::builder()
            .timeout(Duration::from_secs(15))
            .connect_timeout(Duration::from_secs(5))
            .build()?;
        Ok(Self {
            base,
            http,
            session: Mutex::new(None),
        })
    }

    /// The server's base URL.
    pub fn base(&self) -> &Url {
        &self.base
    }

    fn url(&self, path: &str) -> Result<Url, ClientError> {
        self.base
            .join(path)
            .map_err(|e| ClientError::BadUrl(e.to_string()))
    }

    /// The current session, if signed in.
    pub async fn session(&self) -> Option<Session> {
        self.session.lock().await.clone()
    }

    /// Restores a saved session (the refresh token from the OS keyring).
    pub async fn restore(&self, session: Session) {
        *self.session.lock().await = Some(session);
    }

    pub async fn sign_in(&self, email: &str, password: &str) -> Result<UserProfile, ClientError> {
        let pair: TokenPair = self
            .send(
                Method::POST,
                "/api/auth/sign-in",
                None,
                Some(&SignInRequest {
                    email: email.into(),
                    password: password.into(),
                }),
            )
            .await?;
        Ok(self.keep(pair).await)
    }

    /// Starts a session from a refresh token saved in the OS keyring (it is rotated: save the
    /// new one from [`ApiClient::session`]).
    pub async fn resume(&self, refresh_token: &str) -> Result<UserProfile, ClientError> {
        let pair: TokenPair = self
            .send(
                Method::POST,
                "/api/auth/refresh",
                None,
                Some(&RefreshRequest {
                    refresh_token: refresh_token.to_owned(),
                }),
            )
            .await?;
        Ok(self.keep(pair).await)
    }

    /// Revokes the refresh token and forgets the session.
    pub async fn sign_out(&self) -> Result<(), ClientError> {
        let Some(session) = self.session.lock().await.take() else {
            return Ok(());
        };
        self.send_empty(
            Method::POST,
            "/api/auth/sign-out",
            None,
            Some(&RefreshRequest {
                refresh_token: session.refresh_token,
            }),
        )
        .await
    }

    /// Exchanges the refresh token for a new pair.
    pub async fn refresh(&self) -> Result<(), ClientError> {
        let refresh_token = self
            .session
            .lock()
            .await
            .as_ref()
            .map(|s| s.refresh_token.clone())
            .ok_or(ClientError::NotSignedIn)?;
        let result: Result<TokenPair, ClientError> = self
            .send(
                Method::POST,
                "/api/auth/refresh",
                None,
                Some(&RefreshRequest { refresh_token }),
            )
            .await;
        match result {
            Ok(pair) => {
                self.keep(pair).await;
                Ok(())
            }
            Err(e) => {
                if matches!(&e, ClientError::Api { status, .. } if *status == StatusCode::UNAUTHORIZED)
                {
                    *self.session.lock().await = None; // the session is over: sign in again
                }
                Err(e)
            }
        }
    }

    /// A valid access token, refreshed first if it is about to expire.
    pub async fn access_token(&self) -> Result<String, ClientError> {
        let expiring = {
            let session = self.session.lock().await;
            let session = session.as_ref().ok_or(ClientError::NotSignedIn)?;
            if session.expires_at - Utc::now() > REFRESH_MARGIN {
                return Ok(session.access_token.clone());
            }
            true
        };
        if expiring {
            self.refresh().await?;
        }
        self.session
            .lock()
            .await
            .as_ref()
            .map(|s| s.access_token.clone())
            .ok_or(ClientError::NotSignedIn)
    }

    async fn keep(&self, pair: TokenPair) -> UserProfile {
        let user = pair.user.clone();
        *self.session.lock().await = Some(Session {
            access_token: pair.access_token,
            refresh_token: pair.refresh_token,
            expires_at: Utc::now() + chrono::Duration::seconds(pair.expires_in as i64),
            user: pair.user,
        });
        user
    }

    /// An authenticated call, refreshing once on 401.
    async fn authed<B: Serialize, T: DeserializeOwned>(
        &self,
        method: Method,
        path: &str,
        body: Option<&B>,
    ) -> Result<T, ClientError> {
        self.authed_once(method, path, body, None).await
    }

    /// An authenticated call that changes something once: it carries an `Idempotency-Key`
    /// (the same on the retry after a refresh, and on every retry of the same user action),
    /// so a repeat is answered with the first result instead of acting twice.
    async fn authed_once<B: Serialize, T: DeserializeOwned>(
        &self,
        method: Method,
        path: &str,
        body: Option<&B>,
        key: Option<&str>,
    ) -> Result<T, ClientError> {
        let token = self.access_token().await?;
        match self
            .send_keyed(method.clone(), path, Some(&token), body, key)
            .await
        {
            Err(ClientError::Api { status, .. }) if status == StatusCode::UNAUTHORIZED => {
                self.refresh().await?;
                let token = self.access_token().await?;
                self.send_keyed(method, path, Some(&token), body, key).await
            }
            other => other,
        }
    }

    async fn request<B: Serialize>(
        &self,
        method: Method,
        path: &str,
        token: Option<&str>,
        body: Option<&B>,
        key: Option<&str>,
    ) -> Result<reqwest::Response, ClientError> {
        let mut request = self.http.request(method, self.url(path)?);
        if let Some(token) = token {
            request = request.bearer_auth(token);
        }
        if let Some(key) = key {
            request = request.header("Idempotency-Key", key);
        }
        if let Some(body) = body {
            request = request.json(body);
        }
        let response = request.send().await?;
        if response.status().is_success() {
            return Ok(response);
        }
        let status = response.status();
        let body = response
            .json::<ApiErrorBody>()
            .await
            .unwrap_or(ApiErrorBody {
                code: eventory_shared::ErrorCode::Internal,
                message: format!("the server answered {status}"),
                seats: Vec::new(),
            });
        Err(ClientError::Api { status, body })
    }

    async fn send<B: Serialize, T: DeserializeOwned>(
        &self,
        method: Method,
        path: &str,
        token: Option<&str>,
        body: Option<&B>,
    ) -> Result<T, ClientError> {
        self.send_keyed(method, path, token, body, None).await
    }

    async fn send_keyed<B: Serialize, T: DeserializeOwned>(
        &self,
        method: Method,
        path: &str,
        token: Option<&str>,
        body: Option<&B>,
        key: Option<&str>,
    ) -> Result<T, ClientError> {
        Ok(self
            .request(method, path, token, body, key)
            .await?
            .json()
            .await?)
    }

    async fn send_empty<B: Serialize>(
        &self,
        method: Method,
        path: &str,
        token: Option<&str>,
        body: Option<&B>,
    ) -> Result<(), ClientError> {
        self.request(method, path, token, body, None)
            .await
            .map(|_| ())
    }

    // ---- the calls the screens make ----

    pub async fn shows(&self, date: Option<NaiveDate>) -> Result<Vec<Show>, ClientError> {
        let path = match date {
            Some(d) => format!("/api/shows?date={d}"),
            None => "/api/shows".into(),
        };
        self.send::<(), _>(Method::GET, &path, None, None).await
    }

    pub async fn show(&self, show: ShowId) -> Result<ShowDetail, ClientError> {
        self.send::<(), _>(Method::GET, &format!("/api/shows/{show}"), None, None)
            .await
    }

    pub async fn hold(
        &self,
        show: ShowId,
        seats: Vec<SeatId>,
    ) -> Result<HoldResponse, ClientError> {
        self.authed(
            Method::POST,
            &format!("/api/shows/{show}/holds"),
            Some(&CreateHoldRequest { seats }),
        )
        .await
    }

    pub async fn release(&self, hold: HoldId) -> Result<(), ClientError> {
        let token = self.access_token().await?;
        self.send_empty::<()>(
            Method::DELETE,
            &format!("/api/holds/{hold}"),
            Some(&token),
            None,
        )
        .await
    }

    pub async fn checkout(
        &self,
        hold: HoldId,
        payment: PaymentMethod,
        cash_tendered: Option<Money>,
    ) -> Result<CheckoutResponse, ClientError> {
        let body = CheckoutRequest {
            payment,
            coupon: None,
            cash_tendered,
        };
        self.authed_once(
            Method::POST,
            &format!("/api/holds/{hold}/checkout"),
            Some(&body),
            Some(&action_key("checkout", &[&hold.to_string()])),
        )
        .await
    }

    pub async fn booking(&self, booking: BookingId) -> Result<Booking, ClientError> {
        self.authed::<(), _>(Method::GET, &format!("/api/bookings/{booking}"), None)
            .await
    }

    /// Staff: the booking with a code printed on its tickets.
    pub async fn booking_by_code(&self, code: &str) -> Result<Booking, ClientError> {
        let code: String = code.chars().filter(|c| c.is_ascii_alphanumeric()).collect();
        if code.is_empty() {
            return Err(ClientError::Invalid("type a booking code".into()));
        }
        self.authed::<(), _>(Method::GET, &format!("/api/bookings/by-code/{code}"), None)
            .await
    }

    /// A booking with its show and tickets (for printing).
    pub async fn tickets(&self, booking: BookingId) -> Result<BookingTickets, ClientError> {
        self.authed::<(), _>(
            Method::GET,
            &format!("/api/bookings/{booking}/tickets"),
            None,
        )
        .await
    }

    /// The caller's bookings, newest first (a cashier's: what they sold).
    pub async fn my_bookings(&self) -> Result<Vec<Booking>, ClientError> {
        let list: BookingList = self
            .authed::<(), _>(Method::GET, "/api/bookings/mine", None)
            .await?;
        Ok(list.bookings)
    }

    pub async fn refund(&self, booking: BookingId, reason: &str) -> Result<Booking, ClientError> {
        self.authed_once(
            Method::POST,
            &format!("/api/bookings/{booking}/refund"),
            Some(&RefundRequest {
                seats: Vec::new(),
                reason: reason.to_owned(),
            }),
            Some(&action_key("refund", &[&booking.to_string()])),
        )
        .await
    }

    pub async fn exchange(&self, booking: BookingId, hold: HoldId) -> Result<Booking, ClientError> {
        self.authed_once(
            Method::POST,
            &format!("/api/bookings/{booking}/exchange"),
            Some(&ExchangeRequest { hold_id: hold }),
            Some(&action_key(
                "exchange",
                &[&booking.to_string(), &hold.to_string()],
            )),
        )
        .await
    }

    pub async fn reward(&self, booking: BookingId) -> Result<RewardView, ClientError> {
        self.authed::<(), _>(
            Method::GET,
            &format!("/api/bookings/{booking}/reward"),
            None,
        )
        .await
    }

    pub async fn scratch(&self, booking: BookingId) -> Result<ScratchResponse, ClientError> {
        self.authed::<(), _>(
            Method::POST,
            &format!("/api/bookings/{booking}/reward/scratch"),
            None,
        )
        .await
    }

    /// Admin: bookings by filter; `csv` asks for the CSV export instead of JSON.
    fn admin_bookings_path(query: &BookingQuery, csv: bool) -> String {
        let mut params = vec![format!("limit={}", if csv { 10_000 } else { 500 })];
        if let Some(show) = query.show_id {
            params.push(format!("show_id={show}"));
        }
        if let Some(status) = query.status {
            params.push(format!("status={}", enum_text(&status)));
        }
        if let Some(channel) = query.channel {
            params.push(format!("channel={}", enum_text(&channel)));
        }
        if let Some(days) = query.days {
            let from = Utc::now() - chrono::Duration::days(i64::from(days));
            params.push(format!("from={}", from.format("%Y-%m-%dT%H:%M:%SZ")));
        }
        if csv {
            params.push("format=csv".into());
        }
        format!("/api/admin/bookings?{}", params.join("&"))
    }

    pub async fn admin_bookings(&self, query: &BookingQuery) -> Result<Vec<Booking>, ClientError> {
        let list: BookingList = self
            .authed::<(), _>(Method::GET, &Self::admin_bookings_path(query, false), None)
            .await?;
        Ok(list.bookings)
    }

    /// Admin: the CSV export of the bookings matching `query`.
    pub async fn admin_bookings_csv(&self, query: &BookingQuery) -> Result<String, ClientError> {
        let token = self.access_token().await?;
        let response = self
            .request::<()>(
                Method::GET,
                &Self::admin_bookings_path(query, true),
                Some(&token),
                None,
                None,
            )
            .await?;
        Ok(response.text().await?)
    }

    pub async fn admin_analytics(&self) -> Result<AnalyticsResponse, ClientError> {
        self.authed::<(), _>(Method::GET, "/api/admin/analytics", None)
            .await
    }

    pub async fn admin_audit(&self) -> Result<Vec<AuditView>, ClientError> {
        self.authed::<(), _>(Method::GET, "/api/admin/audit?limit=200", None)
            .await
    }

    pub async fn admin_venues(&self) -> Result<Vec<Venue>, ClientError> {
        self.authed::<(), _>(Method::GET, "/api/admin/venues", None)
            .await
    }

    pub async fn admin_create_show(&self, request: &ShowRequest) -> Result<Show, ClientError> {
        self.authed(Method::POST, "/api/admin/shows", Some(request))
            .await
    }

    pub async fn admin_create_venue(&self, request: &VenueRequest) -> Result<Venue, ClientError> {
        self.authed(Method::POST, "/api/admin/venues", Some(request))
            .await
    }

    /// Test hook: replace the access token (e.g. with an expired one).
    #[doc(hidden)]
    pub async fn set_access_token_for_test(&self, token: &str) {
        if let Some(session) = self.session.lock().await.as_mut() {
            session.access_token = token.to_owned();
        }
    }
}
