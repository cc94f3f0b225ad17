//! `RedisLedger`: the seat ledger in Redis. Every state change is one Lua script (`lua/`),
//! loaded once and called by SHA (the `redis` crate's `Script` falls back to loading it on
//! NOSCRIPT). All keys of a show share the hash tag `{show:<id>}`, so each script touches one
//! hash slot and stays atomic on Redis Cluster.
//!
//! Two keys live outside the shows' slots and are only ever read or written with plain
//! commands, never inside a script: the set of registered shows (what the sweeper visits) and
//! one small locator per hold (hold id -> show id), so `/holds/{hold}` routes need no show id.

use std::collections::BTreeMap;
use std::time::Duration;

use anyhow::{anyhow, Context};
use async_trait::async_trait;
use eventory_shared::{BookingId, HoldId, SeatId, SeatState, ShowId};
use futures::future::join_all;
use redis::aio::ConnectionManager;
use redis::{AsyncCommands, Script};
use serde::Deserialize;
use uuid::Uuid;

use super::{
    check_seat_list, from_millis, Hold, HoldOutcome, HoldRequest, HoldState, LedgerError,
    LedgerResult, LedgerSnapshot, SeatChange, SeatLedger,
};

macro_rules! ledger_script {
    ($file:literal) => {
        Script::new(concat!(
            include_str!("lua/common.lua"),
            "\n",
            include_str!($file)
        ))
    };
}

/// The scripts, hashed once.
struct Scripts {
    hold: Script,
    extend: Script,
    processing: Script,
    release: Script,
    confirm: Script,
    refund: Script,
    snapshot: Script,
    sweep: Script,
    register: Script,
    restore: Script,
    claims: Script,
}

impl Scripts {
    fn new() -> Self {
        Self {
            hold: ledger_script!("lua/hold.lua"),
            extend: ledger_script!("lua/extend.lua"),
            processing: ledger_script!("lua/processing.lua"),
            release: ledger_script!("lua/release.lua"),
            confirm: ledger_script!("lua/confirm.lua"),
            refund: ledger_script!("lua/refund.lua"),
            snapshot: ledger_script!("lua/snapshot.lua"),
            sweep: ledger_script!("lua/sweep.lua"),
            register: ledger_script!("lua/register.lua"),
            restore: ledger_script!("lua/restore.lua"),
            claims: ledger_script!("lua/claims.lua"),
        }
    }
}

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

/// One script answer; which fields are present depends on `r`.
#[derive(Debug, Deserialize)]
struct Reply {
    r: String,
    #[serde(default)]
    v: Option<String>,
    #[serde(default)]
    hold: Option<String>,
    #[serde(default)]
    state: Option<HoldState>,
    #[serde(default)]
    exp: Option<String>,
    #[serde(default)]
    owner: Option<String>,
    #[serde(default)]
    booking: Option<String>,
    /// cjson encodes an empty Lua table as `{}`, so lists arrive as arbitrary JSON.
    #[serde(default)]
    seats: serde_json::Value,
    #[serde(default)]
    occupied: serde_json::Value,
    #[serde(default)]
    released: serde_json::Value,
    #[serde(default)]
    more: bool,
    #[serde(default)]
    holds: serde_json::Value,
}

#[derive(Debug, Deserialize)]
struct Released {
    hold: String,
    v: String,
    seats: Vec<SeatId>,
}

/// A Lua list: an array, or `{}`/absent for an empty one.
fn lua_list<T: serde::de::DeserializeOwned>(value: serde_json::Value) -> anyhow::Result<Vec<T>> {
    match value {
        serde_json::Value::Array(_) => Ok(serde_json::from_value(value)?),
        serde_json::Value::Null => Ok(Vec::new()),
        serde_json::Value::Object(map) if map.is_empty() => Ok(Vec::new()),
        other => Err(anyhow!("unexpected list from script: {other}")),
    }
}

impl Reply {
    fn version(&self) -> anyhow::Result<u64> {
        self.v
            .as_deref()
            .context("script answer has no version")?
            .parse()
            .context("version is not an integer")
    }

    fn seats(&mut self) -> anyhow::Result<Vec<SeatId>> {
        lua_list(self.seats.take())
    }

    fn into_hold(mut self, show_id: ShowId) -> anyhow::Result<Hold> {
        let seats = self.seats()?;
        Ok(Hold {
            id: parse_hold(self.hold.as_deref().context("no hold id")?)?,
            show_id,
            seats,
            owner: self.owner.context("no owner")?,
            state: self.state.context("no state")?,
            expires_at: from_millis(self.exp.as_deref().context("no expiry")?.parse()?),
            booking: match self.booking.as_deref() {
                Some(b) => Some(BookingId::from_uuid(Uuid::parse_str(b)?)),
                None => None,
            },
        })
    }

    fn unexpected<T>(&self, op: &str) -> LedgerResult<T> {
        Err(LedgerError::Backend(anyhow!(
            "{op}: unexpected script answer {:?}",
            self.r
        )))
    }
}

fn parse_hold(text: &str) -> anyhow::Result<HoldId> {
    Ok(HoldId::from_uuid(Uuid::parse_str(text)?))
}

fn parse_occupant(text: &str) -> anyhow::Result<SeatState> {
    match text.split_once(':') {
        Some(("h", _)) => Ok(SeatState::Held),
        Some(("p", _)) => Ok(SeatState::Processing),
        Some(("s", _)) => Ok(SeatState::Sold),
        _ => Err(anyhow!("unknown seat occupant {text:?}")),
    }
}

fn backend(e: redis::RedisError) -> LedgerError {
    LedgerError::Backend(anyhow::Error::new(e).context("redis"))
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
        let conn = super::redis_conn::connect(url)
            .await
            .with_context(|| format!("Redis at {url}"))?;
        Ok(Self::new(conn, namespace))
    }

    /// The six keys of a show, in the order the scripts expect (see `lua/common.lua`).
    fn show_keys(&self, show: ShowId) -> [String; 6] {
        let tag = format!("{}:{{show:{show}}}", self.namespace);
        [
            format!("{tag}:layout"),
            format!("{tag}:seats"),
            format!("{tag}:holds"),
            format!("{tag}:expiry"),
            format!("{tag}:version"),
            format!("{tag}:idem"),
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

#[async_trait]
impl SeatLedger for RedisLedger {
    fn backend(&self) -> &'static str {
        "redis"
    }

    async fn ping(&self) -> LedgerResult<()> {
        let mut conn = self.conn.clone();
        super::redis_conn::ping(&mut conn).await.map_err(backend)
    }

    async fn register_show_with_sold(
        &self,
        show_id: ShowId,
        seats: &[SeatId],
        sold: &[(SeatId, BookingId)],
    ) -> LedgerResult<Option<SeatChange>> {
        check_seat_list(seats)?;
        let mut args: Vec<String> = Vec::with_capacity(1 + seats.len() + 2 * sold.len());
        args.push(seats.len().to_string());
        args.extend(seats.iter().map(ToString::to_string));
        args.extend(
            sold.iter()
                .flat_map(|(seat, booking)| [seat.to_string(), booking.to_string()]),
        );
        let mut reply = self.run(&self.scripts.register, show_id, &args).await?;
        if reply.r != "ok" {
            return reply.unexpected("register");
        }
        let mut conn = self.conn.clone();
        conn.sadd::<_, _, ()>(self.shows_key(), show_id.to_string())
            .await
            .map_err(backend)?;
        if reply.v.is_none() {
            return Ok(None);
        }
        Ok(Some(Self::change(
            show_id,
            &mut reply,
            SeatState::Sold,
            None,
        )?))
    }

    async fn hold(&self, request: HoldRequest) -> LedgerResult<HoldOutcome> {
        check_seat_list(&request.seats)?;
        let hold_id = HoldId::from_uuid(Uuid::new_v4());
        let show = request.show_id;
        let mut args = vec![
            hold_id.to_string(),
            request.owner.clone(),
            request.ttl.as_millis().to_string(),
            request.idempotency_key.clone().unwrap_or_default(),
        ];
        args.extend(request.seats.iter().map(ToString::to_string));
        let mut reply = match self.run(&self.scripts.hold, show, &args).await {
            Ok(reply) => reply,
            // A timeout or a dropped connection does not say whether Redis ran the script:
            // read the hold back (commands on the connection run in order) rather than
            // leaving seats held by a hold nobody was told about.
            Err(LedgerError::Backend(e)) => {
                return match self.read_hold(show, hold_id).await {
                    Ok(Some(hold)) => {
                        tracing::warn!(%hold_id, "hold answered ambiguously ({e:#}); it did happen");
                        self.set_locator(hold_id, show, request.ttl).await?;
                        Ok(HoldOutcome::Held { hold, change: None })
                    }
                    Ok(None) => Err(LedgerError::Backend(e)),
                    Err(again) => Err(LedgerError::Backend(
                        e.context(format!("and reading the hold back failed: {again}")),
                    )),
                };
            }
            Err(e) => return Err(e),
        };
        match reply.r.as_str() {
            "ok" => {
                let version = reply.version()?;
                let hold = reply.into_hold(show)?;
                self.set_locator(hold_id, show, request.ttl).await?;
                let change = SeatChange {
                    show_id: show,
                    version,
                    state: SeatState::Held,
                    seats: hold.seats.clone(),
                    hold_id: Some(hold_id),
                };
                Ok(HoldOutcome::Held {
                    hold,
                    change: Some(change),
                })
            }
            "existing" => Ok(HoldOutcome::Held {
                hold: reply.into_hold(show)?,
                change: None,
            }),
            "taken" => Ok(HoldOutcome::Taken {
                seats: reply.seats()?,
            }),
            "unknown_seats" => Err(LedgerError::UnknownSeats(reply.seats()?)),
            "unknown_show" => Err(LedgerError::UnknownShow(show)),
            "idem_conflict" => Err(LedgerError::IdempotencyConflict),
            _ => reply.unexpected("hold"),
        }
    }

    async fn get_hold(&self, hold_id: HoldId) -> LedgerResult<Option<Hold>> {
        let show = match self.locate(hold_id).await {
            Ok(show) => show,
            Err(LedgerError::HoldNotFound(_)) => return Ok(None),
            Err(e) => return Err(e),
        };
        self.read_hold(show, hold_id).await
    }

    async fn extend(&self, hold_id: HoldId, ttl: Duration) -> LedgerResult<Hold> {
        let show = self.locate(hold_id).await?;
        let args = [hold_id.to_string(), ttl.as_millis().to_string()];
        let reply = self.run(&self.scripts.extend, show, &args).await?;
        match reply.r.as_str() {
            "ok" => {
                let mut conn = self.conn.clone();
                conn.expire::<_, ()>(
                    self.locator_key(hold_id),
                    (ttl + LOCATOR_GRACE).as_secs() as i64,
                )
                .await
                .map_err(backend)?;
                Ok(reply.into_hold(show)?)
            }
            "not_found" => Err(LedgerError::HoldNotFound(hold_id)),
            "expired" => Err(LedgerError::HoldExpired(hold_id)),
            "wrong_state" => Err(LedgerError::WrongHoldState(hold_id)),
            _ => reply.unexpected("extend"),
        }
    }

    async fn mark_processing(
        &self,
        hold_id: HoldId,
        booking: BookingId,
    ) -> LedgerResult<Option<SeatChange>> {
        let show = self.locate(hold_id).await?;
        let mut reply = self
            .run(
                &self.scripts.processing,
                show,
                &[hold_id.to_string(), booking.to_string()],
            )
            .await?;
        match reply.r.as_str() {
            "ok" => Ok(Some(Self::change(
                show,
                &mut reply,
                SeatState::Processing,
                Some(hold_id),
            )?)),
            "same" => Ok(None),
            "claimed" => Err(LedgerError::WrongHoldState(hold_id)),
            "not_found" => Err(LedgerError::HoldNotFound(hold_id)),
            "expired" => Err(LedgerError::HoldExpired(hold_id)),
            _ => reply.unexpected("mark_processing"),
        }
    }

    async fn release(&self, hold_id: HoldId) -> LedgerResult<SeatChange> {
        let show = self.locate(hold_id).await?;
        let mut reply = self
            .run(&self.scripts.release, show, &[hold_id.to_string()])
            .await?;
        match reply.r.as_str() {
            "ok" => {
                self.forget_locator(hold_id).await;
                Self::change(show, &mut reply, SeatState::Available, Some(hold_id))
            }
            "not_found" => Err(LedgerError::HoldNotFound(hold_id)),
            _ => reply.unexpected("release"),
        }
    }

    async fn confirm(
        &self,
        show_id: ShowId,
        hold_id: HoldId,
        booking: BookingId,
        seats: &[SeatId],
    ) -> LedgerResult<Option<SeatChange>> {
        check_seat_list(seats)?;
        let mut args = vec![hold_id.to_string(), booking.to_string()];
        args.extend(seats.iter().map(ToString::to_string));
        let mut reply = self.run(&self.scripts.confirm, show_id, &args).await?;
        match reply.r.as_str() {
            "ok" => {
                self.forget_locator(hold_id).await;
                Ok(Some(Self::change(
                    show_id,
                    &mut reply,
                    SeatState::Sold,
                    Some(hold_id),
                )?))
            }
            "same" => Ok(None),
            "not_found" => Err(LedgerError::HoldNotFound(hold_id)),
            "expired" => Err(LedgerError::HoldExpired(hold_id)),
            "mismatch" => Err(LedgerError::BadSeatList),
            "claimed" => Err(LedgerError::WrongHoldState(hold_id)),
            _ => reply.unexpected("confirm"),
        }
    }

    async fn refund(
        &self,
        show_id: ShowId,
        booking: BookingId,
        seats: &[SeatId],
    ) -> LedgerResult<Option<SeatChange>> {
        check_seat_list(seats)?;
        let mut args = vec![booking.to_string()];
        args.extend(seats.iter().map(ToString::to_string));
        let mut reply = self.run(&self.scripts.refund, show_id, &args).await?;
        match reply.r.as_str() {
            "ok" => Ok(Some(Self::change(
                show_id,
                &mut reply,
                SeatState::Available,
                None,
            )?)),
            "same" => Ok(None),
            _ => reply.unexpected("refund"),
        }
    }

    async fn snapshot(&self, show_id: ShowId) -> LedgerResult<LedgerSnapshot> {
        let reply = self.run(&self.scripts.snapshot, show_id, &[]).await?;
        match reply.r.as_str() {
            "ok" => {
                let version = reply.version()?;
                let flat: Vec<String> = lua_list(reply.occupied)?;
                let mut seats = BTreeMap::new();
                for pair in flat.chunks_exact(2) {
                    let seat: SeatId = pair[0]
                        .parse()
                        .map_err(|e| LedgerError::Backend(anyhow!("bad seat in ledger: {e}")))?;
                    seats.insert(seat, parse_occupant(&pair[1])?);
                }
                Ok(LedgerSnapshot {
                    show_id,
                    version,
                    seats,
                })
            }
            "unknown_show" => Err(LedgerError::UnknownShow(show_id)),
            _ => reply.unexpected("snapshot"),
        }
    }

    async fn sweep_expired(&self) -> LedgerResult<Vec<SeatChange>> {
        let mut conn = self.conn.clone();
        let shows: Vec<String> = conn.smembers(self.shows_key()).await.map_err(backend)?;
        // One script call per show, all in flight at once over the multiplexed connection.
        let results = join_all(
            shows
                .iter()
                .filter_map(|s| Uuid::parse_str(s).ok())
                .map(|id| self.sweep_show(ShowId::from_uuid(id))),
        )
        .await;
        let mut changes = Vec::new();
        for result in results {
            changes.extend(result?);
        }
        Ok(changes)
    }

    async fn restore_claims(
        &self,
        show_id: ShowId,
        claims: &[super::Claim],
    ) -> LedgerResult<Option<SeatChange>> {
        if claims.is_empty() {
            return Ok(None);
        }
        let mut args = vec![claims.len().to_string()];
        for claim in claims {
            args.extend([
                claim.hold_id.to_string(),
                claim.booking.to_string(),
                claim.owner.clone(),
                claim.seats.len().to_string(),
            ]);
            args.extend(claim.seats.iter().map(ToString::to_string));
        }
        let mut reply = self.run(&self.scripts.claims, show_id, &args).await?;
        if reply.r != "ok" {
            return reply.unexpected("restore_claims");
        }
        let restored: Vec<String> = lua_list(reply.holds.take())?;
        for hold in restored {
            self.set_locator(parse_hold(&hold)?, show_id, Duration::ZERO)
                .await?;
        }
        if reply.v.is_none() {
            return Ok(None);
        }
        Ok(Some(Self::change(
            show_id,
            &mut reply,
            SeatState::Processing,
            None,
        )?))
    }

    async fn restore_sold(
        &self,
        show_id: ShowId,
        sold: &[(SeatId, BookingId)],
    ) -> LedgerResult<Option<SeatChange>> {
        if sold.is_empty() {
            return Ok(None);
        }
        let args: Vec<String> = sold
            .iter()
            .flat_map(|(seat, booking)| [seat.to_string(), booking.to_string()])
            .collect();
        let mut reply = self.run(&self.scripts.restore, show_id, &args).await?;
        match reply.r.as_str() {
            "ok" => Ok(Some(Self::change(
                show_id,
                &mut reply,
                SeatState::Sold,
                None,
            )?)),
            "same" => Ok(None),
            "unknown_show" => Err(LedgerError::UnknownShow(show_id)),
            _ => reply.unexpected("restore"),
        }
    }
}
