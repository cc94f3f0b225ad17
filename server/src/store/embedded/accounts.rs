//! Accounts in the embedded file: users (unique by email through `users_by_email`) and
//! refresh tokens.

use async_trait::async_trait;
use chrono::{DateTime, Utc};
use eventory_shared::UserId;

use super::schema::*;
use super::EmbeddedStore;
use crate::store::records::*;
use crate::store::{normalize_email, AccountStore, RefreshScope, StoreResult};

#[async_trait]
impl AccountStore for EmbeddedStore {
    async fn insert_user(&self, user: &UserRecord) -> StoreResult<()> {
        let mut user = user.clone();
        user.email = normalize_email(&user.email);
        self.write(move |tx| {
            let id = user.id.to_string();
            USERS_BY_EMAIL
                .write(tx)?
                .insert_new(&user.email, &id, "a user with this email")?;
            USERS.write(tx)?.insert(&id, &user)
        })
        .await
    }

    async fn user_by_email(&self, email: &str) -> StoreResult<Option<UserRecord>> {
        let email = normalize_email(email);
        self.read(move |tx| {
            let Some(id) = USERS_BY_EMAIL.read(tx)?.get(&email)? else {
                return Ok(None);
            };
            USERS.read(tx)?.get(&id)
        })
        .await
    }

    async fn user(&self, id: UserId) -> StoreResult<Option<UserRecord>> {
        self.read(move |tx| USERS.read(tx)?.get(&id.to_string()))
            .await
    }

    async fn set_user_disabled(&self, id: UserId, disabled: bool) -> StoreResult<bool> {
        self.write(move |tx| {
            let mut users = USERS.write(tx)?;
            let key = id.to_string();
            let Some(mut user) = users.get(&key)? else {
                return Ok(false);
            };
            user.disabled = disabled;
            users.insert(&key, &user)?;
            Ok(true)
        })
        .await
    }

    async fn users(&self) -> StoreResult<Vec<UserRecord>> {
        let mut users = self.read(|tx| USERS.read(tx)?.all()).await?;
        users.sort_by(|a, b| a.email.cmp(&b.email));
        Ok(users)
    }

    async fn insert_refresh_token(&self, token: &RefreshTokenRecord) -> StoreResult<()> {
        let token = token.clone();
        self.write(move |tx| {
            REFRESH_TOKENS
                .write(tx)?
                .insert_new(&token.token_hash, &token, "refresh token")
        })
        .await
    }

    async fn consume_refresh_token(
        &self,
        token_hash: &str,
        now: DateTime<Utc>,
    ) -> StoreResult<Option<RefreshTokenRecord>> {
        let hash = token_hash.to_owned();
        self.write(move |tx| {
            let mut tokens = REFRESH_TOKENS.write(tx)?;
            let Some(mut token) = tokens.get(&hash)? else {
                return Ok(None);
            };
            if token.revoked || token.expires_at <= now {
                return Ok(None);
            }
            token.revoked = true;
            token.used_at = Some(now);
            tokens.insert(&hash, &token)?;
            Ok(Some(token))
        })
        .await
    }

    async fn refresh_token(&self, token_hash: &str) -> StoreResult<Option<RefreshTokenRecord>> {
        let hash = token_hash.to_owned();
        self.read(move |tx| REFRESH_TOKENS.read(tx)?.get(&hash))
            .await
    }

    /// A scan of the refresh tokens: revoking a family or an account is rare (a detected reuse,
    /// a sign-out, a disabled account), unlike the by-hash lookups every refresh makes.
    async fn revoke_refresh_tokens(
        &self,
        scope: RefreshScope,
        now: DateTime<Utc>,
    ) -> StoreResult<u64> {
        self.write(move |tx| {
            let mut tokens = REFRESH_TOKENS.write(tx)?;
            let matching: Vec<RefreshTokenRecord> = tokens
                .all()?
                .into_iter()
                .filter(|t| !t.revoked)
                .filter(|t| match scope {
                    RefreshScope::Family(family) => t.family == Some(family),
                    RefreshScope::User(user) => t.user_id == user,
                })
                .collect();
            for mut token in matching.iter().cloned() {
                token.revoked = true;
                token.used_at = Some(now);
                tokens.insert(&token.token_hash.clone(), &token)?;
            }
            Ok(matching.len() as u64)
        })
        .await
    }
}
