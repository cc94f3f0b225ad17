//! `AccountStore`: users and their refresh tokens.

use async_trait::async_trait;
use chrono::{DateTime, Utc};
use eventory_shared::UserId;

use crate::store::{RefreshScope, RefreshTokenRecord, StoreResult, UserRecord};

/// Accounts: users (unique by lower-case email) and refresh tokens (by the hash of their value).
#[async_trait]
pub trait AccountStore: Send + Sync + 'static {
    /// A second user with the same (normalised) email is a `Duplicate`.
    async fn insert_user(&self, user: &UserRecord) -> StoreResult<()>;
    async fn user_by_email(&self, email: &str) -> StoreResult<Option<UserRecord>>;
    async fn user(&self, id: UserId) -> StoreResult<Option<UserRecord>>;
    /// `false` if there is no such user.
    async fn set_user_disabled(&self, id: UserId, disabled: bool) -> StoreResult<bool>;
    /// Every user, by email.
    async fn users(&self) -> StoreResult<Vec<UserRecord>>;
    async fn insert_refresh_token(&self, token: &RefreshTokenRecord) -> StoreResult<()>;
    /// Revokes a valid (unrevoked, unexpired) token and returns it, atomically: a refresh token
    /// works once (rotation), and two concurrent uses cannot both succeed. Marks it used at
    /// `now`.
    async fn consume_refresh_token(
        &self,
        token_hash: &str,
        now: DateTime<Utc>,
    ) -> StoreResult<Option<RefreshTokenRecord>>;
    /// The token as stored, revoked or not (to tell a reuse from an unknown token).
    async fn refresh_token(&self, token_hash: &str) -> StoreResult<Option<RefreshTokenRecord>>;
    /// Revokes every unrevoked token in `scope` (marking them used at `now`); how many.
    async fn revoke_refresh_tokens(
        &self,
        scope: RefreshScope,
        now: DateTime<Utc>,
    ) -> StoreResult<u64>;
}
