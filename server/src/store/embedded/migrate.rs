//! Brings an embedded file up to the current layout ([`SCHEMA_VERSION`]), in one write
//! transaction, at open and on `migrate`; a file already current is left as it is.
//!
//! Version 1 (no `meta` table) kept records and unique indexes only, and answered per-show and
//! per-user questions by decoding whole tables. Version 2 adds the range indexes; migrating
//! builds them from the records. Records and the version 1 indexes keep their encoding.

use redb::{Database, WriteTransaction};

use super::schema::*;
use crate::store::StoreResult;

const SCHEMA: &str = "schema";

/// Creates missing tables and runs every step from the file's version to the current one.
pub fn migrate_file(db: &Database) -> StoreResult<()> {
    let tx = db.begin_write()?;
    create_all(&tx)?;
    let version = META.write(&tx)?.get(SCHEMA)?.unwrap_or(1);
    if version < 2 {
        build_range_indexes(&tx)?;
    }
    if version < SCHEMA_VERSION {
        META.write(&tx)?.insert(SCHEMA, &SCHEMA_VERSION)?;
    }
    tx.commit()?;
    Ok(())
}

/// Version 1 -> 2: index bookings by time, show and user, tickets by booking, coupons by user,
/// shows by start.
fn build_range_indexes(tx: &WriteTransaction) -> StoreResult<()> {
    for record in BOOKINGS.write(tx)?.all()? {
        super::writes::index_booking(tx, &record)?;
    }
    let mut by_booking = TICKETS_BY_BOOKING.write(tx)?;
    for ticket in TICKETS.write(tx)?.all()? {
        let id = ticket.id.to_string();
        by_booking.insert(&format!("{}|{id}", ticket.booking_id), &id)?;
    }
    let mut by_user = COUPONS_BY_USER.write(tx)?;
    for coupon in COUPONS.write(tx)?.all()? {
        if let Some(user) = coupon.user_id {
            by_user.insert(
                &indexed(Some(&user), coupon.created_at, &coupon.code),
                &coupon.code,
            )?;
        }
    }
    let mut by_start = SHOWS_BY_START.write(tx)?;
    for show in SHOWS.write(tx)?.all()? {
        let id = show.id.to_string();
        by_start.insert(&indexed(None, show.starts_at, &id), &id)?;
    }
    Ok(())
}
