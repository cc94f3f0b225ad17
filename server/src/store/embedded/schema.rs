//! The layout of the embedded file: every table, what its keys are made of, and the schema
//! version (see `migrate.rs`).
//!
//! Records live under their id. Index tables point from a composite key to a record's id;
//! their keys are built here only, so that a prefix (`<show>|`, `<user>|`) or a time range
//! reads exactly the entries of one show, user or period. Times in keys are nanoseconds since
//! the epoch, zero-padded to 20 digits, so they sort as numbers.

use chrono::{DateTime, NaiveDate, NaiveTime, Utc};
use eventory_shared::{SeatId, Show, ShowId, Venue};

use super::table::Table;
use crate::store::records::*;

/// The layout this code writes. 1: records and unique indexes only; 2: adds the
/// `*_by_*` range indexes and `meta`.
pub const SCHEMA_VERSION: i64 = 2;

/// "schema" -> the layout version of the file (absent in version 1 files).
pub const META: Table<i64> = Table::new("meta");

pub const USERS: Table<UserRecord> = Table::new("users");
/// email -> user id.
pub const USERS_BY_EMAIL: Table<String> = Table::new("users_by_email");
/// token hash -> token.
pub const REFRESH_TOKENS: Table<RefreshTokenRecord> = Table::new("refresh_tokens");
pub const VENUES: Table<Venue> = Table::new("venues");
pub const SHOWS: Table<Show> = Table::new("shows");
/// [`time_key`] of the start | show id -> show id.
pub const SHOWS_BY_START: Table<String> = Table::new("shows_by_start");
pub const BOOKINGS: Table<BookingRecord> = Table::new("bookings");
/// code -> booking id.
pub const BOOKING_CODES: Table<String> = Table::new("booking_codes");
/// "user\nkey" -> booking id.
pub const BOOKING_IDEMPOTENCY: Table<String> = Table::new("booking_idempotency");
/// [`time_key`] of creation | booking id -> booking id.
pub const BOOKINGS_BY_TIME: Table<String> = Table::new("bookings_by_time");
/// show | [`time_key`] of creation | booking id -> booking id.
pub const BOOKINGS_BY_SHOW: Table<String> = Table::new("bookings_by_show");
/// user | [`time_key`] of creation | booking id -> booking id.
pub const BOOKINGS_BY_USER: Table<String> = Table::new("bookings_by_user");
pub const TICKETS: Table<TicketRecord> = Table::new("tickets");
/// booking | ticket id -> ticket id.
pub const TICKETS_BY_BOOKING: Table<String> = Table::new("tickets_by_booking");
/// show | seat -> ticket id, for live tickets only: the no-double-sale index, and the live
/// tickets of a show as one prefix.
pub const LIVE_SEATS: Table<String> = Table::new("live_seats");
/// booking id -> its payment.
pub const PAYMENTS: Table<PaymentRecord> = Table::new("payments");
pub const OUTBOX: Table<OutboxEntry> = Table::new("outbox");
/// created ms (20 digits) | id -> id of unsent entries, in order.
pub const OUTBOX_PENDING: Table<String> = Table::new("outbox_pending");
/// consumer | event id.
pub const PROCESSED_EVENTS: Table<()> = Table::new("processed_events");
/// booking id -> its reward.
pub const REWARDS: Table<RewardRecord> = Table::new("rewards");
/// claim code -> booking id of its reward.
pub const REWARD_CLAIMS: Table<String> = Table::new("reward_claims");
/// user id -> points.
pub const LOYALTY: Table<i64> = Table::new("loyalty");
/// Loyalty entries by key (`earn:<booking>`) -> delta: each recorded once.
pub const LOYALTY_ENTRIES: Table<i64> = Table::new("loyalty_entries");
/// code -> coupon.
pub const COUPONS: Table<CouponRecord> = Table::new("coupons");
/// user | [`time_key`] of creation | code -> code.
pub const COUPONS_BY_USER: Table<String> = Table::new("coupons_by_user");
/// at ms (20 digits) | id -> entry, in order.
pub const AUDIT: Table<AuditEntry> = Table::new("audit");
/// audit entry id -> its key in AUDIT: an entry is appended once.
pub const AUDIT_IDS: Table<String> = Table::new("audit_ids");

/// Creates every table the file lacks.
pub fn create_all(tx: &redb::WriteTransaction) -> crate::store::StoreResult<()> {
    META.create(tx)?;
    for table in [
        USERS_BY_EMAIL,
        SHOWS_BY_START,
        BOOKING_CODES,
        BOOKING_IDEMPOTENCY,
        BOOKINGS_BY_TIME,
        BOOKINGS_BY_SHOW,
        BOOKINGS_BY_USER,
        TICKETS_BY_BOOKING,
        LIVE_SEATS,
        OUTBOX_PENDING,
        COUPONS_BY_USER,
        AUDIT_IDS,
        REWARD_CLAIMS,
    ] {
        table.create(tx)?;
    }
    USERS.create(tx)?;
    REFRESH_TOKENS.create(tx)?;
    VENUES.create(tx)?;
    SHOWS.create(tx)?;
    BOOKINGS.create(tx)?;
    TICKETS.create(tx)?;
    PAYMENTS.create(tx)?;
    OUTBOX.create(tx)?;
    PROCESSED_EVENTS.create(tx)?;
    REWARDS.create(tx)?;
    LOYALTY.create(tx)?;
    LOYALTY_ENTRIES.create(tx)?;
    COUPONS.create(tx)?;
    AUDIT.create(tx)?;
    Ok(())
}

/// A time as a key part that sorts as the time does (nanoseconds, 20 digits; times before
/// 1970 sort first together, after 2262 last together).
pub fn time_key(at: DateTime<Utc>) -> String {
    let nanos = at
        .timestamp_nanos_opt()
        .unwrap_or(if at.timestamp() < 0 { 0 } else { i64::MAX });
    format!("{:020}", nanos.max(0))
}

/// Milliseconds, 20 digits: the time part of the outbox and audit keys (layout version 1).
pub fn millis_key(at: DateTime<Utc>) -> String {
    format!("{:020}", at.timestamp_millis().max(0))
}

/// The first instant of a UTC day.
pub fn day_start(day: NaiveDate) -> DateTime<Utc> {
    day.and_time(NaiveTime::MIN).and_utc()
}

pub fn seat_key(show: ShowId, seat: &SeatId) -> String {
    format!("{show}|{seat}")
}

/// A key of one of the `*_by_*` indexes: the owner (if any), the time, the record's key.
pub fn indexed(owner: Option<&dyn std::fmt::Display>, at: DateTime<Utc>, id: &str) -> String {
    match owner {
        Some(owner) => format!("{owner}|{}|{id}", time_key(at)),
        None => format!("{}|{id}", time_key(at)),
    }
}
