//! Settings of the booking lifecycle: holds, the reconciler, and the simulated payment
//! gateways it charges through.

use std::path::PathBuf;
use std::time::Duration;

use serde::Deserialize;

use super::{invalid, parse, within, ConfigError};

/// Holds, reconciliation and the simulated card terminal.
#[derive(Clone, Debug, Deserialize)]
#[serde(default)]
pub struct SalesSettings {
    /// How long a hold lasts unless payment starts.
    #[serde(rename = "hold_ttl_secs", deserialize_with = "parse::secs")]
    pub hold_ttl: Duration,
    /// Most seats one hold may ask for.
    pub max_seats_per_hold: usize,
    /// How often the reconciler looks for bookings that stopped moving.
    #[serde(rename = "reconcile_interval_secs", deserialize_with = "parse::secs")]
    pub reconcile_interval: Duration,
    /// How long a booking may sit unchanged before the reconciler re-drives it.
    #[serde(rename = "reconcile_grace_secs", deserialize_with = "parse::secs")]
    pub reconcile_grace: Duration,
    /// Simulated gateways: a JSON-lines file recording every charge and refund decision
    /// (and the answers they replay after a restart); unset: `<data_dir>/payments.jsonl` with
    /// the embedded store, in memory with MongoDB.
    pub payment_journal: Option<PathBuf>,
    /// Simulated card terminal: time a charge takes.
    #[serde(rename = "card_latency_ms", deserialize_with = "parse::millis")]
    pub card_latency: Duration,
    /// Simulated card terminal: share of bookings declined, 0.0..=1.0.
    #[serde(deserialize_with = "parse::fraction")]
    pub card_decline_rate: f64,
}

impl Default for SalesSettings {
    fn default() -> Self {
        Self {
            hold_ttl: Duration::from_secs(300),
            max_seats_per_hold: 10,
            reconcile_interval: Duration::from_secs(5),
            reconcile_grace: Duration::from_secs(20),
            payment_journal: None,
            card_latency: Duration::from_millis(150),
            card_decline_rate: 0.0,
        }
    }
}

impl SalesSettings {
    pub(super) fn validate(&self) -> Result<(), ConfigError> {
        within("hold_ttl_secs", self.hold_ttl.as_secs(), 5..=3600)?;
        within("max_seats_per_hold", self.max_seats_per_hold, 1..=100)?;
        if self.card_latency > Duration::from_secs(30) {
            return Err(invalid("card_latency_ms", "must be at most 30000"));
        }
        if !(0.0..=1.0).contains(&self.card_decline_rate) {
            return Err(invalid("card_decline_rate", "must be between 0 and 1"));
        }
        within(
            "reconcile_interval_secs",
            self.reconcile_interval.as_secs(),
            1..=3600,
        )?;
        within(
            "reconcile_grace_secs",
            self.reconcile_grace.as_secs(),
            1..=86_400,
        )?;
        if self.reconcile_grace <= self.card_latency {
            return Err(invalid(
                "reconcile_grace_secs",
                "must be longer than a card charge takes (card_latency_ms)",
            ));
        }
        Ok(())
    }
}
