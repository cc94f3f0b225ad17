//! Scratch cards (`rewards`, by booking), loyalty (`loyalty` totals by user, each
//! `loyalty_entries` key once) and coupons in MongoDB.

use async_trait::async_trait;
use eventory_shared::{BookingId, UserId};
use mongodb::bson::{doc, Bson, Document};
use mongodb::options::ReturnDocument;

use super::codec::{self, uuid};
use super::schema::{COUPONS, LOYALTY, LOYALTY_ENTRIES, REWARDS};
use super::MongoStore;
use crate::store::records::*;
use crate::store::{RewardStore, StoreError, StoreResult};

fn points_of(d: &Document) -> Option<i64> {
    match d.get("points")? {
        Bson::Int64(n) => Some(*n),
        Bson::Int32(n) => Some(i64::from(*n)),
        Bson::Double(n) => Some(*n as i64),
        _ => None,
    }
}

#[async_trait]
impl RewardStore for MongoStore {
    async fn insert_reward(&self, reward: &RewardRecord) -> StoreResult<()> {
        self.insert_unique(
            &REWARDS,
            uuid(reward.booking_id.as_uuid()),
            reward,
            "a reward for this booking",
        )
        .await
    }

    async fn reward(&self, booking: BookingId) -> StoreResult<Option<RewardRecord>> {
        self.find_one(&REWARDS, doc! { "_id": uuid(booking.as_uuid()) })
            .await
    }

    async fn reveal_reward(&self, booking: BookingId) -> StoreResult<Option<RewardRecord>> {
        let found = self
            .coll(&REWARDS)
            .find_one_and_update(
                doc! { "_id": uuid(booking.as_uuid()), "revealed": false, "voided": false },
                doc! { "$set": { "revealed": true } },
            )
            .return_document(ReturnDocument::After)
            .await?;
        found.map(codec::decode).transpose()
    }

    async fn reward_by_claim_code(&self, code: &str) -> StoreResult<Option<RewardRecord>> {
        self.find_one(&REWARDS, doc! { "claim_code": code }).await
    }

    async fn claim_reward(&self, code: &str, user: UserId) -> StoreResult<Option<RewardRecord>> {
        let found = self
            .coll(&REWARDS)
            .find_one_and_update(
                doc! { "claim_code": code, "user_id": Bson::Null, "voided": false },
                doc! { "$set": { "user_id": uuid(user.as_uuid()) } },
            )
            .return_document(ReturnDocument::After)
            .await?;
        found.map(codec::decode).transpose()
    }

    async fn void_reward(&self, booking: BookingId) -> StoreResult<bool> {
        let result = self
            .coll(&REWARDS)
            .update_one(
                doc! { "_id": uuid(booking.as_uuid()), "revealed": false, "voided": false },
                doc! { "$set": { "voided": true } },
            )
            .await?;
        Ok(result.modified_count == 1)
    }

    async fn record_loyalty(
        &self,
        user: UserId,
        entry: &str,
        delta: i64,
    ) -> StoreResult<Option<i64>> {
        let result = self
            .in_transaction(|store, session| {
                let entry = entry.to_owned();
                Box::pin(async move {
                    store
                        .coll(&LOYALTY_ENTRIES)
                        .insert_one(
                            doc! { "_id": entry, "user": uuid(user.as_uuid()), "delta": delta },
                        )
                        .session(&mut *session)
                        .await?;
                    let found = store
                        .coll(&LOYALTY)
                        .find_one_and_update(
                            doc! { "_id": uuid(user.as_uuid()) },
                            doc! { "$inc": { "points": delta } },
                        )
                        .upsert(true)
                        .return_document(ReturnDocument::After)
                        .session(&mut *session)
                        .await?;
                    Ok(found.and_then(|d| points_of(&d)))
                })
            })
            .await;
        match result {
            Ok(Some(total)) => Ok(Some(total)),
            Ok(None) => Ok(Some(self.loyalty_points(user).await?)),
            Err(StoreError::Duplicate(_)) => Ok(None),
            Err(e) => Err(e),
        }
    }

    async fn loyalty_points(&self, user: UserId) -> StoreResult<i64> {
        let found = self
            .coll(&LOYALTY)
            .find_one(doc! { "_id": uuid(user.as_uuid()) })
            .await?;
        Ok(found.and_then(|d| points_of(&d)).unwrap_or(0))
    }

    async fn coupons_of_user(&self, user: UserId) -> StoreResult<Vec<CouponRecord>> {
        let mut coupons: Vec<CouponRecord> = self
            .find_all(
                &COUPONS,
                doc! { "user_id": uuid(user.as_uuid()) },
                None,
                None,
            )
            .await?;
        coupons.sort_by_key(|c| c.created_at);
        Ok(coupons)
    }

    async fn insert_coupon(&self, coupon: &CouponRecord) -> StoreResult<()> {
        self.insert_unique(
            &COUPONS,
            Bson::String(coupon.code.clone()),
            coupon,
            "coupon",
        )
        .await
    }

    async fn coupon(&self, code: &str) -> StoreResult<Option<CouponRecord>> {
        self.find_one(&COUPONS, doc! { "_id": code }).await
    }

    async fn redeem_coupon(
        &self,
        code: &str,
        booking: BookingId,
    ) -> StoreResult<Option<CouponRecord>> {
        let found = self
            .coll(&COUPONS)
            .find_one_and_update(
                doc! { "_id": code, "redeemed_by": Bson::Null },
                doc! { "$set": { "redeemed_by": uuid(booking.as_uuid()) } },
            )
            .return_document(ReturnDocument::After)
            .await?;
        found.map(codec::decode).transpose()
    }
}
