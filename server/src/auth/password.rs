//! Password hashing: argon2id with a random salt per password, PHC string format. Verification
//! is constant-time in the argon2 crate.
//!
//! A hash costs tens of milliseconds of CPU: the request path hashes through [`Hashing`], on
//! the blocking thread pool with a bounded number at once, so a sign-up flood queues there
//! instead of taking the runtime threads every hold and websocket runs on.

use std::sync::Arc;
use std::time::Duration;

use tokio::sync::Semaphore;

use argon2::password_hash::rand_core::OsRng;
use argon2::password_hash::{PasswordHash, PasswordHasher, PasswordVerifier, SaltString};
use argon2::Argon2;

/// Shortest password accepted at sign-up.
pub const MIN_PASSWORD_LEN: usize = 10;

/// Hashes a password for storage.
pub fn hash_password(password: &str) -> anyhow::Result<String> {
    let salt = SaltString::generate(&mut OsRng);
    Argon2::default()
        .hash_password(password.as_bytes(), &salt)
        .map(|h| h.to_string())
        .map_err(|e| anyhow::anyhow!("hashing failed: {e}"))
}

/// Whether `password` matches the stored `hash` (false for a malformed hash).
pub fn verify_password(password: &str, hash: &str) -> bool {
    PasswordHash::new(hash)
        .map(|parsed| {
            Argon2::default()
                .verify_password(password.as_bytes(), &parsed)
                .is_ok()
        })
        .unwrap_or(false)
}

/// A hash of a random password: verifying against it costs what a real check costs, so a
/// sign-in for an unknown email takes as long as one with a wrong password.
pub fn decoy_hash() -> &'static str {
    static DECOY: std::sync::OnceLock<String> = std::sync::OnceLock::new();
    DECOY.get_or_init(|| hash_password("decoy-password-never-used").expect("hashing works"))
}

/// Hashes and verifies on the blocking pool, at most `in_flight` at once.
#[derive(Clone)]
pub struct Hashing {
    permits: Arc<Semaphore>,
}

/// Why a hash was not computed.
#[derive(Debug, thiserror::Error)]
pub enum HashingError {
    /// Every permit stayed taken for [`Hashing::WAIT`]: the server is saturated.
    #[error("too many password checks in progress")]
    Busy,
    #[error(transparent)]
    Failed(#[from] anyhow::Error),
}

impl Hashing {
    /// Longest a request waits for its turn before it is told to come back later.
    pub const WAIT: Duration = Duration::from_secs(5);

    pub fn new(in_flight: usize) -> Self {
        Self {
            permits: Arc::new(Semaphore::new(in_flight.max(1))),
        }
    }

    async fn run<T: Send + 'static>(
        &self,
        work: impl FnOnce() -> T + Send + 'static,
    ) -> Result<T, HashingError> {
        let _permit = tokio::time::timeout(Self::WAIT, self.permits.clone().acquire_owned())
            .await
            .map_err(|_| HashingError::Busy)?
            .map_err(|e| anyhow::anyhow!("hashing permits: {e}"))?;
        tokio::task::spawn_blocking(work)
            .await
            .map_err(|e| HashingError::Failed(anyhow::anyhow!("hashing task: {e}")))
    }

    /// [`hash_password`], off the runtime threads.
    pub async fn hash(&self, password: String) -> Result<String, HashingError> {
        Ok(self.run(move || hash_password(&password)).await??)
    }

    /// [`verify_password`], off the runtime threads.
    pub async fn verify(&self, password: String, hash: String) -> Result<bool, HashingError> {
        self.run(move || verify_password(&password, &hash)).await
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn the_pool_hashes_a_bounded_number_at_once() {
        let hashing = Hashing::new(1);
        let hash = hashing.hash("correct horse battery".into()).await.unwrap();
        assert!(hashing
            .verify("correct horse battery".into(), hash.clone())
            .await
            .unwrap());
        // With the one permit taken, a second caller waits its turn rather than running.
        let held = hashing.permits.clone().acquire_owned().await.unwrap();
        let waiting = tokio::spawn({
            let hashing = hashing.clone();
            async move { hashing.verify("x".into(), hash).await }
        });
        tokio::time::sleep(Duration::from_millis(100)).await;
        assert!(!waiting.is_finished(), "ran without a permit");
        drop(held);
        assert!(!waiting.await.unwrap().unwrap());
    }

    #[test]
    fn hashes_verify_and_are_salted() {
        let a = hash_password("correct horse battery").unwrap();
        let b = hash_password("correct horse battery").unwrap();
        assert!(a.starts_with("$argon2id$"));
        assert_ne!(a, b, "salted");
        assert!(verify_password("correct horse battery", &a));
        assert!(!verify_password("wrong horse battery", &a));
        assert!(!verify_password("anything", "not a hash"));
        assert!(!verify_password("decoy", decoy_hash()));
    }
}
