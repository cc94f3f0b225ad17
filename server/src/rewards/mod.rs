//! Rewards and loyalty: scratch cards for confirmed bookings of 3+ seats (drawn on the server
//! from a weighted table, revealed once), loyalty points per seat, a coupon for every 10 seats,
//! and everything taken back when a booking is refunded. They go to the booking's buyer (the
//! customer online, the customer attached at the counter or kiosk), never to a staff account;
//! a sale without a customer earns no points, and its card gets a claim code that gives it to
//! the first customer who redeems it.

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
    let buyer = booking.buyer();
    if booking.seats.len() >= MIN_SEATS_FOR_REWARD {
        let reward = RewardRecord {
            booking_id: booking.id,
            user_id: buyer,
            prize: table.draw(&mut rand::rng()).name().to_owned(),
            revealed: false,
            voided: false,
            created_at: Utc::now(),
            claim_code: buyer.is_none().then(claim_code),
        };
        match store.insert_reward(&reward).await {
            Ok(()) | Err(StoreError::Duplicate(_)) => {}
            Err(e) => return Err(e),
        }
    }
    if let Some(user) = buyer {
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
    if let Some(user) = record.booking.buyer() {
        let seats = record.booking.seats.len() as i64;
        store
            .record_loyalty(user, &format!("refund:{}", record.booking.id), -seats)
            .await?;
    }
    Ok(())
}

/// A claim code: 12 characters without look-alikes (60 bits), grouped by 4 for typing.
pub fn claim_code() -> String {
    use rand::Rng;
    const ALPHABET: &[u8] = b"ABCDEFGHJKLMNPQRSTUVWXYZ23456789";
    let mut rng = rand::rng();
    let chars: Vec<char> = (0..12)
        .map(|_| ALPHABET[rng.random_range(0..ALPHABET.len())] as char)
        .collect();
    grouped(&chars)
}

/// `ABCDEFGHJKLM` as `ABCD-EFGH-JKLM`.
fn grouped(chars: &[char]) -> String {
    chars
        .chunks(4)
        .map(|c| c.iter().collect::<String>())
        .collect::<Vec<_>>()
        .join("-")
}

/// A typed claim code as stored (upper case, dashes where they belong; spaces ignored).
pub fn normalise_claim_code(typed: &str) -> Option<String> {
    let chars: Vec<char> = typed
        .chars()
        .filter(|c| !matches!(c, ' ' | '-'))
        .map(|c| c.to_ascii_uppercase())
        .collect();
    if chars.len() != 12 || !chars.iter().all(char::is_ascii_alphanumeric) {
        return None;
    }
    Some(grouped(&chars))
}

/// Why a claim was refused.
#[derive(Debug, thiserror::Error)]
pub enum ClaimError {
    #[error("no scratch card has this claim code")]
    Unknown,
    #[error("this scratch card was claimed already")]
    Claimed,
    #[error("this scratch card was voided (its booking was refunded)")]
    Voided,
    #[error("only customer accounts collect scratch cards")]
    NotACustomer,
    #[error(transparent)]
    Store(#[from] StoreError),
}

/// Gives the card printed with `code` to the calling customer, once. The same customer
/// claiming again gets the card again (a retry); anyone else is refused.
pub async fn claim(
    store: &dyn Store,
    caller: &Caller,
    code: &str,
) -> Result<RewardRecord, ClaimError> {
    if caller.role != eventory_shared::Role::Customer {
        return Err(ClaimError::NotACustomer);
    }
    let code = normalise_claim_code(code).ok_or(ClaimError::Unknown)?;
    if let Some(claimed) = store.claim_reward(&code, caller.user_id).await? {
        metrics::counter!("eventory_rewards_claimed_total").increment(1);
        return Ok(claimed);
    }
    match store.reward_by_claim_code(&code).await? {
        None => Err(ClaimError::Unknown),
        Some(r) if r.user_id == Some(caller.user_id) => Ok(r),
        Some(r) if r.user_id.is_some() => Err(ClaimError::Claimed),
        Some(_) => Err(ClaimError::Voided),
    }
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

/// Whether `caller` may see and scratch the card of `booking`: whoever may see the booking
/// (its buyer; the kiosk right after its sale; counter staff), or the customer who claimed it.
pub async fn may_use_card(
    store: &dyn Store,
    caller: &Caller,
    booking: BookingId,
) -> StoreResult<bool> {
    let now = Utc::now();
    let sees_booking = store
        .booking(booking)
        .await?
        .is_some_and(|r| crate::auth::may_see(caller, &r.booking, now));
    Ok(sees_booking
        || store
            .reward(booking)
            .await?
            .is_some_and(|r| r.user_id == Some(caller.user_id)))
}

/// Reveals a scratch card the caller may use.
pub async fn scratch(
    store: &dyn Store,
    caller: &Caller,
    booking: BookingId,
) -> Result<Scratched, ScratchError> {
    if !may_use_card(store, caller, booking).await? {
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn claim_codes_are_typed_back_in_any_case_and_spacing() {
        let code = claim_code();
        assert_eq!(code.len(), 14, "{code}");
        assert_eq!(normalise_claim_code(&code).as_deref(), Some(code.as_str()));
        let typed = code.replace('-', " ").to_lowercase();
        assert_eq!(normalise_claim_code(&typed).as_deref(), Some(code.as_str()));
        assert_eq!(normalise_claim_code("ABCD-EFGH"), None);
        assert_eq!(normalise_claim_code("ABCD-EFGH-JK!M"), None);
        assert_ne!(claim_code(), claim_code());
    }
}
