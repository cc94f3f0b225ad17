//! Settings of the event bus port: Kafka, or the durable in-process bus.

use serde::Deserialize;

use super::{invalid, ConfigError};

/// Kafka brokers and topic naming.
#[derive(Clone, Debug, Deserialize)]
#[serde(default)]
pub struct BusSettings {
    /// Kafka bootstrap servers ("host:port,host:port") for the event bus; in-process when unset.
    pub kafka_brokers: Option<String>,
    /// Prefix of every topic name, so several deployments (or test runs) can share one cluster.
    pub kafka_topic_prefix: String,
}

impl Default for BusSettings {
    fn default() -> Self {
        Self {
            kafka_brokers: None,
            kafka_topic_prefix: "eventory.".to_owned(),
        }
    }
}

impl BusSettings {
    pub(super) fn validate(&self) -> Result<(), ConfigError> {
        if let Some(brokers) = &self.kafka_brokers {
            let ok = brokers.split(',').all(|b| {
                matches!(b.trim().rsplit_once(':'),
                    Some((host, port)) if !host.is_empty() && port.parse::<u16>().is_ok())
            });
            if !ok {
                return Err(invalid("kafka_brokers", "must be host:port[,host:port...]"));
            }
        }
        if !self
            .kafka_topic_prefix
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '_' | '-' | '.'))
        {
            return Err(invalid(
                "kafka_topic_prefix",
                "letters, digits and _ - . only",
            ));
        }
        Ok(())
    }
}
