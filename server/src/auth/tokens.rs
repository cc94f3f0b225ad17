//! Access tokens: short-lived signed JWTs (HS256) carrying the user id and role, checked on
//! every request without a database round-trip. Refresh tokens are opaque, stored hashed, and
//! revocable (see the store); only their hashing lives here.

use std::time::Duration;

use base64::Engine;
use eventory_shared::{Role, UserId};
use jsonwebtoken::{Algorithm, DecodingKey, EncodingKey, Header, Validation};
use rand::RngCore;
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

/// What an access token says.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct AccessClaims {
    /// The user.
    pub sub: UserId,
    pub role: Role,
    /// Issued at, seconds since the epoch.
    pub iat: i64,
    /// Expires at, seconds since the epoch.
    pub exp: i64,
}

/// Why a token was refused. Deliberately vague towards clients.
#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum TokenError {
    #[error("the token has expired")]
    Expired,
    #[error("the token is not valid")]
    Invalid,
}

/// Signs and checks access tokens.
#[derive(Clone)]
pub struct TokenKeys {
    encoding: EncodingKey,
    decoding: DecodingKey,
    validation: Validation,
    access_ttl: Duration,
}

impl TokenKeys {
    /// Keys from a shared secret (at least 32 bytes; every instance must use the same one).
    pub fn new(secret: &[u8], access_ttl: Duration) -> Self {
        let mut validation = Validation::new(Algorithm::HS256);
        validation.leeway = 5;
        validation.set_required_spec_claims(&["exp", "sub"]);
        Self {
            encoding: EncodingKey::from_secret(secret),
            decoding: DecodingKey::from_secret(secret),
            validation,
            access_ttl,
        }
    }

    /// Keys from a random secret: tokens die with the process. Only for a single node that was
    /// given no secret.
    pub fn ephemeral(access_ttl: Duration) -> Self {
        let mut secret = [0u8; 32];
        rand::rng().fill_bytes(&mut secret);
        Self::new(&secret, access_ttl)
    }

    /// A signed access token for `user`, and its lifetime in seconds.
    pub fn issue(&self, user: UserId, role: Role) -> (String, u64) {
        let now = chrono::Utc::now().timestamp();
        let claims = AccessClaims {
            sub: user,
            role,
            iat: now,
            exp: now + self.access_ttl.as_secs() as i64,
        };
        let token = jsonwebtoken::encode(&Header::new(Algorithm::HS256), &claims, &self.encoding)
            .expect("HS256 signing cannot fail");
        (token, self.access_ttl.as_secs())
    }

    /// Checks signature, algorithm and expiry.
    pub fn verify(&self, token: &str) -> Result<AccessClaims, TokenError> {
        jsonwebtoken::decode::<AccessClaims>(token, &self.decoding, &self.validation)
            .map(|data| data.claims)
            .map_err(|e| match e.kind() {
                jsonwebtoken::errors::ErrorKind::ExpiredSignature => TokenError::Expired,
                _ => TokenError::Invalid,
            })
    }
}

/// A new refresh token: 256 random bits, URL-safe. Only its hash is stored.
pub fn new_refresh_token() -> String {
    let mut bytes = [0u8; 32];
    rand::rng().fill_bytes(&mut bytes);
    base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(bytes)
}

/// The stored form of a refresh token: SHA-256, hex. Looking a token up by its hash means no
/// secret is ever compared byte by byte in application code.
pub fn refresh_token_hash(token: &str) -> String {
    let digest = Sha256::digest(token.as_bytes());
    digest.iter().map(|b| format!("{b:02x}")).collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use uuid::Uuid;

    fn keys() -> TokenKeys {
        TokenKeys::new(
            b"0123456789abcdef0123456789abcdef",
            Duration::from_secs(900),
        )
    }

    #[test]
    fn issued_tokens_verify_with_their_claims() {
        let user = UserId::from_uuid(Uuid::new_v4());
        let (token, ttl) = keys().issue(user, Role::Cashier);
        assert_eq!(ttl, 900);
        let claims = keys().verify(&token).unwrap();
        assert_eq!((claims.sub, claims.role), (user, Role::Cashier));
    }

    #[test]
    fn forged_tampered_and_expired_tokens_are_refused() {
        let user = UserId::from_uuid(Uuid::new_v4());
        let other = TokenKeys::new(
            b"another-secret-another-secret-xx",
            Duration::from_secs(900),
        );
        let (forged, _) = other.issue(user, Role::Admin);
        assert_eq!(keys().verify(&forged), Err(TokenError::Invalid));

        let (token, _) = keys().issue(user, Role::Customer);
        let mut parts: Vec<&str> = token.split('.').collect();
        let admin_payload = base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(
            serde_json::to_vec(&AccessClaims {
                sub: user,
                role: Role::Admin,
                iat: 0,
                exp: i64::MAX / 2,
            })
            .unwrap(),
        );
        parts[1] = &admin_payload;
        assert_eq!(
            keys().verify(&parts.join(".")),
            Err(TokenError::Invalid),
            "role escalation"
        );

        let none_alg = format!("eyJhbGciOiJub25lIiwidHlwIjoiSldUIn0.{}.", parts[1]);
        assert_eq!(
            keys().verify(&none_alg),
            Err(TokenError::Invalid),
            "alg=none"
        );

        let expired = TokenKeys::new(b"0123456789abcdef0123456789abcdef", Duration::ZERO);
        let (old, _) = expired.issue(user, Role::Customer);
        let mut strict = keys();
        strict.validation.leeway = 0;
        std::thread::sleep(Duration::from_millis(1100));
        assert_eq!(strict.verify(&old), Err(TokenError::Expired));
        assert_eq!(keys().verify("not a token"), Err(TokenError::Invalid));
    }

    #[test]
    fn refresh_tokens_are_random_and_hashed() {
        let (a, b) = (new_refresh_token(), new_refresh_token());
        assert_ne!(a, b);
        assert_eq!(a.len(), 43);
        assert_eq!(refresh_token_hash(&a), refresh_token_hash(&a));
        assert_ne!(refresh_token_hash(&a), refresh_token_hash(&b));
        assert_eq!(refresh_token_hash(&a).len(), 64);
    }
}
