//! Steps several capabilities take inside one write transaction: a booking's insert (with its
//! indexes), a conditional status change, an outbox entry, voiding a reward.

use chrono::Utc;
use eventory_shared::{BookingId, BookingStatus};
use redb::WriteTransaction;

use super::schema::*;
use crate::store::records::*;
use crate::store::StoreResult;

/// Writes an outbox entry (its id unique), and its place in the pending queue if unsent.
pub fn write_outbox(tx: &WriteTransaction, entry: &OutboxEntry) -> StoreResult<()> {
    let id = entry.id.to_string();
    OUTBOX.write(tx)?.insert_new(&id, entry, "outbox entry")?;
    if entry.sent_at.is_none() {
        let key = format!("{}|{id}", millis_key(entry.created_at));
        OUTBOX_PENDING.write(tx)?.insert(&key, &id)?;
    }
    Ok(())
}

/// The range index entries of a booking: by creation time, by show and by user. A booking's
/// show, user and creation time never change, so these are written once.
pub fn index_booking(tx: &WriteTransaction, record: &BookingRecord) -> StoreResult<()> {
    let b = &record.booking;
    let id = b.id.to_string();
    BOOKINGS_BY_TIME
        .write(tx)?
        .insert(&indexed(None, b.created_at, &id), &id)?;
    BOOKINGS_BY_SHOW
        .write(tx)?
        .insert(&indexed(Some(&b.show_id), b.created_at, &id), &id)?;
    if let Some(user) = b.user_id {
        BOOKINGS_BY_USER
            .write(tx)?
            .insert(&indexed(Some(&user), b.created_at, &id), &id)?;
    }
    Ok(())
}

/// Inserts a new booking (its code, and its idempotency key if any, unique) with its indexes.
pub fn insert_booking(tx: &WriteTransaction, record: &BookingRecord) -> StoreResult<()> {
    let id = record.booking.id.to_string();
    if let (Some(user), Some(key)) = (record.booking.user_id, &record.idempotency_key) {
        BOOKING_IDEMPOTENCY.write(tx)?.insert_new(
            &format!("{user}\n{key}"),
            &id,
            "a booking with this idempotency key",
        )?;
    }
    BOOKING_CODES
        .write(tx)?
        .insert_new(&record.booking.code, &id, "a booking with this code")?;
    BOOKINGS.write(tx)?.insert_new(&id, record, "booking")?;
    index_booking(tx, record)
}

/// Moves a booking from one of `from` to `to`; `None` (writing nothing) if it was in none.
pub fn transition(
    tx: &WriteTransaction,
    id: BookingId,
    from: &[BookingStatus],
    to: BookingStatus,
) -> StoreResult<Option<BookingRecord>> {
    let mut bookings = BOOKINGS.write(tx)?;
    let key = id.to_string();
    let Some(mut record) = bookings.get(&key)? else {
        return Ok(None);
    };
    if !from.contains(&record.booking.status) {
        return Ok(None);
    }
    record.booking.status = to;
    record.booking.updated_at = Utc::now();
    bookings.insert(&key, &record)?;
    Ok(Some(record))
}

/// Voids a booking's unrevealed reward; `false` if there was none to void.
pub fn void_reward(tx: &WriteTransaction, booking: BookingId) -> StoreResult<bool> {
    let mut rewards = REWARDS.write(tx)?;
    let key = booking.to_string();
    let Some(mut reward) = rewards.get(&key)? else {
        return Ok(false);
    };
    if reward.revealed || reward.voided {
        return Ok(false);
    }
    reward.voided = true;
    rewards.insert(&key, &reward)?;
    Ok(true)
}
