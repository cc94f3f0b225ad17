//! `KafkaBus`: the event bus on Kafka (rdkafka). An idempotent producer with `acks=all`;
//! consumers in groups with auto-commit off, so an offset is committed only after the
//! consumer says its effects are durable.

use std::sync::Arc;
use std::time::Duration;

use anyhow::{anyhow, Context};
use async_trait::async_trait;
use eventory_shared::events::{EventEnvelope, Topic};
use rdkafka::admin::{AdminClient, AdminOptions, NewTopic, TopicReplication};
use rdkafka::client::DefaultClientContext;
use rdkafka::config::ClientConfig;
use rdkafka::consumer::{CommitMode, Consumer, StreamConsumer};
use rdkafka::error::RDKafkaErrorCode;
use rdkafka::producer::{FutureProducer, FutureRecord};
use rdkafka::{Message, Offset, TopicPartitionList};

use super::kafka_conn::KafkaProbe;
use super::{decode, BusError, BusResult, Delivery, EventBus, Subscription};

/// Partitions per topic: events are keyed by booking, so one booking's events stay ordered
/// while bookings spread over partitions (and worker instances).
pub const PARTITIONS: i32 = 3;

/// The Kafka event bus.
pub struct KafkaBus {
    brokers: String,
    prefix: String,
    producer: FutureProducer,
    probe: KafkaProbe,
}

impl KafkaBus {
    /// Connects and makes sure the topics exist (`<prefix>bookings`, `<prefix>payments`,
    /// `<prefix>dead-letter`).
    pub async fn connect(brokers: &str, prefix: &str) -> anyhow::Result<Self> {
        let producer: FutureProducer = ClientConfig::new()
            .set("bootstrap.servers", brokers)
            .set("enable.idempotence", "true")
            .set("acks", "all")
            .set("message.timeout.ms", "10000")
            .set("linger.ms", "2")
            .create()
            .context("Kafka producer")?;
        let bus = Self {
            brokers: brokers.to_owned(),
            prefix: prefix.to_owned(),
            producer,
            probe: KafkaProbe::new(brokers)?,
        };
        bus.create_topics().await?;
        Ok(bus)
    }

    fn topic_name(&self, topic: Topic) -> String {
        format!("{}{}", self.prefix, topic.name())
    }

    async fn create_topics(&self) -> anyhow::Result<()> {
        let admin: AdminClient<DefaultClientContext> = ClientConfig::new()
            .set("bootstrap.servers", &self.brokers)
            .create()
            .context("Kafka admin client")?;
        let names: Vec<String> = Topic::ALL.iter().map(|t| self.topic_name(*t)).collect();
        let topics: Vec<NewTopic<'_>> = names
            .iter()
            .map(|name| NewTopic::new(name, PARTITIONS, TopicReplication::Fixed(1)))
            .collect();
        let options = AdminOptions::new().operation_timeout(Some(Duration::from_secs(10)));
        for result in admin.create_topics(&topics, &options).await? {
            match result {
                Ok(_) | Err((_, RDKafkaErrorCode::TopicAlreadyExists)) => {}
                Err((name, code)) => return Err(anyhow!("cannot create topic {name}: {code}")),
            }
        }
        Ok(())
    }
}

fn backend(e: impl Into<anyhow::Error>) -> BusError {
    BusError::Backend(e.into())
}

#[async_trait]
impl EventBus for KafkaBus {
    fn backend(&self) -> &'static str {
        "kafka"
    }

    async fn ping(&self) -> BusResult<()> {
        match self.probe.brokers().await {
            Ok(0) => Err(BusError::Backend(anyhow!("no broker in metadata"))),
            Ok(_) => Ok(()),
            Err(e) => Err(backend(e)),
        }
    }

    async fn publish(&self, envelope: &EventEnvelope) -> BusResult<()> {
        let payload = serde_json::to_vec(envelope).map_err(backend)?;
        self.publish_raw(envelope.topic(), &envelope.key(), &payload)
            .await
    }

    async fn publish_raw(&self, topic: Topic, key: &str, payload: &[u8]) -> BusResult<()> {
        let name = self.topic_name(topic);
        let record = FutureRecord::to(&name).key(key).payload(payload);
        self.producer
            .send(record, Duration::from_secs(10))
            .await
            .map(|_| ())
            .map_err(|(e, _)| backend(e))
    }

    async fn subscribe(&self, group: &str, topics: &[Topic]) -> BusResult<Box<dyn Subscription>> {
        // The topics may be gone since start (a broker that lost its data): a consumer that
        // failed re-subscribes through here, so make sure they exist again.
        self.create_topics().await.map_err(backend)?;
        let consumer: StreamConsumer = ClientConfig::new()
            .set("bootstrap.servers", &self.brokers)
            // Groups are per deployment like topics: a group spanning deployments would
            // rebalance all of them whenever any member comes or goes.
            .set("group.id", format!("{}{group}", self.prefix))
            .set("enable.auto.commit", "false")
            .set("auto.offset.reset", "earliest")
            .set("session.timeout.ms", "6000")
            .set("heartbeat.interval.ms", "1000")
            .set("partition.assignment.strategy", "roundrobin")
            .create()
            .map_err(backend)?;
        let names: Vec<String> = topics.iter().map(|t| self.topic_name(*t)).collect();
        let refs: Vec<&str> = names.iter().map(String::as_str).collect();
        consumer.subscribe(&refs).map_err(backend)?;
        let topics = Topic::ALL
            .iter()
            .map(|t| (self.topic_name(*t), *t))
            .collect();
        Ok(Box::new(KafkaSubscription {
            consumer: Arc::new(consumer),
            topics,
        }))
    }
}

struct KafkaSubscription {
    consumer: Arc<StreamConsumer>,
    topics: Vec<(String, Topic)>,
}

impl KafkaSubscription {
    fn topic(&self, name: &str) -> Option<Topic> {
        self.topics.iter().find(|(n, _)| n == name).map(|(_, t)| *t)
    }

    fn name(&self, topic: Topic) -> &str {
        self.topics
            .iter()
            .find(|(_, t)| *t == topic)
            .map(|(n, _)| n.as_str())
            .expect("every topic has a name")
    }
}

#[async_trait]
impl Subscription for KafkaSubscription {
    async fn next(&mut self) -> BusResult<Delivery> {
        let message = self.consumer.recv().await.map_err(backend)?;
        let topic = self.topic(message.topic()).ok_or_else(|| {
            BusError::Backend(anyhow!("message from unexpected topic {}", message.topic()))
        })?;
        let payload = message.payload().unwrap_or_default().to_vec();
        Ok(Delivery {
            topic,
            partition: message.partition(),
            offset: message.offset(),
            key: message
                .key()
                .map(|k| String::from_utf8_lossy(k).into_owned())
                .unwrap_or_default(),
            envelope: decode(&payload),
            payload,
        })
    }

    async fn commit(&mut self, delivery: &Delivery) -> BusResult<()> {
        let mut offsets = TopicPartitionList::new();
        offsets
            .add_partition_offset(
                self.name(delivery.topic),
                delivery.partition,
                Offset::Offset(delivery.offset + 1),
            )
            .map_err(backend)?;
        let consumer = self.consumer.clone();
        // A synchronous commit waits for the broker's answer: keep it off the async workers.
        tokio::task::spawn_blocking(move || consumer.commit(&offsets, CommitMode::Sync))
            .await
            .map_err(|e| backend(anyhow!("commit task: {e}")))?
            .map_err(backend)
    }
}
