//! The HTTP API client: typed calls with the shared crate's bodies, one method per endpoint,
//! a session kept in memory, and transparent refresh: an access token about to expire is
//! refreshed before the call, and a 401 triggers one refresh and one retry.
//!
//! - `error`: why a call failed, and how that reads on screen.
//! - `session`: sign-in, the tokens, refresh.
//! - `transport`: one request, authenticated and idempotent variants.
//! - `sales`, `admin`: the endpoints the screens call.

mod admin;
mod error;
mod sales;
mod session;
mod transport;

use std::time::Duration;

use reqwest::Url;
use tokio::sync::Mutex;

use crate::tls::TlsTrust;

pub use error::ClientError;
pub use sales::action_key;
pub use session::Session;

/// Told the new session each time tokens are issued or rotated (to keep the refresh token).
pub type SessionHook = std::sync::Arc<dyn Fn(&Session) + Send + Sync>;

/// The client.
pub struct ApiClient {
    base: Url,
    trust: TlsTrust,
    http: reqwest::Client,
    session: Mutex<Option<Session>>,
    /// Held while a refresh runs: concurrent callers wait for that one refresh instead of
    /// each spending the same (single-use) refresh token.
    refreshing: Mutex<()>,
    on_session: std::sync::RwLock<Option<SessionHook>>,
}

impl ApiClient {
    /// A client of the server at `base` ("https://tickets.example.org"; plain
    /// "http://127.0.0.1:8080" on this machine), trusting the system's certificate store.
    pub fn new(base: &str) -> Result<Self, ClientError> {
        let trust = TlsTrust::system().map_err(|e| ClientError::Invalid(e.to_string()))?;
        Self::with_trust(base, trust)
    }

    /// A client of the server at `base` trusting `trust`; refuses an address `trust` does not
    /// allow (plain HTTP to another machine).
    pub fn with_trust(base: &str, trust: TlsTrust) -> Result<Self, ClientError> {
        let base = Url::parse(base).map_err(|e| ClientError::BadUrl(e.to_string()))?;
        trust.check(&base).map_err(ClientError::Insecure)?;
        let http = trust
            .http_client()
            .timeout(Duration::from_secs(15))
            .connect_timeout(Duration::from_secs(5))
            .build()?;
        Ok(Self {
            base,
            trust,
            http,
            session: Mutex::new(None),
            refreshing: Mutex::new(()),
            on_session: std::sync::RwLock::new(None),
        })
    }

    /// Calls `hook` with every new session (sign-in, resume, each refresh).
    pub fn on_session(&self, hook: SessionHook) {
        *self.on_session.write().expect("hook lock") = Some(hook);
    }

    /// The server's base URL.
    pub fn base(&self) -> &Url {
        &self.base
    }

    /// The certificates this client trusts (the live feed connects with the same).
    pub fn trust(&self) -> &TlsTrust {
        &self.trust
    }

    /// The live feed's address: `wss://host/api/live` for `https://host`.
    pub fn live_url(&self) -> String {
        let base = self.base.as_str().trim_end_matches('/');
        format!("{}/api/live", base.replacen("http", "ws", 1))
    }

    fn url(&self, path: &str) -> Result<Url, ClientError> {
        self.base
            .join(path)
            .map_err(|e| ClientError::BadUrl(e.to_string()))
    }
}
