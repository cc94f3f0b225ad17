//! Scratch cards, loyalty and coupons in the embedded file; a user's coupons are the
//! `<user>|` range of `coupons_by_user`.

use async_trait::async_trait;
use eventory_shared::{BookingId, UserId};

use super::schema::*;
use super::EmbeddedStore;
use crate::store::records::*;
use crate::store::{RewardStore, StoreResult};

#[async_trait]
impl RewardStore for EmbeddedStore {
    async fn insert_reward(&self, reward: &RewardRecord) -> StoreResult<()> {
        let reward = reward.clone();
        self.write(move |tx| {
            let booking = reward.booking_id.to_string();
            REWARDS
                .write(tx)?
                .insert_new(&booking, &reward, "a reward for this booking")?;
            if let Some(code) = &reward.claim_code {
                REWARD_CLAIMS
                    .write(tx)?
                    .insert_new(code, &booking, "claim code")?;
            }
            Ok(())
        })
        .await
    }

    async fn reward_by_claim_code(&self, code: &str) -> StoreResult<Option<RewardRecord>> {
        let code = code.to_owned();
        self.read(move |tx| match REWARD_CLAIMS.read(tx)?.get(&code)? {
            Some(booking) => REWARDS.read(tx)?.get(&booking),
            None => Ok(None),
        })
        .await
    }

    async fn claim_reward(&self, code: &str, user: UserId) -> StoreResult<Option<RewardRecord>> {
        let code = code.to_owned();
        self.write(move |tx| {
            let Some(booking) = REWARD_CLAIMS.write(tx)?.get(&code)? else {
                return Ok(None);
            };
            let mut rewards = REWARDS.write(tx)?;
            let Some(mut reward) = rewards.get(&booking)? else {
                return Ok(None);
            };
            if reward.user_id.is_some() || reward.voided {
                return Ok(None);
            }
            reward.user_id = Some(user);
            rewards.insert(&booking, &reward)?;
            Ok(Some(reward))
        })
        .await
    }

    async fn reward(&self, booking: BookingId) -> StoreResult<Option<RewardRecord>> {
        self.read(move |tx| REWARDS.read(tx)?.get(&booking.to_string()))
            .await
    }

    async fn reveal_reward(&self, booking: BookingId) -> StoreResult<Option<RewardRecord>> {
        self.write(move |tx| {
            let mut rewards = REWARDS.write(tx)?;
            let key = booking.to_string();
            let Some(mut reward) = rewards.get(&key)? else {
                return Ok(None);
            };
            if reward.revealed || reward.voided {
                return Ok(None);
            }
            reward.revealed = true;
            rewards.insert(&key, &reward)?;
            Ok(Some(reward))
        })
        .await
    }

    async fn void_reward(&self, booking: BookingId) -> StoreResult<bool> {
        self.write(move |tx| super::writes::void_reward(tx, booking))
            .await
    }

    async fn record_loyalty(
        &self,
        user: UserId,
        entry: &str,
        delta: i64,
    ) -> StoreResult<Option<i64>> {
        let entry = entry.to_owned();
        self.write(move |tx| {
            let mut entries = LOYALTY_ENTRIES.write(tx)?;
            if entries.contains(&entry)? {
                return Ok(None);
            }
            entries.insert(&entry, &delta)?;
            let mut loyalty = LOYALTY.write(tx)?;
            let key = user.to_string();
            let total = loyalty.get(&key)?.unwrap_or(0) + delta;
            loyalty.insert(&key, &total)?;
            Ok(Some(total))
        })
        .await
    }

    async fn loyalty_points(&self, user: UserId) -> StoreResult<i64> {
        self.read(move |tx| Ok(LOYALTY.read(tx)?.get(&user.to_string())?.unwrap_or(0)))
            .await
    }

    async fn coupons_of_user(&self, user: UserId) -> StoreResult<Vec<CouponRecord>> {
        let mut coupons = self
            .read(move |tx| {
                let coupons = COUPONS.read(tx)?;
                let mut out = Vec::new();
                for code in COUPONS_BY_USER.read(tx)?.with_prefix(&format!("{user}|"))? {
                    out.extend(coupons.get(&code)?);
                }
                Ok(out)
            })
            .await?;
        coupons.sort_by_key(|c| c.created_at);
        Ok(coupons)
    }

    async fn insert_coupon(&self, coupon: &CouponRecord) -> StoreResult<()> {
        let coupon = coupon.clone();
        self.write(move |tx| {
            COUPONS
                .write(tx)?
                .insert_new(&coupon.code, &coupon, "coupon")?;
            if let Some(user) = coupon.user_id {
                COUPONS_BY_USER.write(tx)?.insert(
                    &indexed(Some(&user), coupon.created_at, &coupon.code),
                    &coupon.code,
                )?;
            }
            Ok(())
        })
        .await
    }

    async fn coupon(&self, code: &str) -> StoreResult<Option<CouponRecord>> {
        let code = code.to_owned();
        self.read(move |tx| COUPONS.read(tx)?.get(&code)).await
    }

    async fn redeem_coupon(
        &self,
        code: &str,
        booking: BookingId,
    ) -> StoreResult<Option<CouponRecord>> {
        let code = code.to_owned();
        self.write(move |tx| {
            let mut coupons = COUPONS.write(tx)?;
            let Some(mut coupon) = coupons.get(&code)? else {
                return Ok(None);
            };
            if coupon.redeemed_by.is_some() {
                return Ok(None);
            }
            coupon.redeemed_by = Some(booking);
            coupons.insert(&code, &coupon)?;
            Ok(Some(coupon))
        })
        .await
    }
}
