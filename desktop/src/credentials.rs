//! The refresh token of the signed-in account, kept in the OS keyring (Secret Service /
//! kernel keyring on Linux, Keychain on macOS, Credential Manager on Windows), never in a file.
//! One entry per server address, so a device moved to another server does not reuse a token.

use keyring::Entry;

/// The keyring service name of the app's entries.
pub const SERVICE: &str = "app.eventory.desktop";

/// Why the keyring could not be used. The app then only keeps the session in memory.
#[derive(Debug, thiserror::Error)]
#[error("OS keyring: {0}")]
pub struct CredentialError(#[from] keyring::Error);

/// Saved sessions, keyed by server address.
#[derive(Clone, Debug)]
pub struct Credentials {
    service: String,
}

impl Default for Credentials {
    fn default() -> Self {
        Self::new(SERVICE)
    }
}

impl Credentials {
    pub fn new(service: &str) -> Self {
        Self {
            service: service.to_owned(),
        }
    }

    fn entry(&self, server_url: &str) -> Result<Entry, CredentialError> {
        Ok(Entry::new(&self.service, server_url)?)
    }

    /// Saves (replaces) the refresh token for `server_url`.
    pub fn save(&self, server_url: &str, refresh_token: &str) -> Result<(), CredentialError> {
        Ok(self.entry(server_url)?.set_password(refresh_token)?)
    }

    /// The saved refresh token for `server_url`, if any.
    pub fn load(&self, server_url: &str) -> Result<Option<String>, CredentialError> {
        match self.entry(server_url)?.get_password() {
            Ok(token) => Ok(Some(token)),
            Err(keyring::Error::NoEntry) => Ok(None),
            Err(e) => Err(e.into()),
        }
    }

    /// Forgets the token for `server_url` (sign-out).
    pub fn forget(&self, server_url: &str) -> Result<(), CredentialError> {
        match self.entry(server_url)?.delete_credential() {
            Ok(()) | Err(keyring::Error::NoEntry) => Ok(()),
            Err(e) => Err(e.into()),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The keyring crate's in-memory mock backend: no file, no OS service. Its entries live
    /// inside one `Entry`, so the test keeps to what the mock supports: one entry's life.
    #[test]
    fn a_token_is_saved_read_and_forgotten() {
        keyring::set_default_credential_builder(keyring::mock::default_credential_builder());
        let entry = Entry::new(SERVICE, "http://127.0.0.1:8080").unwrap();
        assert!(matches!(entry.get_password(), Err(keyring::Error::NoEntry)));
        entry.set_password("refresh-1").unwrap();
        assert_eq!(entry.get_password().unwrap(), "refresh-1");
        entry.set_password("refresh-2").unwrap();
        assert_eq!(entry.get_password().unwrap(), "refresh-2");
        entry.delete_credential().unwrap();
        assert!(matches!(entry.get_password(), Err(keyring::Error::NoEntry)));
        // Through the store: a missing entry is `None`, forgetting twice is fine.
        let store = Credentials::new("test.eventory");
        assert_eq!(store.load("http://a").unwrap(), None);
        store.forget("http://a").unwrap();
    }
}
