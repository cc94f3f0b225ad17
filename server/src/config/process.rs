//! Settings of the process itself: which background work it runs and how it stops.

use std::time::Duration;

use serde::Deserialize;

use super::{invalid, parse, ConfigError};

/// Background workers and shutdown.
#[derive(Clone, Debug, Deserialize)]
#[serde(default)]
pub struct ProcessSettings {
    /// Whether `serve` also runs the outbox relay and the payment/booking workers (the
    /// single-box default); turn off when `eventory-server worker` runs them separately.
    pub run_workers: bool,
    /// On SIGTERM: how long in-flight work may take to finish before the process exits.
    #[serde(rename = "shutdown_grace_secs", deserialize_with = "parse::secs")]
    pub shutdown_grace: Duration,
}

impl Default for ProcessSettings {
    fn default() -> Self {
        Self {
            run_workers: true,
            shutdown_grace: Duration::from_secs(10),
        }
    }
}

impl ProcessSettings {
    pub(super) fn validate(&self) -> Result<(), ConfigError> {
        if self.shutdown_grace > Duration::from_secs(600) {
            return Err(invalid("shutdown_grace_secs", "must be at most 600"));
        }
        Ok(())
    }
}
