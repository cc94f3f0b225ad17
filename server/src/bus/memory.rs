//! `MemoryBus`: the event bus of the embedded default, with Kafka's consumer-group semantics on
//! one partition per topic.
//!
//! [`MemoryBus::open`] keeps the log in a redb file next to the store: a publish returns only
//! once its record is on disk (so the outbox relay may mark the entry sent), and each group's
//! committed position is saved with its commits. A restart (graceful or kill -9) therefore
//! loses no event: what was published and not committed is delivered again, and consumers are
//! idempotent. Records every known group has committed are pruned. [`MemoryBus::new`] is the
//! same bus without the file, for tests.

use std::collections::HashMap;
use std::path::Path;
use std::sync::{Arc, Mutex};

use anyhow::anyhow;
use async_trait::async_trait;
use eventory_shared::events::{EventEnvelope, Topic};
use redb::{Database, Durability, ReadableTable, TableDefinition};
use tokio::sync::Notify;

use super::{decode, BusError, BusResult, Delivery, EventBus, Subscription};

/// "<topic>|<offset, 20 digits>" -> "<key>\n<payload>"
const LOG: TableDefinition<'static, &'static str, &'static [u8]> = TableDefinition::new("log");
/// "<group>\n<topic>" -> committed offset (everything before it is processed)
const CURSORS: TableDefinition<'static, &'static str, u64> = TableDefinition::new("cursors");

/// Commits between two prunes of the log.
const PRUNE_EVERY: u64 = 256;

#[derive(Clone)]
struct Record {
    key: String,
    payload: Vec<u8>,
}

/// One topic's records from offset `base` on.
#[derive(Default)]
struct TopicLog {
    base: usize,
    records: Vec<Record>,
}

impl TopicLog {
    fn end(&self) -> usize {
        self.base + self.records.len()
    }
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
    logs: HashMap<Topic, TopicLog>,
    groups: HashMap<(String, Topic), GroupCursor>,
    commits: u64,
}

/// The in-process event bus.
#[derive(Clone, Default)]
pub struct MemoryBus {
    state: Arc<Mutex<BusState>>,
    published: Arc<Notify>,
    /// The log on disk (absent for the memory-only bus).
    db: Option<Arc<Database>>,
    /// Publishes one at a time, so offsets on disk and in memory agree.
    publishing: Arc<tokio::sync::Mutex<()>>,
}

fn log_key(topic: Topic, offset: usize) -> String {
    format!("{}|{offset:020}", topic.name())
}

fn cursor_key(group: &str, topic: Topic) -> String {
    format!("{group}\n{}", topic.name())
}

fn backend(e: impl std::fmt::Display) -> BusError {
    BusError::Backend(anyhow!("event log: {e}"))
}

impl MemoryBus {
    /// A bus that forgets everything with the process (tests).
    pub fn new() -> Self {
        Self::default()
    }

    /// A bus whose log and group positions live in the redb file `path`, read back now.
    pub fn open(path: &Path) -> anyhow::Result<Self> {
        let db = Database::create(path)
            .map_err(|e| anyhow!("cannot open the event log {}: {e}", path.display()))?;
        let mut state = BusState::default();
        {
            let tx = db.begin_write()?;
            tx.open_table(LOG)?;
            tx.open_table(CURSORS)?;
            tx.commit()?;
        }
        let tx = db.begin_read()?;
        for entry in tx.open_table(LOG)?.iter()? {
            let (key, value) = entry?;
            let (topic, offset) = key
                .value()
                .split_once('|')
                .ok_or_else(|| anyhow!("bad event log key {}", key.value()))?;
            let Some(topic) = Topic::ALL.into_iter().find(|t| t.name() == topic) else {
                continue;
            };
            let offset: usize = offset.parse()?;
            let bytes = value.value();
            let split = bytes.iter().position(|b| *b == b'\n').unwrap_or(0);
            let log = state.logs.entry(topic).or_default();
            if log.records.is_empty() {
                log.base = offset;
            }
            log.records.push(Record {
                key: String::from_utf8_lossy(&bytes[..split]).into_owned(),
                payload: bytes[(split + 1).min(bytes.len())..].to_vec(),
            });
        }
        for entry in tx.open_table(CURSORS)?.iter()? {
            let (key, value) = entry?;
            let Some((group, topic)) = key.value().split_once('\n') else {
                continue;
            };
            let Some(topic) = Topic::ALL.into_iter().find(|t| t.name() == topic) else {
                continue;
            };
            let committed = value.value() as usize;
            state.groups.insert(
                (group.to_owned(), topic),
                GroupCursor {
                    position: committed,
                    committed,
                },
            );
        }
        Ok(Self {
            state: Arc::new(Mutex::new(state)),
            db: Some(Arc::new(db)),
            ..Self::default()
        })
    }

    /// Runs a write transaction on the log's file, off the async threads.
    async fn write(
        &self,
        durability: Durability,
        f: impl FnOnce(&redb::WriteTransaction) -> anyhow::Result<()> + Send + 'static,
    ) -> BusResult<()> {
        let Some(db) = self.db.clone() else {
            return Ok(());
        };
        tokio::task::spawn_blocking(move || -> anyhow::Result<()> {
            let mut tx = db.begin_write()?;
            tx.set_durability(durability);
            f(&tx)?;
            tx.commit()?;
            Ok(())
        })
        .await
        .map_err(backend)?
        .map_err(backend)
    }

    /// Drops records every known group of their topic has committed.
    async fn prune(&self) -> BusResult<()> {
        let cut: Vec<(Topic, usize, usize)> = {
            let mut state = self.state.lock().expect("bus lock");
            let mut cut = Vec::new();
            for topic in Topic::ALL {
                let low = state
                    .groups
                    .iter()
                    .filter(|((_, t), _)| *t == topic)
                    .map(|(_, c)| c.committed)
                    .min();
                let Some(low) = low else { continue };
                let Some(log) = state.logs.get_mut(&topic) else {
                    continue;
                };
                if low > log.base {
                    let drop = (low - log.base).min(log.records.len());
                    log.records.drain(..drop);
                    cut.push((topic, log.base, log.base + drop));
                    log.base += drop;
                }
            }
            cut
        };
        if cut.is_empty() {
            return Ok(());
        }
        self.write(Durability::Eventual, move |tx| {
            let mut log = tx.open_table(LOG)?;
            for (topic, from, to) in cut {
                for offset in from..to {
                    log.remove(log_key(topic, offset).as_str())?;
                }
            }
            Ok(())
        })
        .await
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
        let _one_at_a_time = self.publishing.lock().await;
        let offset = self
            .state
            .lock()
            .expect("bus lock")
            .logs
            .get(&topic)
            .map_or(0, TopicLog::end);
        // On disk first: a record becomes visible to consumers (who may commit past it) only
        // once a restart would find it again.
        let mut stored = key.as_bytes().to_vec();
        stored.push(b'\n');
        stored.extend_from_slice(payload);
        self.write(Durability::Immediate, move |tx| {
            tx.open_table(LOG)?
                .insert(log_key(topic, offset).as_str(), stored.as_slice())?;
            Ok(())
        })
        .await?;
        self.state
            .lock()
            .expect("bus lock")
            .logs
            .entry(topic)
            .or_default()
            .records
            .push(Record {
                key: key.to_owned(),
                payload: payload.to_vec(),
            });
        self.published.notify_waiters();
        Ok(())
    }

    async fn subscribe(&self, group: &str, topics: &[Topic]) -> BusResult<Box<dyn Subscription>> {
        let mut guard = self.state.lock().expect("bus lock");
        let state = &mut *guard;
        for topic in topics {
            let base = state.logs.get(topic).map_or(0, |l| l.base);
            // A joining consumer triggers a "rebalance": the group restarts from its last
            // commit, so events handed out but never committed are delivered again.
            let cursor = state.groups.entry((group.to_owned(), *topic)).or_default();
            cursor.committed = cursor.committed.max(base);
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
        let mut guard = self.bus.state.lock().expect("bus lock");
        let state = &mut *guard;
        for topic in &self.topics {
            let Some(log) = state.logs.get(topic) else {
                continue;
            };
            let cursor = state
                .groups
                .entry((self.group.clone(), *topic))
                .or_default();
            cursor.position = cursor.position.max(log.base);
            if cursor.position < log.end() {
                let offset = cursor.position;
                cursor.position += 1;
                let record = log.records[offset - log.base].clone();
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
        let (committed, prune) = {
            let mut state = self.bus.state.lock().expect("bus lock");
            let cursor = state
                .groups
                .entry((self.group.clone(), delivery.topic))
                .or_default();
            cursor.committed = cursor.committed.max(delivery.offset as usize + 1);
            let committed = cursor.committed as u64;
            state.commits += 1;
            (committed, state.commits % PRUNE_EVERY == 0)
        };
        let key = cursor_key(&self.group, delivery.topic);
        // A lost commit only means a redelivery (consumers are idempotent): no fsync each time.
        self.bus
            .write(Durability::Eventual, move |tx| {
                let mut cursors = tx.open_table(CURSORS)?;
                let stored = cursors.get(key.as_str())?.map_or(0, |v| v.value());
                if committed > stored {
                    cursors.insert(key.as_str(), committed)?;
                }
                Ok(())
            })
            .await?;
        if prune {
            self.bus.prune().await?;
        }
        Ok(())
    }
}
