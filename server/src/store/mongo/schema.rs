//! The collections of the MongoDB store, the date fields of their records, and their indexes.
//!
//! Keys: records with an id are under it (`_id` a UUID: users, venues, shows, bookings,
//! tickets, outbox, audit; payments and rewards under their booking's id, loyalty under the
//! user's); natural keys stay strings (refresh token hash, coupon code, booking code, loyalty
//! entry); two keys are pairs (`booking_idempotency`: `{user_id, key}`, `processed_events`:
//! `{consumer, event_id}`).

use mongodb::bson::{doc, Document};
use mongodb::options::IndexOptions;
use mongodb::IndexModel;

/// A collection and which top-level fields of its documents are timestamps.
pub struct Coll {
    pub name: &'static str,
    pub dates: &'static [&'static str],
}

pub const USERS: Coll = Coll {
    name: "users",
    dates: &["created_at"],
};
pub const REFRESH_TOKENS: Coll = Coll {
    name: "refresh_tokens",
    dates: &["expires_at", "family_expires_at", "used_at"],
};
pub const VENUES: Coll = Coll {
    name: "venues",
    dates: &[],
};
pub const SHOWS: Coll = Coll {
    name: "shows",
    dates: &["starts_at", "sale_opens_at", "sale_closes_at"],
};
pub const BOOKINGS: Coll = Coll {
    name: "bookings",
    dates: &["created_at", "updated_at"],
};
/// code -> `booking_id`.
pub const BOOKING_CODES: Coll = Coll {
    name: "booking_codes",
    dates: &[],
};
/// `{user_id, key}` -> `booking_id`.
pub const BOOKING_IDEMPOTENCY: Coll = Coll {
    name: "booking_idempotency",
    dates: &[],
};
/// Live tickets only: the unique (show_id, seat_id) index is the no-double-sale backstop.
pub const TICKETS: Coll = Coll {
    name: "tickets",
    dates: &["issued_at"],
};
/// Refunded tickets move here, out of the unique index.
pub const REFUNDED_TICKETS: Coll = Coll {
    name: "refunded_tickets",
    dates: &["issued_at"],
};
pub const PAYMENTS: Coll = Coll {
    name: "payments",
    dates: &["at"],
};
/// With a `pending` flag, for the relay's queue.
pub const OUTBOX: Coll = Coll {
    name: "outbox",
    dates: &["created_at", "sent_at"],
};
pub const PROCESSED_EVENTS: Coll = Coll {
    name: "processed_events",
    dates: &[],
};
pub const REWARDS: Coll = Coll {
    name: "rewards",
    dates: &["created_at"],
};
/// user id -> `points`.
pub const LOYALTY: Coll = Coll {
    name: "loyalty",
    dates: &[],
};
/// entry key -> `user`, `delta`.
pub const LOYALTY_ENTRIES: Coll = Coll {
    name: "loyalty_entries",
    dates: &[],
};
pub const COUPONS: Coll = Coll {
    name: "coupons",
    dates: &["created_at"],
};
pub const AUDIT: Coll = Coll {
    name: "audit",
    dates: &["at"],
};
/// `{_id: "schema", version}`: the layout the documents are in (see `migrate.rs`).
pub const META: Coll = Coll {
    name: "meta",
    dates: &[],
};

/// Every collection holding records.
pub const ALL: [&Coll; 17] = [
    &USERS,
    &REFRESH_TOKENS,
    &VENUES,
    &SHOWS,
    &BOOKINGS,
    &BOOKING_CODES,
    &BOOKING_IDEMPOTENCY,
    &TICKETS,
    &REFUNDED_TICKETS,
    &PAYMENTS,
    &OUTBOX,
    &PROCESSED_EVENTS,
    &REWARDS,
    &LOYALTY,
    &LOYALTY_ENTRIES,
    &COUPONS,
    &AUDIT,
];

/// The indexes of the current layout, by collection.
pub fn indexes() -> Vec<(&'static str, IndexModel)> {
    let unique = |keys: Document| {
        IndexModel::builder()
            .keys(keys)
            .options(IndexOptions::builder().unique(true).build())
            .build()
    };
    let plain = |keys: Document| IndexModel::builder().keys(keys).build();
    vec![
        (USERS.name, unique(doc! { "email": 1 })),
        (TICKETS.name, unique(doc! { "show_id": 1, "seat_id": 1 })),
        (TICKETS.name, plain(doc! { "booking_id": 1 })),
        (REFUNDED_TICKETS.name, plain(doc! { "booking_id": 1 })),
        (
            BOOKINGS.name,
            plain(doc! { "show_id": 1, "created_at": -1 }),
        ),
        (
            BOOKINGS.name,
            plain(doc! { "user_id": 1, "created_at": -1 }),
        ),
        (BOOKINGS.name, plain(doc! { "created_at": -1 })),
        (BOOKINGS.name, plain(doc! { "code": 1 })),
        (OUTBOX.name, plain(doc! { "pending": 1, "created_at": 1 })),
        (SHOWS.name, plain(doc! { "starts_at": 1 })),
        (SHOWS.name, plain(doc! { "status": 1, "starts_at": 1 })),
        (COUPONS.name, plain(doc! { "user_id": 1 })),
        (REWARDS.name, plain(doc! { "claim_code": 1 })),
        (AUDIT.name, plain(doc! { "at": -1 })),
        (REFRESH_TOKENS.name, plain(doc! { "family": 1 })),
        (REFRESH_TOKENS.name, plain(doc! { "user_id": 1 })),
    ]
}

/// Indexes of the first layout, on the millisecond shadow fields it kept: dropped.
pub const OLD_INDEXES: [(&str, &str); 4] = [
    ("bookings", "show_id_1_created_ms_-1"),
    ("bookings", "user_id_1_created_ms_-1"),
    ("outbox", "pending_1_created_ms_1"),
    ("shows", "starts_ms_1"),
];
