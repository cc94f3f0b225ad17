//! Settings of sign-in: the token signing key and how long tokens last.

use std::time::Duration;

use secrecy::ExposeSecret;
use serde::Deserialize;

use super::{invalid, parse, within, ConfigError, Secret};

/// Secrets that were ever written in this repository's files (an old compose default):
/// refused, since anyone can read them.
const PUBLISHED_SECRETS: &[&str] = &["dev-only-secret-change-me-0123456789abcdef"];

/// Access and refresh tokens.
#[derive(Clone, Debug, Deserialize)]
#[serde(default)]
pub struct AuthSettings {
    /// Secret signing access tokens; every instance must share it. Unset: a random one per
    /// process (single node only; sign-ins do not survive a restart).
    pub jwt_secret: Option<Secret>,
    #[serde(rename = "access_token_ttl_secs", deserialize_with = "parse::secs")]
    pub access_token_ttl: Duration,
    /// A refresh token's life; each rotation gives a new one this long (within its family's).
    #[serde(rename = "refresh_token_ttl_secs", deserialize_with = "parse::secs")]
    pub refresh_token_ttl: Duration,
    /// Longest a sign-in lasts however often its refresh token rotates; then sign in again.
    #[serde(
        rename = "refresh_family_lifetime_secs",
        deserialize_with = "parse::secs"
    )]
    pub refresh_family_lifetime: Duration,
}

impl Default for AuthSettings {
    fn default() -> Self {
        Self {
            jwt_secret: None,
            access_token_ttl: Duration::from_secs(900),
            refresh_token_ttl: Duration::from_secs(30 * 86_400),
            refresh_family_lifetime: Duration::from_secs(90 * 86_400),
        }
    }
}

impl AuthSettings {
    pub(super) fn validate(&self) -> Result<(), ConfigError> {
        if let Some(secret) = &self.jwt_secret {
            if secret.expose_secret().len() < 32 {
                return Err(invalid("jwt_secret", "must be at least 32 characters"));
            }
            if PUBLISHED_SECRETS.contains(&secret.expose_secret()) {
                return Err(invalid(
                    "jwt_secret",
                    "is a value published in Eventory's own files: anyone could sign tokens with it (generate one: openssl rand -hex 32)",
                ));
            }
        }
        within(
            "access_token_ttl_secs",
            self.access_token_ttl.as_secs(),
            30..=86_400,
        )?;
        within(
            "refresh_token_ttl_secs",
            self.refresh_token_ttl.as_secs(),
            300..=365 * 86_400,
        )?;
        within(
            "refresh_family_lifetime_secs",
            self.refresh_family_lifetime.as_secs(),
            300..=3 * 365 * 86_400,
        )?;
        if self.refresh_family_lifetime < self.refresh_token_ttl {
            return Err(invalid(
                "refresh_family_lifetime_secs",
                "must be at least refresh_token_ttl_secs",
            ));
        }
        Ok(())
    }
}
