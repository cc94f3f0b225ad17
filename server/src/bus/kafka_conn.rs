//! The Kafka connection of the event bus.

use std::sync::Arc;
use std::time::Duration;

use rdkafka::config::ClientConfig;
use rdkafka::consumer::{BaseConsumer, Consumer};

/// A client used to ask the cluster for its metadata (brokers and topics).
#[derive(Clone)]
pub struct KafkaProbe {
    consumer: Arc<BaseConsumer>,
}

impl KafkaProbe {
    /// Creates the client; librdkafka connects in the background.
    pub fn new(brokers: &str) -> Result<Self, rdkafka::error::KafkaError> {
        let consumer: BaseConsumer = ClientConfig::new()
            .set("bootstrap.servers", brokers)
            .set("client.id", "eventory-probe")
            .set("socket.timeout.ms", "3000")
            .create()?;
        Ok(Self {
            consumer: Arc::new(consumer),
        })
    }

    /// Fetches cluster metadata; returns how many brokers answered.
    pub async fn brokers(&self) -> Result<usize, rdkafka::error::KafkaError> {
        let consumer = self.consumer.clone();
        // librdkafka's metadata call blocks: keep it off the async workers.
        tokio::task::spawn_blocking(move || {
            consumer
                .fetch_metadata(None, Duration::from_secs(3))
                .map(|m| m.brokers().len())
        })
        .await
        .expect("metadata task panicked")
    }
}
