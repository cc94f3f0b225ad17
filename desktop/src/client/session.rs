//! The signed-in session: sign-in, resume from a saved refresh token, sign-out, and the
//! access token, refreshed before it expires.

use chrono::{DateTime, Utc};
use eventory_shared::api::{RefreshRequest, SignInRequest, TokenPair, UserProfile};
use reqwest::{Method, StatusCode};

use super::{ApiClient, ClientError};

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

impl ApiClient {
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

    /// Exchanges the refresh token for a new pair. Single flight: a caller that finds another
    /// refresh running waits for it and uses its result, so concurrent requests near expiry
    /// spend the single-use refresh token once (a second use would be refused, and could
    /// revoke the sign-in).
    pub async fn refresh(&self) -> Result<(), ClientError> {
        let seen = self.current_refresh_token().await?;
        let _one_at_a_time = self.refreshing.lock().await;
        let refresh_token = self.current_refresh_token().await?;
        if refresh_token != seen {
            return Ok(()); // another caller refreshed while this one waited
        }
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

    async fn current_refresh_token(&self) -> Result<String, ClientError> {
        self.session
            .lock()
            .await
            .as_ref()
            .map(|s| s.refresh_token.clone())
            .ok_or(ClientError::NotSignedIn)
    }

    /// A single-use ticket that opens the live websocket (`/api/live?ticket=…`) within 30 s:
    /// the access token itself never goes into a URL.
    pub async fn live_ticket(&self) -> Result<String, ClientError> {
        let ticket: eventory_shared::api::LiveTicket = self
            .authed(reqwest::Method::POST, "/api/live/ticket", None::<&()>)
            .await?;
        Ok(ticket.ticket)
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

    pub(super) async fn keep(&self, pair: TokenPair) -> UserProfile {
        let user = pair.user.clone();
        let session = Session {
            access_token: pair.access_token,
            refresh_token: pair.refresh_token,
            expires_at: Utc::now() + chrono::Duration::seconds(pair.expires_in as i64),
            user: pair.user,
        };
        *self.session.lock().await = Some(session.clone());
        let hook = self.on_session.read().expect("hook lock").clone();
        if let Some(hook) = hook {
            hook(&session);
        }
        user
    }

    /// Test hook: make the session's access token count as about to expire.
    #[doc(hidden)]
    pub async fn expire_access_token_for_test(&self) {
        if let Some(session) = self.session.lock().await.as_mut() {
            session.expires_at = Utc::now();
        }
    }

    /// Test hook: replace the access token (e.g. with an expired one).
    #[doc(hidden)]
    pub async fn set_access_token_for_test(&self, token: &str) {
        if let Some(session) = self.session.lock().await.as_mut() {
            session.access_token = token.to_owned();
        }
    }
}
