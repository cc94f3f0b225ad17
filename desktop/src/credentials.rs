//! The refresh token of the signed-in account: in the OS keyring (Secret Service / kernel
//! keyring on Linux, Keychain on macOS, Credential Manager on Windows), or, for a kiosk whose
//! keyring does not survive a reboot, in a credential file readable by its owner only (the
//! kiosk service's account), written atomically and flushed to disk each time the token
//! rotates. One entry per server address, so a device moved to another server does not reuse
//! a token.

use std::collections::BTreeMap;
use std::io::Write;
use std::path::{Path, PathBuf};

use keyring::Entry;

/// The keyring service name of the app's entries.
pub const SERVICE: &str = "app.eventory.desktop";

/// Why the keyring could not be used. The app then only keeps the session in memory.
#[derive(Debug, thiserror::Error)]
pub enum CredentialError {
    #[error("OS keyring: {0}")]
    Keyring(#[from] keyring::Error),
    #[error("credential file {path}: {message}")]
    File { path: PathBuf, message: String },
}

/// Saved sessions, keyed by server address.
#[derive(Clone, Debug)]
pub enum Credentials {
    /// In the OS keyring under this service name.
    Keyring { service: String },
    /// In this file (mode 0600), a TOML table of server address -> refresh token.
    File(PathBuf),
}

impl Default for Credentials {
    fn default() -> Self {
        Self::new(SERVICE)
    }
}

impl Credentials {
    /// The OS keyring, under `service`.
    pub fn new(service: &str) -> Self {
        Self::Keyring {
            service: service.to_owned(),
        }
    }

    /// The credential file at `path`.
    pub fn file(path: impl Into<PathBuf>) -> Self {
        Self::File(path.into())
    }

    fn entry(service: &str, server_url: &str) -> Result<Entry, CredentialError> {
        Ok(Entry::new(service, server_url)?)
    }

    /// Saves (replaces) the refresh token for `server_url`.
    pub fn save(&self, server_url: &str, refresh_token: &str) -> Result<(), CredentialError> {
        match self {
            Self::Keyring { service } => {
                Ok(Self::entry(service, server_url)?.set_password(refresh_token)?)
            }
            Self::File(path) => {
                let mut tokens = read_file(path)?;
                tokens.insert(server_url.to_owned(), refresh_token.to_owned());
                write_file(path, &tokens)
            }
        }
    }

    /// The saved refresh token for `server_url`, if any.
    pub fn load(&self, server_url: &str) -> Result<Option<String>, CredentialError> {
        match self {
            Self::Keyring { service } => match Self::entry(service, server_url)?.get_password() {
                Ok(token) => Ok(Some(token)),
                Err(keyring::Error::NoEntry) => Ok(None),
                Err(e) => Err(e.into()),
            },
            Self::File(path) => Ok(read_file(path)?.remove(server_url)),
        }
    }

    /// Forgets the token for `server_url` (sign-out).
    pub fn forget(&self, server_url: &str) -> Result<(), CredentialError> {
        match self {
            Self::Keyring { service } => {
                match Self::entry(service, server_url)?.delete_credential() {
                    Ok(()) | Err(keyring::Error::NoEntry) => Ok(()),
                    Err(e) => Err(e.into()),
                }
            }
            Self::File(path) => {
                let mut tokens = read_file(path)?;
                if tokens.remove(server_url).is_some() {
                    write_file(path, &tokens)?;
                }
                Ok(())
            }
        }
    }
}

fn file_error(path: &Path, message: impl std::fmt::Display) -> CredentialError {
    CredentialError::File {
        path: path.to_path_buf(),
        message: message.to_string(),
    }
}

/// The tokens in the file (none if there is no file). A file other accounts can read is
/// refused: its tokens may have been copied.
fn read_file(path: &Path) -> Result<BTreeMap<String, String>, CredentialError> {
    let text = match std::fs::read_to_string(path) {
        Ok(text) => text,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(BTreeMap::new()),
        Err(e) => return Err(file_error(path, e)),
    };
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let mode = std::fs::metadata(path)
            .map_err(|e| file_error(path, e))?
            .permissions()
            .mode();
        if mode & 0o077 != 0 {
            return Err(file_error(
                path,
                format!(
                    "readable by other accounts (mode {:o}); chmod 600 it and sign in again",
                    mode & 0o777
                ),
            ));
        }
    }
    toml::from_str(&text).map_err(|e| file_error(path, e))
}

/// Replaces the file atomically (a temporary file of mode 0600, flushed to disk, renamed over
/// it, the folder flushed), so a crash or power cut leaves the old token or the new one.
fn write_file(path: &Path, tokens: &BTreeMap<String, String>) -> Result<(), CredentialError> {
    let err = |e: std::io::Error| file_error(path, e);
    let dir = path
        .parent()
        .filter(|d| !d.as_os_str().is_empty())
        .unwrap_or(Path::new("."));
    std::fs::create_dir_all(dir).map_err(err)?;
    let tmp = path.with_extension("tmp");
    let mut options = std::fs::OpenOptions::new();
    options.write(true).create(true).truncate(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt;
        options.mode(0o600);
    }
    let mut file = options.open(&tmp).map_err(err)?;
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        file.set_permissions(std::fs::Permissions::from_mode(0o600))
            .map_err(err)?;
    }
    let text = toml::to_string(tokens).map_err(|e| file_error(path, e))?;
    file.write_all(text.as_bytes()).map_err(err)?;
    file.sync_all().map_err(err)?;
    drop(file);
    std::fs::rename(&tmp, path).map_err(err)?;
    if let Ok(dir) = std::fs::File::open(dir) {
        let _ = dir.sync_all();
    }
    Ok(())
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

    #[test]
    fn a_credential_file_keeps_tokens_per_server_for_its_owner_only() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("kiosk").join("session.toml");
        let store = Credentials::file(&path);
        assert_eq!(store.load("https://a").unwrap(), None);
        store.save("https://a", "refresh-1").unwrap();
        store.save("https://b", "other").unwrap();
        store.save("https://a", "refresh-2").unwrap();
        // A new process (after a reboot) reads what the last rotation wrote.
        let again = Credentials::file(&path);
        assert_eq!(
            again.load("https://a").unwrap().as_deref(),
            Some("refresh-2")
        );
        assert_eq!(again.load("https://b").unwrap().as_deref(), Some("other"));
        again.forget("https://a").unwrap();
        again.forget("https://a").unwrap();
        assert_eq!(store.load("https://a").unwrap(), None);
        assert_eq!(store.load("https://b").unwrap().as_deref(), Some("other"));
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            let mode = std::fs::metadata(&path).unwrap().permissions().mode();
            assert_eq!(mode & 0o777, 0o600);
            std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o644)).unwrap();
            let err = store.load("https://b").unwrap_err().to_string();
            assert!(err.contains("readable by other accounts"), "{err}");
        }
    }
}
