//! The load: customers buying by card, cashiers selling for cash, and a staff desk refunding
//! and exchanging confirmed bookings; now and then a request goes twice at once (a double
//! click). Every booking a checkout answered 202 (or an exchange 200) is remembered for the
//! checks.

use std::net::SocketAddr;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use eventory_shared::{SeatId, ShowId};
use rand::rngs::StdRng;
use rand::seq::IndexedRandom;
use rand::{Rng, SeedableRng};
use serde_json::{json, Value};
use tokio_util::sync::CancellationToken;
use uuid::Uuid;

use super::client::{Credentials, Reply, Session};
use super::observer::ObservedMap;
use super::{BookingView, Tally};

/// Share of checkouts, refunds and exchanges sent twice at once.
const DOUBLE_CLICK: f64 = 0.15;
/// Share of holds a buyer walks away from (they expire).
const ABANDON: f64 = 0.1;

/// A booking some answer named.
#[derive(Clone, Debug)]
pub struct Remembered {
    pub id: String,
    pub how: &'static str,
}

/// What the load tasks share.
pub struct Load {
    pub address: SocketAddr,
    pub show: ShowId,
    pub seats: Vec<SeatId>,
    pub observed: ObservedMap,
    pub stop: CancellationToken,
    pub tally: Tally,
    pub remembered: Mutex<Vec<Remembered>>,
    /// Broken promises seen during the load (e.g. one idempotency key, two bookings).
    pub failures: Mutex<Vec<String>>,
    /// Names this run's customer accounts apart from earlier runs' (cluster mode).
    pub run: String,
}

/// A hold the server granted.
struct Hold {
    id: String,
    seats: usize,
}

impl Load {
    fn remember(&self, reply: &Reply, how: &'static str) {
        if let Some(id) = reply.body.get("id").and_then(Value::as_str) {
            self.remembered
                .lock()
                .expect("remembered lock")
                .push(Remembered {
                    id: id.to_owned(),
                    how,
                });
        }
    }

    fn fail(&self, what: String) {
        self.failures.lock().expect("failures lock").push(what);
    }

    async fn pause(&self, rng: &mut StdRng, from_ms: u64, to_ms: u64) {
        let pause = Duration::from_millis(rng.random_range(from_ms..=to_ms));
        tokio::select! {
            () = self.stop.cancelled() => {}
            () = tokio::time::sleep(pause) => {}
        }
    }

    /// Holds `n` seats, preferring ones the observer sees free (a real client picks from the
    /// map); `None` when they were taken or the hold failed otherwise (tallied).
    async fn hold(
        &self,
        session: &mut Session,
        rng: &mut StdRng,
        n: usize,
    ) -> anyhow::Result<Option<Hold>> {
        let taken = self.observed.taken();
        let free: Vec<&SeatId> = self.seats.iter().filter(|s| !taken.contains(*s)).collect();
        let pool: Vec<&SeatId> = if free.len() >= n && rng.random_bool(0.9) {
            free
        } else {
            self.seats.iter().collect()
        };
        let seats: Vec<String> = pool
            .choose_multiple(rng, n)
            .map(|s| s.to_string())
            .collect();
        let key = Uuid::new_v4().to_string();
        let reply = session
            .request(
                "POST",
                &format!("/api/shows/{}/holds", self.show),
                Some(&json!({ "seats": seats })),
                Some(&key),
            )
            .await?;
        self.tally
            .add(&format!("hold {} {}", reply.status, reply.code()));
        if reply.status != 201 {
            return Ok(None);
        }
        Ok(reply
            .body
            .get("hold_id")
            .and_then(Value::as_str)
            .map(|id| Hold {
                id: id.to_owned(),
                seats: seats.len(),
            }))
    }

    /// Checks a hold out (sometimes twice at once); remembers every 202.
    async fn checkout(
        &self,
        session: &mut Session,
        rng: &mut StdRng,
        hold: &Hold,
        body: Value,
        how: &'static str,
    ) -> anyhow::Result<()> {
        let path = format!("/api/holds/{}/checkout", hold.id);
        let key = Uuid::new_v4().to_string();
        if !rng.random_bool(DOUBLE_CLICK) {
            let reply = session
                .request("POST", &path, Some(&body), Some(&key))
                .await?;
            self.tally
                .add(&format!("checkout {} {}", reply.status, reply.code()));
            if reply.status == 202 {
                self.remember_checkout(&reply, how);
            }
            return Ok(());
        }
        // A double click: the same key twice (a retrying client), or two keys (two clicks).
        let same_key = rng.random_bool(0.5);
        let other_key = if same_key {
            key.clone()
        } else {
            Uuid::new_v4().to_string()
        };
        let mut twin = session.fork(self.address);
        let (a, b) = tokio::join!(
            session.request("POST", &path, Some(&body), Some(&key)),
            twin.request("POST", &path, Some(&body), Some(&other_key)),
        );
        let (a, b) = (a?, b?);
        let label = if same_key { "one key" } else { "two keys" };
        self.tally.add(&format!(
            "double checkout ({label}) {} + {}",
            a.status.min(b.status),
            a.status.max(b.status)
        ));
        for reply in [&a, &b] {
            if reply.status == 202 {
                self.remember_checkout(reply, how);
            }
        }
        let ids = (
            booking_id(&a.body["booking"]),
            booking_id(&b.body["booking"]),
        );
        if let (Some(x), Some(y)) = ids {
            if same_key && x != y {
                self.fail(format!(
                    "one Idempotency-Key, two bookings for hold {}: {x} and {y}",
                    hold.id
                ));
            }
        }
        Ok(())
    }

    fn remember_checkout(&self, reply: &Reply, how: &'static str) {
        let booking = Reply {
            status: reply.status,
            body: reply.body.get("booking").cloned().unwrap_or(Value::Null),
        };
        self.remember(&booking, how);
    }
}

fn booking_id(body: &Value) -> Option<String> {
    body.get("id").and_then(Value::as_str).map(str::to_owned)
}

/// A customer: signs up, then holds 1-4 seats and pays by card, until the load stops.
pub async fn buyer(load: Arc<Load>, index: usize) -> anyhow::Result<()> {
    let mut rng = StdRng::from_os_rng();
    let credentials = Credentials {
        email: format!("chaos-buyer-{index}-{}@eventory.test", load.run),
        password: format!("buyer-password-{}", Uuid::new_v4().simple()),
    };
    let mut session = Session::sign_up(
        load.address,
        credentials,
        &format!("Buyer {index}"),
        load.tally.clone(),
    )
    .await?;
    while !load.stop.is_cancelled() {
        load.pause(&mut rng, 100, 500).await;
        let n = rng.random_range(1..=4);
        let Some(hold) = load.hold(&mut session, &mut rng, n).await? else {
            continue;
        };
        if rng.random_bool(ABANDON) {
            load.tally.add("hold abandoned");
            continue;
        }
        let body = json!({ "payment": "card" });
        load.checkout(&mut session, &mut rng, &hold, body, "card checkout")
            .await?;
    }
    Ok(())
}

/// A cashier: holds seats and takes cash (tendering a bit more than the price).
pub async fn cashier(load: Arc<Load>, credentials: Credentials) -> anyhow::Result<()> {
    let mut rng = StdRng::from_os_rng();
    let mut session = Session::sign_in(load.address, credentials, load.tally.clone()).await?;
    while !load.stop.is_cancelled() {
        load.pause(&mut rng, 200, 700).await;
        let n = rng.random_range(1..=4);
        let Some(hold) = load.hold(&mut session, &mut rng, n).await? else {
            continue;
        };
        // 10.00 EUR a seat (the show of `show_on_sale`), rounded up to a banknote or so.
        let price = 1000 * hold.seats as i64;
        let tendered = price + 500 * rng.random_range(0..=4);
        let body = json!({
            "payment": "cash",
            "cash_tendered": { "amount_minor": tendered, "currency": "EUR" },
        });
        load.checkout(&mut session, &mut rng, &hold, body, "cash checkout")
            .await?;
    }
    Ok(())
}

/// The staff desk: every so often refunds a confirmed booking, or exchanges one onto other
/// seats of the same price (held by the desk first); sometimes twice at once.
pub async fn desk(load: Arc<Load>, credentials: Credentials) -> anyhow::Result<()> {
    let mut rng = StdRng::from_os_rng();
    let mut session = Session::sign_in(load.address, credentials, load.tally.clone()).await?;
    let mut refund_next = true;
    while !load.stop.is_cancelled() {
        load.pause(&mut rng, 600, 1400).await;
        let Some(booking) = pick_confirmed(&load, &mut session, &mut rng).await? else {
            continue;
        };
        if refund_next {
            refund(&load, &mut session, &mut rng, &booking).await?;
        } else {
            exchange(&load, &mut session, &mut rng, &booking).await?;
        }
        refund_next = !refund_next;
    }
    Ok(())
}

/// A remembered booking that is confirmed now, if a few tries find one.
async fn pick_confirmed(
    load: &Load,
    session: &mut Session,
    rng: &mut StdRng,
) -> anyhow::Result<Option<BookingView>> {
    for _ in 0..8 {
        let candidate = {
            let remembered = load.remembered.lock().expect("remembered lock");
            remembered.choose(rng).map(|r| r.id.clone())
        };
        let Some(id) = candidate else {
            return Ok(None);
        };
        let reply = session.get(&format!("/api/bookings/{id}")).await?;
        if reply.status != 200 {
            continue;
        }
        if let Ok(booking) = serde_json::from_value::<BookingView>(reply.body) {
            if booking.status == "confirmed" {
                return Ok(Some(booking));
            }
        }
    }
    Ok(None)
}

async fn refund(
    load: &Load,
    session: &mut Session,
    rng: &mut StdRng,
    booking: &BookingView,
) -> anyhow::Result<()> {
    let path = format!("/api/bookings/{}/refund", booking.id);
    let body = json!({ "reason": "chaos test" });
    if !rng.random_bool(DOUBLE_CLICK) {
        let reply = session.request("POST", &path, Some(&body), None).await?;
        load.tally
            .add(&format!("refund {} {}", reply.status, reply.code()));
        return Ok(());
    }
    let mut twin = session.fork(load.address);
    let (a, b) = tokio::join!(
        session.request("POST", &path, Some(&body), None),
        twin.request("POST", &path, Some(&body), None),
    );
    let (a, b) = (a?, b?);
    load.tally.add(&format!(
        "double refund {} + {}",
        a.status.min(b.status),
        a.status.max(b.status)
    ));
    Ok(())
}

async fn exchange(
    load: &Load,
    session: &mut Session,
    rng: &mut StdRng,
    booking: &BookingView,
) -> anyhow::Result<()> {
    let Some(hold) = load.hold(session, rng, booking.seats.len()).await? else {
        return Ok(());
    };
    let path = format!("/api/bookings/{}/exchange", booking.id);
    let body = json!({ "hold_id": hold.id });
    let replies = if rng.random_bool(DOUBLE_CLICK) {
        let mut twin = session.fork(load.address);
        let (a, b) = tokio::join!(
            session.request("POST", &path, Some(&body), None),
            twin.request("POST", &path, Some(&body), None),
        );
        let (a, b) = (a?, b?);
        load.tally.add(&format!(
            "double exchange {} + {}",
            a.status.min(b.status),
            a.status.max(b.status)
        ));
        vec![a, b]
    } else {
        let reply = session.request("POST", &path, Some(&body), None).await?;
        load.tally
            .add(&format!("exchange {} {}", reply.status, reply.code()));
        vec![reply]
    };
    let mut moved_to = Vec::new();
    for reply in &replies {
        if reply.status == 200 {
            load.remember(reply, "exchange");
            moved_to.extend(booking_id(&reply.body));
        }
    }
    moved_to.dedup();
    if moved_to.len() > 1 {
        load.fail(format!(
            "booking {} exchanged twice at once: {}",
            booking.id,
            moved_to.join(", ")
        ));
    }
    if moved_to.is_empty() {
        // Give the seats back rather than letting them expire.
        let _ = session
            .request("DELETE", &format!("/api/holds/{}", hold.id), None, None)
            .await?;
    }
    Ok(())
}
