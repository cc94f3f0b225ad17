//! Settings of the seat ledger port (and of what shares its Redis: the live fan-out and the
//! sign-in rate limits).

use serde::Deserialize;

use super::{invalid, ConfigError, SecretUrl};

/// Redis for the seat ledger, or the in-process ledger.
#[derive(Clone, Debug, Deserialize)]
#[serde(default)]
pub struct LedgerSettings {
    /// Redis for the seat ledger and live fan-out; in-process when unset.
    pub redis_url: Option<SecretUrl>,
    /// Prefix of every Redis key, so several deployments can share one Redis.
    pub redis_namespace: String,
}

impl Default for LedgerSettings {
    fn default() -> Self {
        Self {
            redis_url: None,
            redis_namespace: "eventory".to_owned(),
        }
    }
}

impl LedgerSettings {
    pub(super) fn validate(&self) -> Result<(), ConfigError> {
        if let Some(url) = &self.redis_url {
            if !url.has_scheme(&["redis://", "rediss://"]) {
                return Err(invalid(
                    "redis_url",
                    "must start with redis:// or rediss://",
                ));
            }
        }
        let ns = &self.redis_namespace;
        if ns.is_empty()
            || !ns
                .chars()
                .all(|c| c.is_ascii_alphanumeric() || matches!(c, '_' | '-' | ':' | '.'))
        {
            return Err(invalid(
                "redis_namespace",
                "letters, digits and _ - : . only (no braces: they would break hash tags)",
            ));
        }
        Ok(())
    }
}
