//! Accounts and sessions: sign-up (customers), sign-in with rate limits, refresh-token rotation,
//! sign-out.

use std::net::IpAddr;
use std::sync::Arc;
use std::time::Duration;

use chrono::Utc;
use eventory_shared::api::{TokenPair, UserProfile};
use eventory_shared::{Role, UserId};
use uuid::Uuid;

use super::password::{decoy_hash, hash_password, verify_password, MIN_PASSWORD_LEN};
use super::rate_limit::{Limit, RateLimiter};
use super::tokens::{new_refresh_token, refresh_token_hash, TokenKeys};
use crate::store::{normalize_email, RefreshTokenRecord, Store, StoreError, UserRecord};

/// Why an account operation was refused.
#[derive(Debug, thiserror::Error)]
pub enum AccountError {
    #[error("{0}")]
    Invalid(&'static str),
    #[error("an account with this email exists")]
    EmailTaken,
    /// Wrong email or password, disabled account, bad refresh token: one answer for all, so a
    /// caller learns nothing about which.
    #[error("invalid credentials")]
    InvalidCredentials,
    #[error("too many attempts, try again later")]
    RateLimited,
    #[error(transparent)]
    Store(#[from] StoreError),
    #[error(transparent)]
    Internal(#[from] anyhow::Error),
}

/// Sign-in attempts allowed per account and per client address per minute.
pub const SIGN_IN_PER_ACCOUNT: Limit = Limit {
    attempts: 10,
    window: Duration::from_secs(60),
};
pub const SIGN_IN_PER_ADDRESS: Limit = Limit {
    attempts: 50,
    window: Duration::from_secs(60),
};

/// Account operations.
pub struct Accounts {
    pub store: Arc<dyn Store>,
    pub tokens: TokenKeys,
    pub refresh_ttl: Duration,
    pub per_account: RateLimiter,
    pub per_address: RateLimiter,
}

fn profile(user: &UserRecord) -> UserProfile {
    UserProfile {
        id: user.id,
        email: user.email.clone(),
        display_name: user.display_name.clone(),
        role: user.role,
    }
}

impl Accounts {
    /// A new customer account, signed in.
    pub async fn sign_up(
        &self,
        email: &str,
        password: &str,
        display_name: &str,
    ) -> Result<TokenPair, AccountError> {
        let email = normalize_email(email);
        let valid_email = email.len() <= 254
            && email
                .split_once('@')
                .is_some_and(|(local, domain)| !local.is_empty() && domain.contains('.'))
            && !email.chars().any(char::is_whitespace);
        if !valid_email {
            return Err(AccountError::Invalid(
                "email must look like name@example.com",
            ));
        }
        if password.chars().count() < MIN_PASSWORD_LEN || password.len() > 1024 {
            return Err(AccountError::Invalid(
                "password must be 10 to 1024 characters",
            ));
        }
        let display_name = display_name.trim();
        if display_name.is_empty() || display_name.chars().count() > 100 {
            return Err(AccountError::Invalid(
                "display_name must be 1 to 100 characters",
            ));
        }
        let user = UserRecord {
            id: UserId::from_uuid(Uuid::new_v4()),
            email,
            display_name: display_name.to_owned(),
            password_hash: hash_password(password)?,
            role: Role::Customer,
            disabled: false,
            created_at: Utc::now(),
        };
        match self.store.insert_user(&user).await {
            Ok(()) => self.issue(&user).await,
            Err(StoreError::Duplicate(_)) => Err(AccountError::EmailTaken),
            Err(e) => Err(e.into()),
        }
    }

    /// Signs in; rate-limited per account and per client address.
    pub async fn sign_in(
        &self,
        email: &str,
        password: &str,
        client: Option<IpAddr>,
    ) -> Result<TokenPair, AccountError> {
        let email = normalize_email(email);
        let account_ok = self.per_account.allow(&format!("account:{email}")).await;
        let address_ok = match client {
            Some(ip) => self.per_address.allow(&format!("ip:{ip}")).await,
            None => true,
        };
        if !account_ok || !address_ok {
            return Err(AccountError::RateLimited);
        }
        let user = self.store.user_by_email(&email).await?;
        // Verify against a decoy when there is no such user, so timing does not tell.
        let hash = user
            .as_ref()
            .map_or(decoy_hash(), |u| u.password_hash.as_str())
            .to_owned();
        let password = password.to_owned();
        let matches = tokio::task::spawn_blocking(move || verify_password(&password, &hash))
            .await
            .map_err(|e| anyhow::anyhow!("verify task: {e}"))?;
        match user {
            Some(user) if matches && !user.disabled => self.issue(&user).await,
            _ => Err(AccountError::InvalidCredentials),
        }
    }

    /// Exchanges a refresh token for a new pair; the old refresh token stops working.
    pub async fn refresh(&self, refresh_token: &str) -> Result<TokenPair, AccountError> {
        let record = self
            .store
            .consume_refresh_token(&refresh_token_hash(refresh_token), Utc::now())
            .await?
            .ok_or(AccountError::InvalidCredentials)?;
        let user = self
            .store
            .user(record.user_id)
            .await?
            .filter(|u| !u.disabled)
            .ok_or(AccountError::InvalidCredentials)?;
        self.issue(&user).await
    }

    /// Revokes a refresh token (signing out that session). Unknown tokens are fine.
    pub async fn sign_out(&self, refresh_token: &str) -> Result<(), AccountError> {
        self.store
            .consume_refresh_token(&refresh_token_hash(refresh_token), Utc::now())
            .await?;
        Ok(())
    }

    /// The profile of a signed-in user.
    pub async fn me(&self, id: UserId) -> Result<UserProfile, AccountError> {
        let user = self
            .store
            .user(id)
            .await?
            .filter(|u| !u.disabled)
            .ok_or(AccountError::InvalidCredentials)?;
        Ok(profile(&user))
    }

    async fn issue(&self, user: &UserRecord) -> Result<TokenPair, AccountError> {
        let (access_token, expires_in) = self.tokens.issue(user.id, user.role);
        let refresh_token = new_refresh_token();
        self.store
            .insert_refresh_token(&RefreshTokenRecord {
                token_hash: refresh_token_hash(&refresh_token),
                user_id: user.id,
                expires_at: Utc::now()
                    + chrono::Duration::from_std(self.refresh_ttl)
                        .unwrap_or(chrono::Duration::days(30)),
                revoked: false,
            })
            .await?;
        Ok(TokenPair {
            access_token,
            refresh_token,
            expires_in,
            user: profile(user),
        })
    }
}
