//! Events between the API and the workers: booking and payment events.
//!
//! One trait, [`EventBus`], two implementations passing one contract suite
//! (`server/tests/it/bus_contract.rs`): [`KafkaBus`] (production, rdkafka) and [`MemoryBus`]
//! (the embedded default, in-process queues). Both give Kafka's consumer-group semantics:
//! each group sees every event, an event is redelivered to the group until it is committed,
//! and a new consumer resumes after the group's last committed event. Delivery is at least
//! once; consumers are idempotent by event id / booking id.

mod backoff;
pub mod consumer;
mod kafka;
pub mod kafka_conn;
mod memory;
pub mod outbox;

use async_trait::async_trait;
use eventory_shared::events::{EventEnvelope, Topic};

pub use kafka::{KafkaBus, PARTITIONS};
pub use memory::MemoryBus;

/// One event as a consumer receives it, with what is needed to commit it.
#[derive(Clone, Debug)]
pub struct Delivery {
    pub topic: Topic,
    pub partition: i32,
    pub offset: i64,
    pub key: String,
    /// The event, or why its bytes could not be read (a poison message, for the dead-letter
    /// topic; never silently skipped).
    pub envelope: Result<EventEnvelope, String>,
    /// The raw payload, kept for dead-lettering.
    pub payload: Vec<u8>,
}

/// Why a bus operation failed.
#[derive(Debug, thiserror::Error)]
pub enum BusError {
    #[error("event bus backend: {0}")]
    Backend(#[from] anyhow::Error),
    #[error("the subscription is closed")]
    Closed,
}

pub type BusResult<T> = Result<T, BusError>;

/// The event bus port.
#[async_trait]
pub trait EventBus: Send + Sync + 'static {
    /// Which implementation this is ("kafka", "in-process").
    fn backend(&self) -> &'static str;

    /// Proves the backend answers.
    async fn ping(&self) -> BusResult<()>;

    /// Publishes an event on its topic, keyed by its booking; returns once the bus has it
    /// durably (Kafka: acknowledged by all in-sync replicas).
    async fn publish(&self, envelope: &EventEnvelope) -> BusResult<()>;

    /// Publishes raw bytes to a topic (the dead-letter topic takes payloads that are not
    /// readable events).
    async fn publish_raw(&self, topic: Topic, key: &str, payload: &[u8]) -> BusResult<()>;

    /// Joins consumer group `group` on `topics`.
    async fn subscribe(&self, group: &str, topics: &[Topic]) -> BusResult<Box<dyn Subscription>>;
}

/// A consumer in a group.
#[async_trait]
pub trait Subscription: Send {
    /// The next event for this consumer; waits until there is one.
    async fn next(&mut self) -> BusResult<Delivery>;

    /// Marks `delivery` (and everything before it in its partition) processed for the group.
    /// Call only once its effects are durable.
    async fn commit(&mut self, delivery: &Delivery) -> BusResult<()>;
}

/// Decodes a payload into an event, refusing schema versions this build does not know.
pub(crate) fn decode(payload: &[u8]) -> Result<EventEnvelope, String> {
    let envelope: EventEnvelope =
        serde_json::from_slice(payload).map_err(|e| format!("not an event: {e}"))?;
    if envelope.schema_version > eventory_shared::events::SCHEMA_VERSION {
        return Err(format!(
            "unknown schema version {}",
            envelope.schema_version
        ));
    }
    Ok(envelope)
}

/// The bus the settings ask for: Kafka when `kafka_brokers` is set, otherwise the
/// in-process bus with its log in `data_dir` (the embedded store's folder; durable across
/// restarts).
pub async fn connect(
    settings: &crate::config::BusSettings,
    data_dir: &std::path::Path,
) -> anyhow::Result<std::sync::Arc<dyn EventBus>> {
    Ok(match &settings.kafka_brokers {
        Some(brokers) => {
            std::sync::Arc::new(KafkaBus::connect(brokers, &settings.kafka_topic_prefix).await?)
        }
        None => {
            std::fs::create_dir_all(data_dir)?;
            std::sync::Arc::new(MemoryBus::open(&data_dir.join("events.redb"))?)
        }
    })
}
