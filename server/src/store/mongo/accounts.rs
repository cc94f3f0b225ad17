//! Accounts in MongoDB: `users` (unique email index) and `refresh_tokens` (by token hash).

use async_trait::async_trait;
use chrono::{DateTime, Utc};
use eventory_shared::UserId;
use mongodb::bson::{doc, Bson};
use mongodb::options::ReturnDocument;

use super::codec::{self, uuid};
use super::schema::{REFRESH_TOKENS, USERS};
use super::MongoStore;
use crate::store::records::*;
use crate::store::{normalize_email, AccountStore, RefreshScope, StoreResult};

#[async_trait]
impl AccountStore for MongoStore {
    async fn insert_user(&self, user: &UserRecord) -> StoreResult<()> {
        let mut user = user.clone();
        user.email = normalize_email(&user.email);
        self.insert_unique(
            &USERS,
            uuid(user.id.as_uuid()),
            &user,
            "a user with this email",
        )
        .await
    }

    async fn user_by_email(&self, email: &str) -> StoreResult<Option<UserRecord>> {
        // A string value in a `doc!` is always a literal to compare, never an operator.
        self.find_one(&USERS, doc! { "email": normalize_email(email) })
            .await
    }

    async fn user(&self, id: UserId) -> StoreResult<Option<UserRecord>> {
        self.find_one(&USERS, doc! { "_id": uuid(id.as_uuid()) })
            .await
    }

    async fn set_user_disabled(&self, id: UserId, disabled: bool) -> StoreResult<bool> {
        let result = self
            .coll(&USERS)
            .update_one(
                doc! { "_id": uuid(id.as_uuid()) },
                doc! { "$set": { "disabled": disabled } },
            )
            .await?;
        Ok(result.matched_count == 1)
    }

    async fn users(&self) -> StoreResult<Vec<UserRecord>> {
        self.find_all(&USERS, doc! {}, Some(doc! { "email": 1 }), None)
            .await
    }

    async fn insert_refresh_token(&self, token: &RefreshTokenRecord) -> StoreResult<()> {
        self.insert_unique(
            &REFRESH_TOKENS,
            Bson::String(token.token_hash.clone()),
            token,
            "refresh token",
        )
        .await
    }

    async fn consume_refresh_token(
        &self,
        token_hash: &str,
        now: DateTime<Utc>,
    ) -> StoreResult<Option<RefreshTokenRecord>> {
        let found = self
            .coll(&REFRESH_TOKENS)
            .find_one_and_update(
                doc! { "_id": token_hash, "revoked": false },
                doc! { "$set": { "revoked": true, "used_at": codec::date(now) } },
            )
            .return_document(ReturnDocument::After)
            .await?;
        let token: Option<RefreshTokenRecord> = found.map(codec::decode).transpose()?;
        Ok(token.filter(|t| t.expires_at > now))
    }

    async fn refresh_token(&self, token_hash: &str) -> StoreResult<Option<RefreshTokenRecord>> {
        self.find_one(&REFRESH_TOKENS, doc! { "_id": token_hash })
            .await
    }

    async fn revoke_refresh_tokens(
        &self,
        scope: RefreshScope,
        now: DateTime<Utc>,
    ) -> StoreResult<u64> {
        let filter = match scope {
            RefreshScope::Family(family) => doc! { "family": uuid(&family), "revoked": false },
            RefreshScope::User(user) => doc! { "user_id": uuid(user.as_uuid()), "revoked": false },
        };
        let result = self
            .coll(&REFRESH_TOKENS)
            .update_many(
                filter,
                doc! { "$set": { "revoked": true, "used_at": codec::date(now) } },
            )
            .await?;
        Ok(result.modified_count)
    }
}
