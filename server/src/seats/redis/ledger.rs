//! [`SeatLedger`] for [`RedisLedger`]: one script call per state change.

use std::collections::BTreeMap;
use std::time::Duration;

use anyhow::anyhow;
use async_trait::async_trait;
use eventory_shared::{BookingId, HoldId, SeatId, SeatState, ShowId};
use futures::future::join_all;
use redis::AsyncCommands;
use uuid::Uuid;

use crate::seats::{
    check_seat_list, Hold, HoldOutcome, HoldRequest, LedgerError, LedgerResult, LedgerSnapshot,
    SeatChange, SeatLedger,
};

use super::reply::*;
use super::{RedisLedger, LOCATOR_GRACE};

#[async_trait]
impl SeatLedger for RedisLedger {
    fn backend(&self) -> &'static str {
        "redis"
    }

    async fn ping(&self) -> LedgerResult<()> {
        let mut conn = self.conn.clone();
        crate::seats::redis_conn::ping(&mut conn)
            .await
            .map_err(backend)
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
            request.limits.max_seats_held.to_string(),
            request.limits.max_lifetime.as_millis().to_string(),
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
            "limit" => Err(LedgerError::HoldLimitReached {
                held: reply.held.unwrap_or_default() as usize,
                max: reply.max.unwrap_or_default() as usize,
            }),
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
            "lifetime" => Err(LedgerError::HoldLifetimeReached(hold_id)),
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

    async fn holds_of_show(&self, show_id: ShowId) -> LedgerResult<Vec<Hold>> {
        let [_, _, holds, ..] = self.show_keys(show_id);
        let mut conn = self.conn.clone();
        let ids: Vec<String> = conn.hkeys(holds).await.map_err(backend)?;
        let mut out = Vec::new();
        for id in ids {
            let Ok(uuid) = Uuid::parse_str(&id) else {
                continue;
            };
            // Gone between the two reads (released, expired): not a hold any more.
            if let Some(hold) = self.read_hold(show_id, HoldId::from_uuid(uuid)).await? {
                out.push(hold);
            }
        }
        Ok(out)
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
        claims: &[crate::seats::Claim],
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
