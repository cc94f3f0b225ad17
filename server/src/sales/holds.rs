//! `HoldDesk`: the rules around holds that callers see — limits, ownership, announcing every
//! change on the live feed — on top of the ledger's atomic operations. The HTTP layer only
//! parses and maps errors.
//!
//! Against hoarding: an account may hold only so many seats of one show at once (checked
//! inside the ledger's atomic step, so parallel requests cannot slip past together), a hold
//! lives at most `max_lifetime` however often it is extended, and hold requests are rate
//! limited per account and per client address.

use std::net::IpAddr;
use std::sync::Arc;
use std::time::Duration;

use eventory_shared::{HoldId, Role, SeatId, ShowId};

use crate::auth::rate_limit::RateLimiter;
use crate::auth::Caller;
use crate::live::SeatFeed;
use crate::seats::{Hold, HoldLimits, HoldOutcome, HoldRequest, LedgerError, SeatLedger};
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
    #[error("too many hold requests")]
    RateLimited,
    #[error("store: {0}")]
    Store(#[from] crate::store::StoreError),
    #[error(transparent)]
    Ledger(#[from] LedgerError),
}

/// How long holds last and how much one account may hold.
#[derive(Clone, Copy, Debug)]
pub struct HoldPolicy {
    /// Most seats one hold may ask for.
    pub max_seats_per_hold: usize,
    /// A hold's life unless payment starts; each extension gives this again.
    pub ttl: Duration,
    /// Longest a hold lives from its creation, extensions included.
    pub max_lifetime: Duration,
    /// Most seats a customer may hold of one show at once.
    pub max_held_customer: usize,
    /// The same for staff (cashiers, kiosks, admins), who sell for many buyers.
    pub max_held_staff: usize,
}

impl HoldPolicy {
    fn limits(&self, role: Role) -> HoldLimits {
        HoldLimits {
            max_seats_held: match role {
                Role::Customer => self.max_held_customer,
                _ => self.max_held_staff,
            },
            max_lifetime: self.max_lifetime,
        }
    }
}

/// Holds made or extended per account and per client address per window.
#[derive(Clone)]
pub struct HoldRateLimits {
    pub per_account: RateLimiter,
    pub per_address: RateLimiter,
}

/// Hold operations for signed-in callers.
#[derive(Clone)]
pub struct HoldDesk {
    ledger: Arc<dyn SeatLedger>,
    store: Arc<dyn Store>,
    catalog: Arc<ShowCatalog>,
    feed: SeatFeed,
    policy: HoldPolicy,
    rate: HoldRateLimits,
}

impl HoldDesk {
    pub fn new(
        ledger: Arc<dyn SeatLedger>,
        store: Arc<dyn Store>,
        catalog: Arc<ShowCatalog>,
        feed: SeatFeed,
        policy: HoldPolicy,
        rate: HoldRateLimits,
    ) -> Self {
        Self {
            ledger,
            store,
            catalog,
            feed,
            policy,
            rate,
        }
    }

    /// Refuses a hold request of a caller (or from an address) that used up its holds of
    /// this minute. Only holds that took seats count (see [`HoldDesk::count`]): a request
    /// refused because its seats are taken costs the ledger nothing and no round-trip here.
    fn admit(&self, caller: &Caller, client: Option<IpAddr>) -> Result<(), HoldError> {
        let account = self.rate.per_account.used_up(&caller.owner());
        let address = client.is_some_and(|ip| self.rate.per_address.used_up(&ip.to_string()));
        if account || address {
            metrics::counter!("eventory_holds_total", "outcome" => "rate_limited").increment(1);
            return Err(HoldError::RateLimited);
        }
        Ok(())
    }

    /// Counts a hold made (or extended) for the caller and its address.
    async fn count(&self, caller: &Caller, client: Option<IpAddr>) {
        // Both counts at once: with Redis they travel together on the one connection.
        let owner = caller.owner();
        let address = client.map(|ip| ip.to_string());
        tokio::join!(self.rate.per_account.count_done(&owner), async {
            if let Some(address) = &address {
                self.rate.per_address.count_done(address).await;
            }
        });
    }

    /// Holds `seats` of `show` for the caller, all or none.
    pub async fn hold(
        &self,
        caller: &Caller,
        client: Option<IpAddr>,
        show: ShowId,
        seats: Vec<SeatId>,
        idempotency_key: Option<String>,
    ) -> Result<Hold, HoldError> {
        if seats.len() > self.policy.max_seats_per_hold {
            return Err(HoldError::TooManySeats {
                max: self.policy.max_seats_per_hold,
            });
        }
        if let Some(key) = &idempotency_key {
            check_idempotency_key(key)?;
        }
        self.admit(caller, client)?;
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
            ttl: self.policy.ttl,
            idempotency_key,
            limits: self.policy.limits(caller.role),
        };
        let outcome = match self.ledger.hold(request.clone()).await {
            // The ledger does not know an existing show (never registered, or Redis lost it):
            // rebuild it from the store, sold seats first, then try once more.
            Err(LedgerError::UnknownShow(_)) => {
                crate::seats::rebuild::rebuild_show(
                    self.store.as_ref(),
                    self.ledger.as_ref(),
                    show,
                )
                .await
                .map_err(LedgerError::Backend)?;
                self.ledger.hold(request).await
            }
            other => other,
        }
        .inspect_err(|e| {
            if matches!(e, LedgerError::HoldLimitReached { .. }) {
                metrics::counter!("eventory_holds_total", "outcome" => "limit").increment(1);
            }
        })?;
        match outcome {
            HoldOutcome::Held { hold, change } => {
                metrics::counter!("eventory_holds_total", "outcome" => "held").increment(1);
                if let Some(change) = change {
                    // A new hold (not an idempotent retry): it counts.
                    self.count(caller, client).await;
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

    /// Gives the caller's hold another full TTL, up to the hold's longest life.
    pub async fn extend(
        &self,
        caller: &Caller,
        client: Option<IpAddr>,
        hold: HoldId,
    ) -> Result<Hold, HoldError> {
        self.admit(caller, client)?;
        self.get(caller, hold).await?;
        let extended = self.ledger.extend(hold, self.policy.ttl).await?;
        self.count(caller, client).await;
        Ok(extended)
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
    use crate::auth::rate_limit::Limit;
    use crate::seats::MemoryLedger;
    use eventory_shared::UserId;
    use uuid::Uuid;

    fn caller(role: Role) -> Caller {
        Caller {
            user_id: UserId::from_uuid(Uuid::new_v4()),
            role,
        }
    }

    fn policy() -> HoldPolicy {
        HoldPolicy {
            max_seats_per_hold: 2,
            ttl: Duration::from_secs(60),
            max_lifetime: Duration::from_secs(120),
            max_held_customer: 3,
            max_held_staff: 100,
        }
    }

    fn unlimited() -> HoldRateLimits {
        HoldRateLimits {
            per_account: RateLimiter::in_process(Limit::per_minute(1000)),
            per_address: RateLimiter::in_process(Limit::per_minute(1000)),
        }
    }

    async fn desk() -> (HoldDesk, ShowId, tempfile::TempDir) {
        desk_with(policy(), unlimited()).await
    }

    async fn desk_with(
        policy: HoldPolicy,
        rate: HoldRateLimits,
    ) -> (HoldDesk, ShowId, tempfile::TempDir) {
        let dir = tempfile::tempdir().unwrap();
        let store: Arc<dyn Store> =
            Arc::new(crate::store::EmbeddedStore::open(&dir.path().join("t.redb")).unwrap());
        store.migrate().await.unwrap();
        let show = crate::store::test_support::show_on_sale(store.as_ref(), 2, 3).await;
        let ledger: Arc<dyn SeatLedger> = Arc::new(MemoryLedger::new());
        let catalog = Arc::new(ShowCatalog::new(store.clone(), Duration::from_secs(5)));
        let desk = HoldDesk::new(ledger, store, catalog, SeatFeed::in_process(), policy, rate);
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
            desk.hold(&alice, None, show, seats(&["A1", "A2", "A3"]), None)
                .await,
            Err(HoldError::TooManySeats { max: 2 })
        ));
        let hold = desk
            .hold(&alice, None, show, seats(&["A1"]), None)
            .await
            .unwrap();
        assert!(matches!(
            desk.hold(&bob, None, show, seats(&["A1"]), None).await,
            Err(HoldError::Taken(_))
        ));
        assert!(matches!(
            desk.release(&bob, hold.id).await,
            Err(HoldError::Ledger(LedgerError::HoldNotFound(_)))
        ));
        assert!(matches!(
            desk.extend(&bob, None, hold.id).await,
            Err(HoldError::Ledger(LedgerError::HoldNotFound(_)))
        ));
        desk.extend(&alice, None, hold.id).await.unwrap();
        desk.release(&caller(Role::Admin), hold.id).await.unwrap();
    }

    #[tokio::test]
    async fn every_change_is_announced() {
        let (desk, show, _dir) = desk().await;
        let mut feed = desk.feed.subscribe();
        let alice = caller(Role::Cashier);
        let hold = desk
            .hold(&alice, None, show, seats(&["A2"]), Some("k-1".into()))
            .await
            .unwrap();
        let again = desk
            .hold(&alice, None, show, seats(&["A2"]), Some("k-1".into()))
            .await
            .unwrap();
        assert_eq!(hold.id, again.id);
        desk.release(&alice, hold.id).await.unwrap();
        let version = |item: &crate::live::FeedItem| match item {
            crate::live::FeedItem::Seats(change) => change.version,
            other => panic!("a seat change, not {other:?}"),
        };
        let first = version(&feed.recv().await.unwrap());
        let second = version(&feed.recv().await.unwrap());
        assert_eq!(second, first + 1, "the retry announced nothing");
        assert!(feed.try_recv().is_err());
    }

    #[tokio::test]
    async fn one_customer_cannot_hold_more_than_the_cap_even_in_parallel() {
        let (desk, show, _dir) = desk_with(
            HoldPolicy {
                max_seats_per_hold: 1,
                max_held_customer: 2,
                ..policy()
            },
            unlimited(),
        )
        .await;
        let alice = caller(Role::Customer);
        // Three seats asked for at once, one per request: two get through, never three.
        let attempts = ["A1", "A2", "A3"].map(|seat| {
            let desk = desk.clone();
            tokio::spawn(async move { desk.hold(&alice, None, show, seats(&[seat]), None).await })
        });
        let mut held = 0;
        for attempt in attempts {
            match attempt.await.unwrap() {
                Ok(_) => held += 1,
                Err(HoldError::Ledger(LedgerError::HoldLimitReached { held: 2, max: 2 })) => {}
                Err(other) => panic!("unexpected {other:?}"),
            }
        }
        assert_eq!(held, 2);
        // Someone else is not affected; staff have their own, higher cap.
        desk.hold(&caller(Role::Customer), None, show, seats(&["B1"]), None)
            .await
            .unwrap();
    }

    #[tokio::test]
    async fn extensions_stop_at_the_longest_life() {
        let (desk, show, _dir) = desk_with(
            HoldPolicy {
                ttl: Duration::from_secs(60),
                max_lifetime: Duration::from_millis(60_050),
                ..policy()
            },
            unlimited(),
        )
        .await;
        let alice = caller(Role::Customer);
        let hold = desk
            .hold(&alice, None, show, seats(&["A1"]), None)
            .await
            .unwrap();
        let deadline = hold.expires_at + chrono::Duration::milliseconds(50);
        let mut last = hold.expires_at;
        let mut refused = false;
        for _ in 0..10 {
            tokio::time::sleep(Duration::from_millis(20)).await;
            match desk.extend(&alice, None, hold.id).await {
                Ok(extended) => {
                    assert!(
                        extended.expires_at >= last,
                        "an extension shortened the hold"
                    );
                    assert!(
                        extended.expires_at <= deadline,
                        "extended past the longest life"
                    );
                    last = extended.expires_at;
                }
                Err(HoldError::Ledger(LedgerError::HoldLifetimeReached(_))) => {
                    refused = true;
                    break;
                }
                Err(other) => panic!("unexpected {other:?}"),
            }
        }
        assert!(refused, "extensions never stopped");
        assert_eq!(
            last, deadline,
            "the last extension reached the deadline exactly"
        );
    }

    #[tokio::test]
    async fn hold_requests_are_rate_limited_per_account_and_address() {
        let (desk, show, _dir) = desk_with(
            HoldPolicy {
                max_held_customer: 100,
                ..policy()
            },
            HoldRateLimits {
                per_account: RateLimiter::in_process(Limit::per_minute(2)),
                per_address: RateLimiter::in_process(Limit::per_minute(3)),
            },
        )
        .await;
        let ip: IpAddr = "203.0.113.9".parse().unwrap();
        let alice = caller(Role::Customer);
        for seat in ["A1", "A2"] {
            desk.hold(&alice, Some(ip), show, seats(&[seat]), None)
                .await
                .unwrap();
        }
        assert!(matches!(
            desk.hold(&alice, Some(ip), show, seats(&["A3"]), None)
                .await,
            Err(HoldError::RateLimited)
        ));
        // Another account from the same address (alice's two holds counted there): one left.
        let bob = caller(Role::Customer);
        desk.hold(&bob, Some(ip), show, seats(&["B1"]), None)
            .await
            .unwrap();
        assert!(matches!(
            desk.hold(&bob, Some(ip), show, seats(&["B2"]), None).await,
            Err(HoldError::RateLimited)
        ));
    }

    #[test]
    fn idempotency_keys_are_checked() {
        assert!(check_idempotency_key("abc-123_XYZ").is_ok());
        assert!(check_idempotency_key("").is_err());
        assert!(check_idempotency_key("has space").is_err());
        assert!(check_idempotency_key(&"x".repeat(129)).is_err());
    }
}
