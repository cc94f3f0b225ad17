//! Settings of logging (verbosity itself follows `RUST_LOG`).

use serde::Deserialize;

/// How log lines look.
#[derive(Clone, Debug, Default, Deserialize)]
#[serde(default)]
pub struct LogSettings {
    pub log_format: LogFormat,
}

/// How logs are written.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum LogFormat {
    /// Human-readable lines.
    #[default]
    Text,
    /// One JSON object per line, for log collectors.
    Json,
}
