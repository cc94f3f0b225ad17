//! The outbox relay: publishes events the store wrote next to the changes they announce, then
//! marks them sent. A crash between publishing and marking publishes an event again on restart;
//! consumers are idempotent by event id, so the duplicate is harmless, and nothing is lost.

use std::sync::Arc;
use std::time::Duration;

use eventory_shared::events::EventEnvelope;
use tokio::sync::Notify;
use tokio_util::sync::CancellationToken;

use super::EventBus;
use crate::store::Store;

/// Entries published per round.
const BATCH: usize = 100;
/// How often the relay looks even without a wake-up (entries of another instance, retries).
const POLL: Duration = Duration::from_millis(200);

/// Publishes what is pending now; returns how many entries were sent.
pub async fn relay_once(store: &dyn Store, bus: &dyn EventBus) -> anyhow::Result<usize> {
    let pending = store.pending_outbox(BATCH).await?;
    let mut sent = Vec::with_capacity(pending.len());
    for entry in &pending {
        match serde_json::from_str::<EventEnvelope>(&entry.payload) {
            Ok(event) => bus.publish(&event).await?,
            // Never block the queue on an entry that cannot be read: park it where a human
            // will see it.
            Err(e) => {
                tracing::error!(id = %entry.id, "unreadable outbox entry, dead-lettered: {e}");
                bus.publish_raw(
                    eventory_shared::events::Topic::DeadLetter,
                    &entry.id.to_string(),
                    entry.payload.as_bytes(),
                )
                .await?;
            }
        }
        sent.push(entry.id);
    }
    store.mark_outbox_sent(&sent, chrono::Utc::now()).await?;
    Ok(sent.len())
}

/// Runs the relay until `stop`.
pub fn spawn_relay(
    store: Arc<dyn Store>,
    bus: Arc<dyn EventBus>,
    written: Arc<Notify>,
    stop: CancellationToken,
) -> tokio::task::JoinHandle<()> {
    tokio::spawn(async move {
        let mut backoff = super::backoff::reconnect();
        loop {
            match relay_once(store.as_ref(), bus.as_ref()).await {
                Ok(n) if n == BATCH => continue, // more waiting
                Ok(_) => backoff = super::backoff::reconnect(),
                Err(e) => {
                    let wait = backoff.next().unwrap_or(Duration::from_secs(5));
                    tracing::warn!("outbox relay failed, retrying in {wait:?}: {e:#}");
                    tokio::select! {
                        () = stop.cancelled() => return,
                        () = tokio::time::sleep(wait) => {}
                    }
                    continue;
                }
            }
            tokio::select! {
                () = stop.cancelled() => return,
                () = written.notified() => {}
                () = tokio::time::sleep(POLL) => {}
            }
        }
    })
}
