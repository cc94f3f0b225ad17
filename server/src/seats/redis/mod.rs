//! `RedisLedger`: the seat ledger in Redis. Every state change is one Lua script (`lua/`),
//! loaded once and called by SHA (the `redis` crate's `Script` falls back to loading it on
//! NOSCRIPT). All keys of a show share the hash tag `{show:<id>}`, so each script touches one
//! hash slot and stays atomic on Redis Cluster.
//!
//! Two keys live outside the shows' slots and are only ever read or written with plain
//! commands, never inside a script: the set of registered shows (what the sweeper visits) and
//! one small locator per hold (hold id -> show id), so `/holds/{hold}` routes need no show id.

use std::time::Duration;

use anyhow::{anyhow, Context};
use eventory_shared::{BookingId, HoldId, SeatId, SeatState, ShowId};
use redis::aio::ConnectionManager;
use redis::{AsyncCommands, Script};
use serde::Deserialize;
use uuid::Uuid;

use crate::seats::{from_millis, Hold, HoldState, LedgerError, LedgerResult, SeatChange};

mod ledger;
mod reply;
mod scripts;

use reply::*;
use scripts::Scripts;

/// Most holds one sweep call releases in one show (the sweeper calls again while there are more).
const SWEEP_BATCH: usize = 200;
/// How long a hold's locator outlives the hold's own TTL (processing holds stop expiring).
const LOCATOR_GRACE: Duration = Duration::from_secs(24 * 3600);

/// The seat ledger in Redis.
pub struct RedisLedger {
    conn: ConnectionManager,
    scripts: Scripts,
    /// Prefix of every key, so several deployments (or test runs) can share one Redis.
    namespace: String,
}

impl RedisLedger {
    /// A ledger on `conn`, with every key under `namespace` (e.g. "eventory").
    pub fn new(conn: ConnectionManager, namespace: impl Into<String>) -> Self {
        Self {
            conn,
            scripts: Scripts::new(),
            namespace: namespace.into(),
        }
    }

    /// Connects to `url` and builds the ledger.
    pub async fn connect(url: &str, namespace: impl Into<String>) -> anyhow::Result<Self> {
        let conn = crate::seats::redis_conn::connect(url)
            .await
            .with_context(|| format!("Redis at {url}"))?;
        Ok(Self::new(conn, namespace))
    }

    /// The seven keys of a show, in the order the scripts expect (see `lua/common.lua`).
    fn show_keys(&self, show: ShowId) -> [String; 7] {
        let tag = format!("{}:{{show:{show}}}", self.namespace);
        [
            format!("{tag}:layout"),
            format!("{tag}:seats"),
            format!("{tag}:holds"),
            format!("{tag}:expiry"),
            format!("{tag}:version"),
            format!("{tag}:idem"),
            format!("{tag}:owned"),
        ]
    }

    /// A hold as stored in its show's hash, if it is there.
    async fn read_hold(&self, show: ShowId, hold_id: HoldId) -> LedgerResult<Option<Hold>> {
        let [_, _, holds, ..] = self.show_keys(show);
        let mut conn = self.conn.clone();
        let raw: Option<String> = conn
            .hget(holds, hold_id.to_string())
            .await
            .map_err(backend)?;
        let Some(raw) = raw else { return Ok(None) };
        #[derive(Deserialize)]
        struct Stored {
            state: HoldState,
            exp: i64,
            owner: String,
            seats: Vec<SeatId>,
            #[serde(default)]
            booking: Option<String>,
        }
        let stored: Stored =
            serde_json::from_str(&raw).map_err(|e| LedgerError::Backend(e.into()))?;
        let booking = match stored.booking.as_deref() {
            Some(b) => Some(BookingId::from_uuid(
                Uuid::parse_str(b).map_err(|e| LedgerError::Backend(e.into()))?,
            )),
            None => None,
        };
        Ok(Some(Hold {
            id: hold_id,
            show_id: show,
            seats: stored.seats,
            owner: stored.owner,
            state: stored.state,
            expires_at: from_millis(stored.exp),
            booking,
        }))
    }

    /// Records which show a hold is in (for `/holds/{hold}` routes).
    async fn set_locator(&self, hold: HoldId, show: ShowId, ttl: Duration) -> LedgerResult<()> {
        let mut conn = self.conn.clone();
        conn.set_ex::<_, _, ()>(
            self.locator_key(hold),
            show.to_string(),
            (ttl + LOCATOR_GRACE).as_secs(),
        )
        .await
        .map_err(backend)
    }

    fn shows_key(&self) -> String {
        format!("{}:shows", self.namespace)
    }

    fn locator_key(&self, hold: HoldId) -> String {
        format!("{}:hold:{hold}", self.namespace)
    }

    async fn run(&self, script: &Script, show: ShowId, args: &[String]) -> LedgerResult<Reply> {
        let mut invocation = script.prepare_invoke();
        for key in self.show_keys(show) {
            invocation.key(key);
        }
        for arg in args {
            invocation.arg(arg);
        }
        let mut conn = self.conn.clone();
        let text: String = invocation.invoke_async(&mut conn).await.map_err(backend)?;
        serde_json::from_str(&text)
            .map_err(|e| LedgerError::Backend(anyhow!("unparsable script answer {text:?}: {e}")))
    }

    /// The show a hold belongs to, from its locator.
    async fn locate(&self, hold: HoldId) -> LedgerResult<ShowId> {
        let mut conn = self.conn.clone();
        let show: Option<String> = conn.get(self.locator_key(hold)).await.map_err(backend)?;
        let show = show.ok_or(LedgerError::HoldNotFound(hold))?;
        Ok(ShowId::from_uuid(
            Uuid::parse_str(&show).map_err(|e| LedgerError::Backend(e.into()))?,
        ))
    }

    async fn forget_locator(&self, hold: HoldId) {
        let mut conn = self.conn.clone();
        // Best effort: a stale locator only makes a later lookup answer "not found" one step
        // later (the hold itself is gone), and it expires on its own.
        if let Err(e) = conn.del::<_, ()>(self.locator_key(hold)).await {
            tracing::warn!(%hold, "cannot delete hold locator: {e}");
        }
    }

    fn change(
        show_id: ShowId,
        reply: &mut Reply,
        state: SeatState,
        hold: Option<HoldId>,
    ) -> LedgerResult<SeatChange> {
        Ok(SeatChange {
            show_id,
            version: reply.version()?,
            state,
            seats: reply.seats()?,
            hold_id: hold,
        })
    }

    async fn sweep_show(&self, show: ShowId) -> LedgerResult<Vec<SeatChange>> {
        let mut changes = Vec::new();
        loop {
            let reply = self
                .run(&self.scripts.sweep, show, &[SWEEP_BATCH.to_string()])
                .await?;
            if reply.r != "ok" {
                return reply.unexpected("sweep");
            }
            let released: Vec<Released> = lua_list(reply.released)?;
            for r in released {
                let hold = parse_hold(&r.hold)?;
                self.forget_locator(hold).await;
                changes.push(SeatChange {
                    show_id: show,
                    version: r
                        .v
                        .parse()
                        .map_err(|e: std::num::ParseIntError| LedgerError::Backend(e.into()))?,
                    state: SeatState::Available,
                    seats: r.seats,
                    hold_id: Some(hold),
                });
            }
            if !reply.more {
                return Ok(changes);
            }
        }
    }
}
