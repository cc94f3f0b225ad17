//! A consumer-group loop: handle each event, retrying with backoff; commit its offset only
//! once the handler succeeded (its effects are durable); send what cannot be handled to the
//! dead-letter topic instead of blocking the partition forever.

use std::sync::Arc;
use std::time::Duration;

use eventory_shared::events::{EventEnvelope, Topic};
use futures::future::BoxFuture;
use tokio_util::sync::CancellationToken;

use super::{Delivery, EventBus, Subscription};

/// Attempts per event before it is dead-lettered.
pub const MAX_ATTEMPTS: u32 = 8;

/// Handles one event. Must be idempotent: an event can arrive more than once.
pub type Handler =
    Arc<dyn Fn(EventEnvelope) -> BoxFuture<'static, anyhow::Result<()>> + Send + Sync>;

/// Consumes `topics` as group `group` until `stop`.
pub fn spawn_consumer(
    bus: Arc<dyn EventBus>,
    group: &'static str,
    topics: Vec<Topic>,
    handler: Handler,
    stop: CancellationToken,
) -> tokio::task::JoinHandle<()> {
    tokio::spawn(async move {
        let mut backoff = super::backoff::reconnect();
        loop {
            let subscription = tokio::select! {
                () = stop.cancelled() => return,
                s = bus.subscribe(group, &topics) => s,
            };
            let mut subscription = match subscription {
                Ok(s) => s,
                Err(e) => {
                    let wait = backoff.next().unwrap_or(Duration::from_secs(5));
                    tracing::warn!(group, "cannot subscribe, retrying in {wait:?}: {e}");
                    tokio::select! {
                        () = stop.cancelled() => return,
                        () = tokio::time::sleep(wait) => {}
                    }
                    continue;
                }
            };
            backoff = super::backoff::reconnect();
            if let Err(e) = consume(&bus, group, subscription.as_mut(), &handler, &stop).await {
                tracing::warn!(group, "consumer failed, re-subscribing: {e}");
            } else {
                return; // stopped
            }
        }
    })
}

async fn consume(
    bus: &Arc<dyn EventBus>,
    group: &'static str,
    subscription: &mut dyn Subscription,
    handler: &Handler,
    stop: &CancellationToken,
) -> anyhow::Result<()> {
    loop {
        let delivery: Delivery = tokio::select! {
            // Stopping wins over a waiting event: on SIGTERM no new work is taken.
            biased;
            () = stop.cancelled() => return Ok(()),
            d = subscription.next() => d?,
        };
        match &delivery.envelope {
            Err(why) => {
                tracing::error!(group, topic = ?delivery.topic, offset = delivery.offset, "unreadable event, dead-lettered: {why}");
                bus.publish_raw(Topic::DeadLetter, &delivery.key, &delivery.payload)
                    .await?;
            }
            Ok(event) => {
                let mut waits = super::backoff::handler_retries();
                let mut attempt = 0;
                loop {
                    attempt += 1;
                    match (handler(event.clone()).await, waits.next()) {
                        (Ok(()), _) => break,
                        (Err(e), Some(wait)) => {
                            tracing::warn!(group, event = %event.event_id, attempt, "handler failed, retrying in {wait:?}: {e:#}");
                            tokio::select! {
                                () = stop.cancelled() => return Ok(()), // not committed: redelivered later
                                () = tokio::time::sleep(wait) => {}
                            }
                        }
                        (Err(e), None) => {
                            tracing::error!(group, event = %event.event_id, "giving up after {attempt} attempts, dead-lettered: {e:#}");
                            bus.publish_raw(Topic::DeadLetter, &delivery.key, &delivery.payload)
                                .await?;
                            break;
                        }
                    }
                }
            }
        }
        subscription.commit(&delivery).await?;
    }
}
