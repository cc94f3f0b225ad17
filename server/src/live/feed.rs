//! `SeatFeed`: every seat change, from every instance, delivered to every instance.
//!
//! With Redis, `publish` sends the change to a pub/sub channel and a relay task on each
//! instance (including the publisher's) receives it into the local broadcast; without Redis the
//! local broadcast is the whole feed. Pub/sub is fire-and-forget: a change lost while the relay
//! reconnects shows up as a version gap, which sessions repair with a fresh snapshot.

use std::sync::Arc;
use std::time::Duration;

use futures::StreamExt;
use redis::AsyncCommands;
use tokio::sync::broadcast;
use tokio_util::sync::CancellationToken;

use eventory_shared::ShowId;
use serde::{Deserialize, Serialize};

use crate::seats::SeatChange;

/// What the feed carries: seat changes, and notices about a whole show.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "item", rename_all = "snake_case")]
pub enum FeedItem {
    Seats(SeatChange),
    /// The show was cancelled (every follower is told, on every instance).
    ShowCancelled {
        show_id: ShowId,
    },
}

/// Changes buffered per instance before a lagging dispatcher loses some (it then re-syncs).
const LOCAL_CAPACITY: usize = 16_384;

/// The instance's view of all seat changes.
#[derive(Clone)]
pub struct SeatFeed {
    local: broadcast::Sender<Arc<FeedItem>>,
    redis: Option<RedisFanout>,
}

#[derive(Clone)]
struct RedisFanout {
    conn: redis::aio::ConnectionManager,
    channel: String,
}

impl SeatFeed {
    /// A feed for one process.
    pub fn in_process() -> Self {
        Self {
            local: broadcast::channel(LOCAL_CAPACITY).0,
            redis: None,
        }
    }

    /// A feed shared by every instance using Redis at `url`, on channel
    /// `<namespace>:seat-changes`. Starts the relay task, which runs until `stop`.
    pub async fn redis(
        url: &str,
        namespace: &str,
        stop: CancellationToken,
    ) -> anyhow::Result<Self> {
        let conn = crate::seats::redis_conn::connect(url).await?;
        let channel = format!("{namespace}:seat-changes");
        let local = broadcast::channel(LOCAL_CAPACITY).0;
        let client = redis::Client::open(url)?;
        let (subscribed_tx, subscribed_rx) = tokio::sync::oneshot::channel();
        tokio::spawn(relay(
            client,
            channel.clone(),
            local.clone(),
            stop,
            Some(subscribed_tx),
        ));
        // Do not hand out the feed before the relay listens: changes published right away
        // would otherwise be missed by this instance.
        let _ = tokio::time::timeout(Duration::from_secs(5), subscribed_rx).await;
        Ok(Self {
            local,
            redis: Some(RedisFanout { conn, channel }),
        })
    }

    /// Announces a change to every instance.
    pub async fn publish(&self, change: SeatChange) {
        self.send(FeedItem::Seats(change)).await;
    }

    /// Tells every instance's followers of `show` that it was cancelled.
    pub async fn announce_cancelled(&self, show: ShowId) {
        self.send(FeedItem::ShowCancelled { show_id: show }).await;
    }

    async fn send(&self, item: FeedItem) {
        match &self.redis {
            Some(fanout) => {
                let payload = match serde_json::to_string(&item) {
                    Ok(p) => p,
                    Err(e) => return tracing::error!("cannot encode a feed item: {e}"),
                };
                let mut conn = fanout.conn.clone();
                if let Err(e) = conn.publish::<_, _, ()>(&fanout.channel, payload).await {
                    // Subscribers will see a version gap and re-sync from a snapshot.
                    tracing::warn!(?item, "cannot publish to the live feed: {e}");
                }
            }
            None => {
                let _ = self.local.send(Arc::new(item));
            }
        }
    }

    /// Every item this instance sees from now on.
    pub fn subscribe(&self) -> broadcast::Receiver<Arc<FeedItem>> {
        self.local.subscribe()
    }
}

/// Receives the pub/sub channel into the local broadcast, reconnecting with backoff.
async fn relay(
    client: redis::Client,
    channel: String,
    local: broadcast::Sender<Arc<FeedItem>>,
    stop: CancellationToken,
    mut subscribed: Option<tokio::sync::oneshot::Sender<()>>,
) {
    let mut backoff = Duration::from_millis(100);
    loop {
        let attempt = async {
            let mut pubsub = client.get_async_pubsub().await?;
            pubsub.subscribe(&channel).await?;
            if let Some(tx) = subscribed.take() {
                let _ = tx.send(());
            }
            let mut messages = pubsub.on_message();
            while let Some(msg) = messages.next().await {
                let payload: String = match msg.get_payload() {
                    Ok(p) => p,
                    Err(e) => {
                        tracing::warn!("unreadable seat change message: {e}");
                        continue;
                    }
                };
                match serde_json::from_str::<FeedItem>(&payload) {
                    Ok(item) => {
                        let _ = local.send(Arc::new(item));
                    }
                    Err(e) => tracing::warn!("unreadable live feed item: {e}"),
                }
            }
            anyhow::Ok(())
        };
        tokio::select! {
            () = stop.cancelled() => return,
            result = attempt => match result {
                Ok(()) => tracing::warn!("seat change subscription ended; reconnecting"),
                Err(e) => tracing::warn!("seat change subscription failed: {e}; reconnecting"),
            },
        }
        tokio::select! {
            () = stop.cancelled() => return,
            () = tokio::time::sleep(backoff) => {}
        }
        backoff = (backoff * 2).min(Duration::from_secs(5));
    }
}
