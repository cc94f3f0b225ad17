//! The expiry sweeper: a background task that releases expired holds and hands the resulting
//! seat changes to the live feed.
//!
//! Expiries live in the ledger itself (a sorted set per show in Redis), not in this task, so a
//! restarted server, or any other instance, picks up exactly where the last sweep stopped; no
//! reliance on Redis keyspace notifications, which are fire-and-forget.

use std::sync::Arc;
use std::time::Duration;

use tokio::sync::mpsc;
use tokio::task::JoinHandle;
use tokio_util::sync::CancellationToken;

use super::{SeatChange, SeatLedger};

/// Sweeps every `interval` until `stop` is cancelled, sending each release to `changes`.
/// With an interval of 250 ms a hold is released, and subscribers told, well within 1 s of its
/// expiry.
pub fn spawn_sweeper(
    ledger: Arc<dyn SeatLedger>,
    interval: Duration,
    changes: mpsc::Sender<SeatChange>,
    stop: CancellationToken,
) -> JoinHandle<()> {
    tokio::spawn(async move {
        let mut ticker = tokio::time::interval(interval);
        ticker.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
        loop {
            tokio::select! {
                () = stop.cancelled() => break,
                _ = ticker.tick() => {}
            }
            match ledger.sweep_expired().await {
                Ok(released) => {
                    for change in released {
                        tracing::debug!(show = %change.show_id, hold = ?change.hold_id, version = change.version, "hold expired");
                        if changes.send(change).await.is_err() {
                            return;
                        }
                    }
                }
                // A ledger outage must not kill the task: the expiries wait in the ledger.
                Err(e) => tracing::warn!("expiry sweep failed, retrying: {e}"),
            }
        }
    })
}
