//! Settings of the store port: MongoDB, or the embedded store in a local folder.

use std::path::PathBuf;

use serde::Deserialize;

use super::{invalid, ConfigError, SecretUrl};

/// Where bookings and everything else persistent live.
#[derive(Clone, Debug, Deserialize)]
#[serde(default)]
pub struct StoreSettings {
    /// MongoDB for the store; the embedded store in `data_dir` when unset.
    pub mongodb_uri: Option<SecretUrl>,
    /// The MongoDB database.
    pub mongodb_database: String,
    /// Folder of the embedded store (single-box default), and of the in-process bus's log and
    /// the payment journal next to it.
    pub data_dir: PathBuf,
}

impl Default for StoreSettings {
    fn default() -> Self {
        Self {
            mongodb_uri: None,
            mongodb_database: "eventory".to_owned(),
            data_dir: PathBuf::from("eventory-data"),
        }
    }
}

impl StoreSettings {
    pub(super) fn validate(&self) -> Result<(), ConfigError> {
        if let Some(uri) = &self.mongodb_uri {
            if !uri.has_scheme(&["mongodb://", "mongodb+srv://"]) {
                return Err(invalid(
                    "mongodb_uri",
                    "must start with mongodb:// or mongodb+srv://",
                ));
            }
        }
        let db = &self.mongodb_database;
        if db.is_empty()
            || !db
                .chars()
                .all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '-')
        {
            return Err(invalid(
                "mongodb_database",
                "letters, digits, '_' and '-' only",
            ));
        }
        Ok(())
    }
}
