//! Background work of an instance: the hold-expiry sweeper and its announcer, and (where the
//! instance runs them) the outbox relay, the payment and booking workers and the reconciler.

use tokio::sync::mpsc;
use tokio_util::sync::CancellationToken;

use super::AppState;
use crate::sales::reconciler::spawn_reconciler;
use crate::sales::workers::spawn_workers;
use crate::seats::{self, SeatChange};

/// Background work of an instance; stopped with it.
pub struct Background {
    stop: CancellationToken,
    grace: std::time::Duration,
    tasks: Vec<tokio::task::JoinHandle<()>>,
}

impl Background {
    /// Starts the hold-expiry sweeper (its releases go out on the live feed) and, when
    /// `with_workers`, the outbox relay, the payment and booking workers and the reconciler.
    pub fn start(state: &AppState, with_workers: bool) -> Self {
        // Its own token: the workers stop taking new events when asked, while the hub and
        // the feed (cancelled with `state.shutdown`) keep serving until they are done.
        let stop = state.shutdown.child_token();
        let (changes, mut released) = mpsc::channel::<SeatChange>(1024);
        let sweeper = seats::spawn_sweeper(
            state.ledger.clone(),
            seats::SWEEP_INTERVAL,
            changes,
            stop.clone(),
        );
        let feed = state.feed.clone();
        let announcer = tokio::spawn(async move {
            while let Some(change) = released.recv().await {
                tracing::debug!(show = %change.show_id, version = change.version, seats = change.seats.len(), "hold expired, seats released");
                feed.publish(change).await;
            }
        });
        let mut tasks = vec![sweeper, announcer];
        if with_workers {
            tasks.push(crate::bus::outbox::spawn_relay(
                state.store.clone(),
                state.bus.clone(),
                state.outbox_written.clone(),
                stop.clone(),
            ));
            tasks.extend(spawn_workers(state.sales.clone(), stop.clone()));
            tasks.push(spawn_reconciler(
                state.sales.clone(),
                state.config.sales.reconcile_interval,
                state.config.sales.reconcile_grace,
                state.lifecycle.clone(),
                stop.clone(),
            ));
        }
        Self {
            stop,
            grace: state.config.process.shutdown_grace,
            tasks,
        }
    }

    /// Stops taking new work and lets in-flight work finish (a handler mid-charge completes
    /// and commits), for at most the shutdown grace; what is still running then is dropped
    /// uncommitted: its event is delivered again, or the reconciler picks the booking up.
    pub async fn stop(self) {
        self.stop.cancel();
        let deadline = tokio::time::Instant::now() + self.grace;
        for mut task in self.tasks {
            tokio::select! {
                _ = &mut task => {}
                () = tokio::time::sleep_until(deadline) => {
                    tracing::warn!("background work still running after the shutdown grace; stopping it");
                    task.abort();
                }
            }
        }
    }
}
