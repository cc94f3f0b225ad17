//! `HoldDesk`: the rules around holds that callers see — limits, ownership, announcing every
//! change on the live feed — on top of the ledger's atomic operations. The HTTP layer only
//! parses and maps errors.

use std::sync::Arc;
use std::time::Duration;

use eventory_shared::{HoldId, Role, SeatId, ShowId};

use super::{Hold, HoldOutcome, HoldRequest, LedgerError, SeatLedger};
use crate::auth::extract::Caller;
use crate::live::SeatFeed;
use crate::store::{ShowCatalog, Store};

/// Why a hold request was refused.
#[derive(Debug, thiserror::Error)]
pub enum HoldError {
    #[error("at most {max} seats per hold")]
    TooManySeats { max: usize },
    #[error("seats not available")]
    Taken(Vec<SeatId>),
    #[error("bad idempotency key: {0}")]
    BadIdempotencyKey(&'static str),
    #[error("no show {0}")]
    NoSuchShow(ShowId),
    #[error("show {0} is not on sale now")]
    NotOnSale(ShowId),
    #[error("store: {0}")]
    Store(#[from] crate::store::StoreError),
    #[error(transparent)]
    Ledger(#[from] LedgerError),
}

/// Hold operations for signed-in callers.
#[derive(Clone)]
pub struct HoldDesk {
    ledger: Arc<dyn SeatLedger>,
    store: Arc<dyn Store>,
    catalog: Arc<ShowCatalog>,
    feed: SeatFeed,
    max_seats: usize,
    ttl: Duration,
}

impl HoldDesk {
    pub fn new(
        ledger: Arc<dyn SeatLedger>,
        store: Arc<dyn Store>,
        catalog: Arc<ShowCatalog>,
        feed: SeatFeed,
        max_seats: usize,
        ttl: Duration,
    ) -> Self {
        Self {
            ledger,
            store,
            catalog,
            feed,
            max_seats,
            ttl,
        }
    }

    /// Holds `seats` of `show` for the caller, all or none.
    pub async fn hold(
        &self,
        caller: &Caller,
        show: ShowId,
        seats: Vec<SeatId>,
        idempotency_key: Option<String>,
    ) -> Result<Hold, HoldError> {
        if seats.len() > self.max_seats {
            return Err(HoldError::TooManySeats {
                max: self.max_seats,
            });
        }
        if let Some(key) = &idempotency_key {
            check_idempotency_key(key)?;
        }
        let listed = self
            .catalog
            .show(show)
            .await?
            .ok_or(HoldError::NoSuchShow(show))?;
        if !listed.is_on_sale(chrono::Utc::now()) {
            return Err(HoldError::NotOnSale(show));
        }
        let request = HoldRequest {
            show_id: show,
            seats,
            owner: caller.owner(),
            ttl: self.ttl,
            idempotency_key,
        };
        let outcome = match self.ledger.hold(request.clone()).await {
            // The ledger does not know an existing show (never registered, or Redis lost it):
            // rebuild it from the store, sold seats first, then try once more.
            Err(LedgerError::UnknownShow(_)) => {
                crate::store::rebuild::rebuild_show(
                    self.store.as_ref(),
                    self.ledger.as_ref(),
                    show,
                )
                .await
                .map_err(LedgerError::Backend)?;
                self.ledger.hold(request).await?
            }
            other => other?,
        };
        match outcome {
            HoldOutcome::Held { hold, change } => {
                metrics::counter!("eventory_holds_total", "outcome" => "held").increment(1);
                if let Some(change) = change {
                    self.feed.publish(change).await;
                }
                Ok(hold)
            }
            HoldOutcome::Taken { seats } => {
                metrics::counter!("eventory_holds_total", "outcome" => "taken").increment(1);
                Err(HoldError::Taken(seats))
            }
        }
    }

    /// The caller's hold (admins may see any).
    pub async fn get(&self, caller: &Caller, hold: HoldId) -> Result<Hold, HoldError> {
        let found = self
            .ledger
            .get_hold(hold)
            .await?
            .ok_or(LedgerError::HoldNotFound(hold))?;
        if found.owner != caller.owner() && caller.role != Role::Admin {
            // Someone else's hold is indistinguishable from no hold.
            return Err(LedgerError::HoldNotFound(hold).into());
        }
        Ok(found)
    }

    /// Gives the caller's hold another full TTL.
    pub async fn extend(&self, caller: &Caller, hold: HoldId) -> Result<Hold, HoldError> {
        self.get(caller, hold).await?;
        Ok(self.ledger.extend(hold, self.ttl).await?)
    }

    /// Releases the caller's hold (admins may release any).
    pub async fn release(&self, caller: &Caller, hold: HoldId) -> Result<(), HoldError> {
        self.get(caller, hold).await?;
        let change = self.ledger.release(hold).await?;
        self.feed.publish(change).await;
        Ok(())
    }
}

/// Idempotency keys: 1-128 visible ASCII characters.
fn check_idempotency_key(key: &str) -> Result<(), HoldError> {
    if key.is_empty() || key.len() > 128 {
        return Err(HoldError::BadIdempotencyKey("1 to 128 characters"));
    }
    if !key.bytes().all(|b| b.is_ascii_graphic()) {
        return Err(HoldError::BadIdempotencyKey("visible ASCII only"));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::seats::MemoryLedger;
    use eventory_shared::UserId;
    use uuid::Uuid;

    fn caller(role: Role) -> Caller {
        Caller {
            user_id: UserId::from_uuid(Uuid::new_v4()),
            role,
        }
    }

    async fn desk() -> (HoldDesk, ShowId, tempfile::TempDir) {
        let dir = tempfile::tempdir().unwrap();
        let store: Arc<dyn Store> =
            Arc::new(crate::store::EmbeddedStore::open(&dir.path().join("t.redb")).unwrap());
        store.migrate().await.unwrap();
        let show = crate::store::test_support::show_on_sale(store.as_ref(), 1, 3).await;
        let ledger: Arc<dyn SeatLedger> = Arc::new(MemoryLedger::new());
        let catalog = Arc::new(ShowCatalog::new(store.clone(), Duration::from_secs(5)));
        let desk = HoldDesk::new(
            ledger,
            store,
            catalog,
            SeatFeed::in_process(),
            2,
            Duration::from_secs(60),
        );
        (desk, show, dir)
    }

    fn seats(names: &[&str]) -> Vec<SeatId> {
        names.iter().map(|s| s.parse().unwrap()).collect()
    }

    #[tokio::test]
    async fn limits_and_ownership_are_enforced() {
        let (desk, show, _dir) = desk().await;
        let alice = caller(Role::Customer);
        let bob = caller(Role::Customer);
        assert!(matches!(
            desk.hold(&alice, show, seats(&["A1", "A2", "A3"]), None)
                .await,
            Err(HoldError::TooManySeats { max: 2 })
        ));
        let hold = desk.hold(&alice, show, seats(&["A1"]), None).await.unwrap();
        assert!(matches!(
            desk.hold(&bob, show, seats(&["A1"]), None).await,
            Err(HoldError::Taken(_))
        ));
        assert!(matches!(
            desk.release(&bob, hold.id).await,
            Err(HoldError::Ledger(LedgerError::HoldNotFound(_)))
        ));
        assert!(matches!(
            desk.extend(&bob, hold.id).await,
            Err(HoldError::Ledger(LedgerError::HoldNotFound(_)))
        ));
        desk.extend(&alice, hold.id).await.unwrap();
        desk.release(&caller(Role::Admin), hold.id).await.unwrap();
    }

    #[tokio::test]
    async fn every_change_is_announced() {
        let (desk, show, _dir) = desk().await;
        let mut feed = desk.feed.subscribe();
        let alice = caller(Role::Cashier);
        let hold = desk
            .hold(&alice, show, seats(&["A2"]), Some("k-1".into()))
            .await
            .unwrap();
        let again = desk
            .hold(&alice, show, seats(&["A2"]), Some("k-1".into()))
            .await
            .unwrap();
        assert_eq!(hold.id, again.id);
        desk.release(&alice, hold.id).await.unwrap();
        let first = feed.recv().await.unwrap();
        let second = feed.recv().await.unwrap();
        assert_eq!(
            second.version,
            first.version + 1,
            "the retry announced nothing"
        );
        assert!(feed.try_recv().is_err());
    }

    #[test]
    fn idempotency_keys_are_checked() {
        assert!(check_idempotency_key("abc-123_XYZ").is_ok());
        assert!(check_idempotency_key("").is_err());
        assert!(check_idempotency_key("has space").is_err());
        assert!(check_idempotency_key(&"x".repeat(129)).is_err());
    }
}
