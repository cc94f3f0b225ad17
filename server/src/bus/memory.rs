//! `MemoryBus`: the event bus in process memory, with Kafka's consumer-group semantics on one
//! partition per topic. Events are lost with the process; the outbox in the store is what makes
//! that safe for the single-node default (unsent entries are published again at start).

use std::collections::HashMap;
use std::sync::{Arc, Mutex};

use async_trait::async_trait;
use eventory_shared::events::{EventEnvelope, Topic};
use tokio::sync::Notify;

use super::{decode, BusError, BusResult, Delivery, EventBus, Subscription};

#[derive(Clone)]
struct Record {
    key: String,
    payload: Vec<u8>,
}

/// Where one group is in one topic.
#[derive(Default)]
struct GroupCursor {
    /// Next offset to hand out to the group's consumers.
    position: usize,
    /// Everything before this is committed.
    committed: usize,
}

#[derive(Default)]
struct BusState {
    logs: HashMap<Topic, Vec<Record>>,
    groups: HashMap<(String, Topic), GroupCursor>,
}

/// The in-process event bus.
#[derive(Clone, Default)]
pub struct MemoryBus {
    state: Arc<Mutex<BusState>>,
    published: Arc<Notify>,
}

impl MemoryBus {
    pub fn new() -> Self {
        Self::default()
    }
}

#[async_trait]
impl EventBus for MemoryBus {
    fn backend(&self) -> &'static str {
        "in-process"
    }

    async fn ping(&self) -> BusResult<()> {
        Ok(())
    }

    async fn publish(&self, envelope: &EventEnvelope) -> BusResult<()> {
        let payload = serde_json::to_vec(envelope).map_err(|e| BusError::Backend(e.into()))?;
        self.publish_raw(envelope.topic(), &envelope.key(), &payload)
            .await
    }

    async fn publish_raw(&self, topic: Topic, key: &str, payload: &[u8]) -> BusResult<()> {
        self.state
            .lock()
            .expect("bus lock")
            .logs
            .entry(topic)
            .or_default()
            .push(Record {
                key: key.to_owned(),
                payload: payload.to_vec(),
            });
        self.published.notify_waiters();
        Ok(())
    }

    async fn subscribe(&self, group: &str, topics: &[Topic]) -> BusResult<Box<dyn Subscription>> {
        let mut state = self.state.lock().expect("bus lock");
        for topic in topics {
            // A joining consumer triggers a "rebalance": the group restarts from its last
            // commit, so events handed out but never committed are delivered again.
            let cursor = state.groups.entry((group.to_owned(), *topic)).or_default();
            cursor.position = cursor.committed;
        }
        Ok(Box::new(MemorySubscription {
            bus: self.clone(),
            group: group.to_owned(),
            topics: topics.to_vec(),
        }))
    }
}

struct MemorySubscription {
    bus: MemoryBus,
    group: String,
    topics: Vec<Topic>,
}

impl MemorySubscription {
    fn try_next(&self) -> Option<Delivery> {
        let mut state = self.bus.state.lock().expect("bus lock");
        for topic in &self.topics {
            let len = state.logs.get(topic).map_or(0, Vec::len);
            let cursor = state
                .groups
                .entry((self.group.clone(), *topic))
                .or_default();
            if cursor.position < len {
                let offset = cursor.position;
                cursor.position += 1;
                let record = state.logs[topic][offset].clone();
                return Some(Delivery {
                    topic: *topic,
                    partition: 0,
                    offset: offset as i64,
                    key: record.key,
                    envelope: decode(&record.payload),
                    payload: record.payload,
                });
            }
        }
        None
    }
}

#[async_trait]
impl Subscription for MemorySubscription {
    async fn next(&mut self) -> BusResult<Delivery> {
        loop {
            let published = self.bus.published.notified();
            tokio::pin!(published);
            // Register interest before looking, so a publish in between is not missed.
            published.as_mut().enable();
            if let Some(delivery) = self.try_next() {
                return Ok(delivery);
            }
            published.await;
        }
    }

    async fn commit(&mut self, delivery: &Delivery) -> BusResult<()> {
        let mut state = self.bus.state.lock().expect("bus lock");
        let cursor = state
            .groups
            .entry((self.group.clone(), delivery.topic))
            .or_default();
        cursor.committed = cursor.committed.max(delivery.offset as usize + 1);
        Ok(())
    }
}
