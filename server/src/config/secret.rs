//! Settings that must never reach logs or `check-config` output, kept in
//! [`secrecy::SecretString`]: [`Secret`] (shown as its length only) and [`SecretUrl`] (a
//! connection URL shown without its password). Read the value with
//! [`secrecy::ExposeSecret::expose_secret`] where it is used.

use secrecy::{ExposeSecret, SecretString};
use serde::Deserialize;

/// A secret value (the token signing key): `Debug` shows only how long it is.
#[derive(Clone, Deserialize)]
#[serde(from = "String")]
pub struct Secret(SecretString);

impl From<String> for Secret {
    fn from(value: String) -> Self {
        Self(value.into())
    }
}

impl From<&str> for Secret {
    fn from(value: &str) -> Self {
        Self(value.into())
    }
}

impl ExposeSecret<str> for Secret {
    fn expose_secret(&self) -> &str {
        self.0.expose_secret()
    }
}

impl std::fmt::Debug for Secret {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "<redacted, {} characters>", self.expose_secret().len())
    }
}

/// A connection URL that may carry a password (`redis://:pw@host`, `mongodb://user:pw@host`):
/// `Debug` shows it with `user:***@` in place of its credentials.
#[derive(Clone, Deserialize)]
#[serde(from = "String")]
pub struct SecretUrl(SecretString);

impl SecretUrl {
    /// Whether the URL starts with one of `schemes` (`"redis://"`, ...).
    pub fn has_scheme(&self, schemes: &[&str]) -> bool {
        schemes.iter().any(|s| self.expose_secret().starts_with(s))
    }
}

impl From<String> for SecretUrl {
    fn from(value: String) -> Self {
        Self(value.into())
    }
}

impl From<&str> for SecretUrl {
    fn from(value: &str) -> Self {
        Self(value.into())
    }
}

impl ExposeSecret<str> for SecretUrl {
    fn expose_secret(&self) -> &str {
        self.0.expose_secret()
    }
}

impl std::fmt::Debug for SecretUrl {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&redact_url(self.expose_secret()))
    }
}

/// `user:password@` of a connection URL shown as `user:***@`.
fn redact_url(url: &str) -> String {
    match (url.find("://"), url.rfind('@')) {
        (Some(scheme), Some(at)) if at > scheme => {
            let userinfo = &url[scheme + 3..at];
            let user = userinfo.split(':').next().unwrap_or("");
            format!("{}{user}:***{}", &url[..scheme + 3], &url[at..])
        }
        _ => url.to_owned(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn debug_hides_the_secret_parts() {
        let url = SecretUrl::from("mongodb://app:hunter2@db:27017/?replicaSet=rs0");
        assert_eq!(
            format!("{url:?}"),
            "mongodb://app:***@db:27017/?replicaSet=rs0"
        );
        assert_eq!(
            format!("{:?}", SecretUrl::from("redis://cache:6379")),
            "redis://cache:6379"
        );
        assert_eq!(
            format!("{:?}", Secret::from("abcd")),
            "<redacted, 4 characters>"
        );
        assert_eq!(
            url.expose_secret(),
            "mongodb://app:hunter2@db:27017/?replicaSet=rs0"
        );
    }
}
