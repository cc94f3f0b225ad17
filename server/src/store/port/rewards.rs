//! `RewardStore`: scratch cards, loyalty points and coupons.

use async_trait::async_trait;
use eventory_shared::{BookingId, UserId};

use crate::store::{CouponRecord, RewardRecord, StoreResult};

/// What a buying customer earns, each granted and spent once.
#[async_trait]
pub trait RewardStore: Send + Sync + 'static {
    /// One reward per booking: a second is a `Duplicate`.
    async fn insert_reward(&self, reward: &RewardRecord) -> StoreResult<()>;
    async fn reward(&self, booking: BookingId) -> StoreResult<Option<RewardRecord>>;
    /// Reveals an unrevealed, unvoided reward in one conditional update; `None` if it was
    /// revealed already, voided, or does not exist (so of concurrent scratches one reveals).
    async fn reveal_reward(&self, booking: BookingId) -> StoreResult<Option<RewardRecord>>;
    /// The reward a claim code was printed for.
    async fn reward_by_claim_code(&self, code: &str) -> StoreResult<Option<RewardRecord>>;
    /// Gives the unclaimed, unvoided reward of `code` to `user` in one conditional update;
    /// `None` if there is none such (claimed already, voided, unknown): of concurrent claims
    /// one wins.
    async fn claim_reward(&self, code: &str, user: UserId) -> StoreResult<Option<RewardRecord>>;
    /// Voids an unrevealed reward (its booking was refunded); `false` if there was none to void.
    async fn void_reward(&self, booking: BookingId) -> StoreResult<bool>;
    /// Records a loyalty entry once: `entry` is its unique key (e.g. `earn:<booking>`); the
    /// points are added (or taken, negative) atomically with it. `None` if the entry existed.
    async fn record_loyalty(
        &self,
        user: UserId,
        entry: &str,
        delta: i64,
    ) -> StoreResult<Option<i64>>;
    /// A user's loyalty points.
    async fn loyalty_points(&self, user: UserId) -> StoreResult<i64>;
    /// A user's coupons, oldest first.
    async fn coupons_of_user(&self, user: UserId) -> StoreResult<Vec<CouponRecord>>;
    async fn insert_coupon(&self, coupon: &CouponRecord) -> StoreResult<()>;
    async fn coupon(&self, code: &str) -> StoreResult<Option<CouponRecord>>;
    /// Redeems an unredeemed coupon for `booking` in one conditional update; `None` if it does
    /// not exist or was redeemed already.
    async fn redeem_coupon(
        &self,
        code: &str,
        booking: BookingId,
    ) -> StoreResult<Option<CouponRecord>>;
}
