//! Rewards and loyalty: scratch cards for confirmed bookings of 3+ seats (drawn on the server
//! from a weighted table, revealed once), loyalty points per seat, a coupon for every 10 seats,
//! and everything taken back when a booking is refunded.

use chrono::Utc;
use eventory_shared::{BookingId, UserId};

pub use crate::config::prizes::{Prize, PrizeTable, PrizeTableError};

use crate::auth::Caller;
use crate::store::{BookingRecord, CouponRecord, RewardRecord, Store, StoreError, StoreResult};

/// Seats a booking needs to earn a scratch card.
pub const MIN_SEATS_FOR_REWARD: usize = 3;
/// Seats per coupon milestone.
pub const SEATS_PER_COUPON: i64 = 10;
/// The discount of a loyalty coupon.
pub const LOYALTY_COUPON_PERCENT: u32 = 20;

/// Effects of a confirmed booking: a reward (3+ seats) and loyalty points. Idempotent: safe to
/// run again for the same booking (a redelivered outcome).
pub async fn on_confirmed(
    store: &dyn Store,
    table: &PrizeTable,
    record: &BookingRecord,
) -> StoreResult<()> {
    let booking = &record.booking;
    if booking.seats.len() >= MIN_SEATS_FOR_REWARD {
        let reward = RewardRecord {
            booking_id: booking.id,
            user_id: booking.user_id,
            prize: table.draw(&mut rand::rng()).name().to_owned(),
            revealed: false,
            voided: false,
            created_at: Utc::now(),
        };
        match store.insert_reward(&reward).await {
            Ok(()) | Err(StoreError::Duplicate(_)) => {}
            Err(e) => return Err(e),
        }
    }
    if let Some(user) = booking.user_id {
        let seats = booking.seats.len() as i64;
        if let Some(total) = store
            .record_loyalty(user, &format!("earn:{}", booking.id), seats)
            .await?
        {
            unlock_coupons(store, user, total - seats, total).await?;
        }
    }
    Ok(())
}

/// Effects of a refund: an unrevealed reward is voided, the points go back. Idempotent.
pub async fn on_refunded(store: &dyn Store, record: &BookingRecord) -> StoreResult<()> {
    store.void_reward(record.booking.id).await?;
    if let Some(user) = record.booking.user_id {
        let seats = record.booking.seats.len() as i64;
        store
            .record_loyalty(user, &format!("refund:{}", record.booking.id), -seats)
            .await?;
    }
    Ok(())
}

/// Issues the coupons for every 10-seat milestone crossed between `before` and `after` points.
/// Codes are derived from the user and milestone, so issuing twice is a harmless duplicate.
async fn unlock_coupons(
    store: &dyn Store,
    user: UserId,
    before: i64,
    after: i64,
) -> StoreResult<()> {
    for milestone in (before.max(0) / SEATS_PER_COUPON + 1)..=(after / SEATS_PER_COUPON) {
        let coupon = CouponRecord {
            code: format!("LOYAL-{}-{milestone}", &user.to_string()[..8]).to_uppercase(),
            user_id: Some(user),
            percent_off: LOYALTY_COUPON_PERCENT,
            redeemed_by: None,
            created_at: Utc::now(),
        };
        match store.insert_coupon(&coupon).await {
            Ok(()) | Err(StoreError::Duplicate(_)) => {}
            Err(e) => return Err(e),
        }
    }
    Ok(())
}

/// What scratching a card shows.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Scratched {
    pub prize: String,
    /// True for exactly one scratch of a card; replays answer the same prize with `false`.
    pub first_reveal: bool,
}

/// Why a scratch was refused.
#[derive(Debug, thiserror::Error)]
pub enum ScratchError {
    #[error("no reward for this booking")]
    NoReward,
    #[error("this card was voided (its booking was refunded)")]
    Voided,
    #[error(transparent)]
    Store(#[from] StoreError),
}

/// Reveals the caller's scratch card for a booking.
pub async fn scratch(
    store: &dyn Store,
    caller: &Caller,
    booking: BookingId,
) -> Result<Scratched, ScratchError> {
    let owned = store
        .booking(booking)
        .await?
        .is_some_and(|r| r.booking.user_id == Some(caller.user_id));
    if !owned {
        return Err(ScratchError::NoReward);
    }
    if let Some(revealed) = store.reveal_reward(booking).await? {
        metrics::counter!("eventory_rewards_revealed_total").increment(1);
        return Ok(Scratched {
            prize: revealed.prize,
            first_reveal: true,
        });
    }
    match store.reward(booking).await? {
        None => Err(ScratchError::NoReward),
        Some(r) if r.voided => Err(ScratchError::Voided),
        Some(r) => Ok(Scratched {
            prize: r.prize,
            first_reveal: false,
        }),
    }
}
