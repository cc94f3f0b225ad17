//! Accounts and sessions: sign-up (customers), sign-in with rate limits, refresh-token rotation
//! with reuse detection, sign-out.
//!
//! What an outsider can and cannot do, by design:
//! - Inputs are bounded before anything is counted or hashed; hashes run on a bounded pool.
//! - Sign-up is limited per client address and per email. Its answer says when an email has
//!   an account (409): there is no email channel here to tell the owner instead, so this is
//!   the documented choice; the per-address limit bounds how fast anyone can probe.
//! - Sign-in counts every attempt per client address (floods), and wrong passwords per
//!   account *and* address: a known account cannot be locked out from somewhere else.
//! - Refresh tokens rotate; a rotated token used again (later than a double click would)
//!   revokes its whole family, the sign-in it came from. A family ends at its absolute
//!   lifetime however often it rotates.

use std::net::IpAddr;
use std::sync::Arc;
use std::time::Duration;

use chrono::{DateTime, Utc};
use eventory_shared::api::{TokenPair, UserProfile};
use eventory_shared::{Role, UserId};
use uuid::Uuid;

use super::password::{decoy_hash, Hashing, HashingError, MIN_PASSWORD_LEN};
use super::rate_limit::{Counters, Limit, RateLimiter};
use super::tokens::{new_refresh_token, refresh_token_hash, TokenKeys};
use crate::config::{AuthSettings, LimitSettings};
use crate::store::{
    normalize_email, RefreshScope, RefreshTokenRecord, Store, StoreError, UserRecord,
};

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
    /// Every password-hashing slot stayed busy: the server is saturated.
    #[error("too busy, try again shortly")]
    Busy,
    #[error(transparent)]
    Store(#[from] StoreError),
    #[error(transparent)]
    Internal(#[from] anyhow::Error),
}

impl From<HashingError> for AccountError {
    fn from(e: HashingError) -> Self {
        match e {
            HashingError::Busy => AccountError::Busy,
            HashingError::Failed(e) => AccountError::Internal(e),
        }
    }
}

/// Longest email and password looked at; longer ones are refused before anything else.
pub const MAX_EMAIL_LEN: usize = 254;
pub const MAX_PASSWORD_BYTES: usize = 1024;
/// A rotated refresh token presented again within this time is a client's double request
/// (two tabs, a retry), answered 401 without revoking anything; later, it is a stolen token.
pub const REUSE_GRACE: Duration = Duration::from_secs(10);
/// Window of the wrong-password count per account and address.
const FAILURE_WINDOW: Duration = Duration::from_secs(15 * 60);

/// The rate limits of the account desk.
#[derive(Clone)]
pub struct AccountLimits {
    pub sign_up_per_address: RateLimiter,
    pub sign_up_per_email: RateLimiter,
    pub sign_in_per_address: RateLimiter,
    pub failures_per_account_and_address: RateLimiter,
    pub hashing: Hashing,
}

impl AccountLimits {
    pub fn new(counters: &Counters, limits: &LimitSettings) -> Self {
        Self {
            sign_up_per_address: counters.limiter(
                "sign-up:address",
                Limit::per_hour(limits.sign_ups_per_hour_per_address),
            ),
            sign_up_per_email: counters.limiter(
                "sign-up:email",
                Limit::per_hour(limits.sign_ups_per_hour_per_email),
            ),
            sign_in_per_address: counters.limiter(
                "sign-in:address",
                Limit::per_minute(limits.sign_ins_per_minute_per_address),
            ),
            failures_per_account_and_address: counters.limiter(
                "sign-in:failures",
                Limit {
                    attempts: limits.sign_in_failures_per_account_and_address,
                    window: FAILURE_WINDOW,
                },
            ),
            hashing: Hashing::new(limits.hashes_in_flight()),
        }
    }
}

/// Account operations.
pub struct Accounts {
    store: Arc<dyn Store>,
    tokens: TokenKeys,
    refresh_ttl: Duration,
    family_lifetime: Duration,
    limits: AccountLimits,
}

/// An email address as sign-up takes it (and the OpenAPI document says, as the pattern
/// `^[!-?A-~]+@[!-?A-~]+\.[!-?A-~]+$`): visible ASCII, no spaces, one `@` with something
/// before it, a domain with a dot that is neither its first nor its last character; at most
/// 254 characters.
pub fn is_valid_email(email: &str) -> bool {
    let part = |p: &str| !p.is_empty() && p.bytes().all(|b| b.is_ascii_graphic() && b != b'@');
    let Some((local, domain)) = email.split_once('@') else {
        return false;
    };
    email.len() <= MAX_EMAIL_LEN
        && part(local)
        && part(domain)
        && domain
            .bytes()
            .enumerate()
            .any(|(i, b)| b == b'.' && i > 0 && i + 1 < domain.len())
}

/// The key of a client address in the limits (`unknown` without connect info).
fn address_key(client: Option<IpAddr>) -> String {
    client.map_or_else(|| "unknown".to_owned(), |ip| ip.to_string())
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
    pub fn new(
        store: Arc<dyn Store>,
        tokens: TokenKeys,
        auth: &AuthSettings,
        limits: AccountLimits,
    ) -> Self {
        Self {
            store,
            tokens,
            refresh_ttl: auth.refresh_token_ttl,
            family_lifetime: auth.refresh_family_lifetime,
            limits,
        }
    }

    /// A new customer account, signed in; limited per client address and per email.
    pub async fn sign_up(
        &self,
        email: &str,
        password: &str,
        display_name: &str,
        client: Option<IpAddr>,
    ) -> Result<TokenPair, AccountError> {
        if !is_valid_email(email) {
            return Err(AccountError::Invalid(
                "email must look like name@example.com",
            ));
        }
        let email = normalize_email(email);
        if password.chars().count() < MIN_PASSWORD_LEN || password.len() > MAX_PASSWORD_BYTES {
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
        if !self
            .limits
            .sign_up_per_address
            .allow(&address_key(client))
            .await
            || !self.limits.sign_up_per_email.allow(&email).await
        {
            return Err(AccountError::RateLimited);
        }
        let password_hash = self.limits.hashing.hash(password.to_owned()).await?;
        let user = UserRecord {
            id: UserId::from_uuid(Uuid::new_v4()),
            email,
            display_name: display_name.to_owned(),
            password_hash,
            role: Role::Customer,
            disabled: false,
            created_at: Utc::now(),
        };
        match self.store.insert_user(&user).await {
            Ok(()) => self.issue(&user, None).await,
            Err(StoreError::Duplicate(_)) => Err(AccountError::EmailTaken),
            Err(e) => Err(e.into()),
        }
    }

    /// Signs in. Every attempt counts against the client address; wrong passwords count
    /// against the pair of account and address, which then waits (nobody else does).
    pub async fn sign_in(
        &self,
        email: &str,
        password: &str,
        client: Option<IpAddr>,
    ) -> Result<TokenPair, AccountError> {
        if email.len() > MAX_EMAIL_LEN || password.len() > MAX_PASSWORD_BYTES {
            return Err(AccountError::InvalidCredentials);
        }
        let email = normalize_email(email);
        let address = address_key(client);
        if !self.limits.sign_in_per_address.allow(&address).await {
            return Err(AccountError::RateLimited);
        }
        let pair = format!("{email}|{address}");
        let failures = &self.limits.failures_per_account_and_address;
        if failures.is_blocked(&pair).await {
            return Err(AccountError::RateLimited);
        }
        let user = self.store.user_by_email(&email).await?;
        // Verify against a decoy when there is no such user, so timing does not tell.
        let hash = user
            .as_ref()
            .map_or(decoy_hash(), |u| u.password_hash.as_str())
            .to_owned();
        let matches = self
            .limits
            .hashing
            .verify(password.to_owned(), hash)
            .await?;
        match user {
            Some(user) if matches && !user.disabled => self.issue(&user, None).await,
            _ => {
                failures.record(&pair).await;
                Err(AccountError::InvalidCredentials)
            }
        }
    }

    /// Exchanges a refresh token for a new pair of the same family; the old refresh token stops
    /// working. A token rotated earlier (not a double request) revokes the family.
    pub async fn refresh(
        &self,
        refresh_token: &str,
        client: Option<IpAddr>,
    ) -> Result<TokenPair, AccountError> {
        if refresh_token.len() > 256 {
            return Err(AccountError::InvalidCredentials);
        }
        if !self
            .limits
            .sign_in_per_address
            .allow(&address_key(client))
            .await
        {
            return Err(AccountError::RateLimited);
        }
        let now = Utc::now();
        let hash = refresh_token_hash(refresh_token);
        let Some(record) = self.store.consume_refresh_token(&hash, now).await? else {
            self.detect_reuse(&hash, now).await?;
            return Err(AccountError::InvalidCredentials);
        };
        if record.family_expires_at.is_some_and(|end| end <= now) {
            return Err(AccountError::InvalidCredentials);
        }
        let user = self
            .store
            .user(record.user_id)
            .await?
            .filter(|u| !u.disabled)
            .ok_or(AccountError::InvalidCredentials)?;
        self.issue(&user, Some(&record)).await
    }

    /// A refresh token that did not work: if it was rotated before (past the grace of a
    /// double request), someone holds a copy — revoke every token of its sign-in.
    async fn detect_reuse(&self, hash: &str, now: DateTime<Utc>) -> Result<(), AccountError> {
        let Some(token) = self.store.refresh_token(hash).await? else {
            return Ok(());
        };
        let reused = token.revoked
            && token.used_at.is_some_and(|used| {
                now - used > chrono::Duration::from_std(REUSE_GRACE).unwrap_or_default()
            });
        if reused {
            let scope = token
                .family
                .map_or(RefreshScope::User(token.user_id), RefreshScope::Family);
            let revoked = self.store.revoke_refresh_tokens(scope, now).await?;
            metrics::counter!("eventory_refresh_reuse_total").increment(1);
            tracing::warn!(user = %token.user_id, revoked, "a rotated refresh token was used again: its sign-in is revoked");
        }
        Ok(())
    }

    /// Signs out a session: its refresh token and every token of its family stop working.
    /// Unknown tokens are fine.
    pub async fn sign_out(&self, refresh_token: &str) -> Result<(), AccountError> {
        if refresh_token.len() > 256 {
            return Ok(());
        }
        let now = Utc::now();
        let hash = refresh_token_hash(refresh_token);
        if let Some(token) = self.store.consume_refresh_token(&hash, now).await? {
            if let Some(family) = token.family {
                self.store
                    .revoke_refresh_tokens(RefreshScope::Family(family), now)
                    .await?;
            }
        }
        Ok(())
    }

    /// Revokes every refresh token of an account (it was disabled).
    pub async fn revoke_all(&self, user: UserId) -> Result<u64, AccountError> {
        Ok(self
            .store
            .revoke_refresh_tokens(RefreshScope::User(user), Utc::now())
            .await?)
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

    /// A new token pair; the refresh token continues `parent`'s family, or starts one.
    async fn issue(
        &self,
        user: &UserRecord,
        parent: Option<&RefreshTokenRecord>,
    ) -> Result<TokenPair, AccountError> {
        let (access_token, expires_in) = self.tokens.issue(user.id, user.role);
        let refresh_token = new_refresh_token();
        let now = Utc::now();
        let span =
            |d: Duration| chrono::Duration::from_std(d).unwrap_or(chrono::Duration::days(30));
        let family = parent.and_then(|p| p.family).unwrap_or_else(Uuid::new_v4);
        let family_expires_at = parent
            .and_then(|p| p.family_expires_at)
            .unwrap_or(now + span(self.family_lifetime));
        self.store
            .insert_refresh_token(&RefreshTokenRecord {
                token_hash: refresh_token_hash(&refresh_token),
                user_id: user.id,
                expires_at: (now + span(self.refresh_ttl)).min(family_expires_at),
                revoked: false,
                family: Some(family),
                family_expires_at: Some(family_expires_at),
                used_at: None,
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

#[cfg(test)]
mod tests {
    use super::*;
    use crate::store::EmbeddedStore;

    async fn desk() -> (Accounts, Arc<dyn Store>, tempfile::TempDir) {
        let dir = tempfile::tempdir().unwrap();
        let store: Arc<dyn Store> =
            Arc::new(EmbeddedStore::open(&dir.path().join("t.redb")).unwrap());
        store.migrate().await.unwrap();
        let accounts = Accounts::new(
            store.clone(),
            TokenKeys::ephemeral(Duration::from_secs(60)),
            &AuthSettings::default(),
            AccountLimits::new(&Counters::InProcess, &LimitSettings::default()),
        );
        (accounts, store, dir)
    }

    async fn signed_up(accounts: &Accounts) -> TokenPair {
        accounts
            .sign_up("alice@example.com", "a long enough password", "Alice", None)
            .await
            .unwrap()
    }

    /// Moves a used token's use back in time, past the grace of a double request.
    async fn used_long_ago(store: &Arc<dyn Store>, token: &str) {
        let hash = refresh_token_hash(token);
        let mut record = store.refresh_token(&hash).await.unwrap().unwrap();
        assert!(record.revoked);
        record.used_at = Some(Utc::now() - chrono::Duration::minutes(5));
        // The store cannot rewrite a token: the copy is stored under a hash of its own.
        record.token_hash = refresh_token_hash(&format!("{token}-replayed"));
        store.insert_refresh_token(&record).await.unwrap();
    }

    #[test]
    fn emails_are_what_the_document_says() {
        for good in [
            "a@b.c",
            "Alice.Smith+tag@mail.example.com",
            "a@b..c",
            "x!#$%&'*@y-z.q",
        ] {
            assert!(is_valid_email(good), "{good}");
        }
        for bad in [
            "",
            "a",
            "@b.c",
            "a@",
            "a@b",
            "a@.b",
            "a@b.",
            "a@b@c.d",
            " a@b.c",
            "a@b.c ",
            "a b@c.d",
            "é@b.c",
            "a@b\u{85}.c",
            "\r\na@b.c",
        ] {
            assert!(!is_valid_email(bad), "{bad:?}");
        }
        assert!(!is_valid_email(&format!("{}@b.c", "a".repeat(251))));
        assert!(is_valid_email(&format!("{}@b.c", "a".repeat(250))));
    }

    #[tokio::test]
    async fn a_double_request_with_one_refresh_token_does_not_end_the_sign_in() {
        let (accounts, _store, _dir) = desk().await;
        let first = signed_up(&accounts).await;
        let second = accounts.refresh(&first.refresh_token, None).await.unwrap();
        // The same (now rotated) token again, at once: refused, but nothing is revoked.
        assert!(matches!(
            accounts.refresh(&first.refresh_token, None).await,
            Err(AccountError::InvalidCredentials)
        ));
        accounts.refresh(&second.refresh_token, None).await.unwrap();
    }

    #[tokio::test]
    async fn a_rotated_token_used_again_later_revokes_its_family() {
        let (accounts, store, _dir) = desk().await;
        let first = signed_up(&accounts).await;
        let second = accounts.refresh(&first.refresh_token, None).await.unwrap();
        // A thief replays a copy of the first token minutes after it was rotated.
        used_long_ago(&store, &first.refresh_token).await;
        assert!(matches!(
            accounts
                .refresh(&format!("{}-replayed", first.refresh_token), None)
                .await,
            Err(AccountError::InvalidCredentials)
        ));
        // The whole sign-in ends: the legitimate client's current token is revoked too.
        assert!(matches!(
            accounts.refresh(&second.refresh_token, None).await,
            Err(AccountError::InvalidCredentials)
        ));
        // Another sign-in of the same account is a family of its own.
        let other = accounts
            .sign_in("alice@example.com", "a long enough password", None)
            .await
            .unwrap();
        accounts.refresh(&other.refresh_token, None).await.unwrap();
    }

    #[tokio::test]
    async fn a_sign_in_ends_at_its_absolute_lifetime() {
        let (accounts, store, _dir) = desk().await;
        let first = signed_up(&accounts).await;
        let record = store
            .refresh_token(&refresh_token_hash(&first.refresh_token))
            .await
            .unwrap()
            .unwrap();
        let end = record.family_expires_at.expect("a family end");
        let lifetime = end - record.expires_at;
        assert!(
            lifetime > chrono::Duration::days(59),
            "90 days vs 30: {lifetime}"
        );
        // Rotation keeps the family's end: a new token never outlives it.
        let second = accounts.refresh(&first.refresh_token, None).await.unwrap();
        let rotated = store
            .refresh_token(&refresh_token_hash(&second.refresh_token))
            .await
            .unwrap()
            .unwrap();
        assert_eq!(rotated.family, record.family);
        assert_eq!(rotated.family_expires_at, Some(end));
        assert!(rotated.expires_at <= end);
    }

    #[tokio::test]
    async fn sign_out_ends_the_whole_sign_in() {
        let (accounts, _store, _dir) = desk().await;
        let first = signed_up(&accounts).await;
        let second = accounts.refresh(&first.refresh_token, None).await.unwrap();
        accounts.sign_out(&second.refresh_token).await.unwrap();
        assert!(accounts.refresh(&second.refresh_token, None).await.is_err());
    }
}
