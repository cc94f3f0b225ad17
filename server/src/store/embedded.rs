//! `EmbeddedStore`: the store in one redb file in the data folder (the single-box default).
//!
//! redb is a pure-Rust, ACID, copy-on-write B-tree database in a single file, maintained and
//! widely used; no server to run, crash-safe commits. Each record is JSON under its key; the
//! unique indexes (email, live seat, idempotency key, payment per booking, ...) are tables of
//! their own, checked and written in the same write transaction as the record. redb runs one
//! write transaction at a time, so every operation here is atomic and conditional updates are
//! race-free by construction.

use std::path::Path;
use std::sync::Arc;

use anyhow::anyhow;
use async_trait::async_trait;
use chrono::{DateTime, Utc};
use eventory_shared::api::ShowFilter;
use eventory_shared::{BookingId, BookingStatus, Show, ShowId, ShowStatus, UserId, Venue, VenueId};
use redb::{Database, ReadTransaction, ReadableTable, TableDefinition, WriteTransaction};
use serde::de::DeserializeOwned;
use serde::Serialize;
use uuid::Uuid;

use super::records::*;
use super::{normalize_email, Store, StoreError, StoreResult};

type Def = TableDefinition<'static, &'static str, &'static [u8]>;

const USERS: Def = TableDefinition::new("users");
const USERS_BY_EMAIL: Def = TableDefinition::new("users_by_email");
const REFRESH_TOKENS: Def = TableDefinition::new("refresh_tokens");
const VENUES: Def = TableDefinition::new("venues");
const SHOWS: Def = TableDefinition::new("shows");
const BOOKINGS: Def = TableDefinition::new("bookings");
const BOOKING_CODES: Def = TableDefinition::new("booking_codes");
const BOOKING_IDEMPOTENCY: Def = TableDefinition::new("booking_idempotency");
const TICKETS: Def = TableDefinition::new("tickets");
/// "show|seat" -> ticket id, for live tickets only: the no-double-sale index.
const LIVE_SEATS: Def = TableDefinition::new("live_seats");
const PAYMENTS: Def = TableDefinition::new("payments");
const OUTBOX: Def = TableDefinition::new("outbox");
/// "created_ms|id" -> id of unsent entries, in order.
const OUTBOX_PENDING: Def = TableDefinition::new("outbox_pending");
const PROCESSED_EVENTS: Def = TableDefinition::new("processed_events");
const REWARDS: Def = TableDefinition::new("rewards");
const LOYALTY: Def = TableDefinition::new("loyalty");
/// Loyalty entries by key ("earn:<booking>"): each recorded once.
const LOYALTY_ENTRIES: Def = TableDefinition::new("loyalty_entries");
const COUPONS: Def = TableDefinition::new("coupons");
const AUDIT: Def = TableDefinition::new("audit");
/// audit entry id -> its key in AUDIT: an entry is appended once.
const AUDIT_IDS: Def = TableDefinition::new("audit_ids");

const ALL_TABLES: [Def; 20] = [
    USERS,
    USERS_BY_EMAIL,
    REFRESH_TOKENS,
    VENUES,
    SHOWS,
    BOOKINGS,
    BOOKING_CODES,
    BOOKING_IDEMPOTENCY,
    TICKETS,
    LIVE_SEATS,
    PAYMENTS,
    OUTBOX,
    OUTBOX_PENDING,
    PROCESSED_EVENTS,
    REWARDS,
    LOYALTY,
    LOYALTY_ENTRIES,
    COUPONS,
    AUDIT,
    AUDIT_IDS,
];

/// The embedded store.
#[derive(Clone)]
pub struct EmbeddedStore {
    db: Arc<Database>,
}

fn backend(e: impl std::fmt::Display) -> StoreError {
    StoreError::Backend(anyhow!("embedded store: {e}"))
}

fn encode<T: Serialize>(value: &T) -> StoreResult<Vec<u8>> {
    serde_json::to_vec(value).map_err(backend)
}

fn decode<T: DeserializeOwned>(bytes: &[u8]) -> StoreResult<T> {
    serde_json::from_slice(bytes).map_err(backend)
}

fn get<T: DeserializeOwned>(
    table: &impl ReadableTable<&'static str, &'static [u8]>,
    key: &str,
) -> StoreResult<Option<T>> {
    match table.get(key).map_err(backend)? {
        Some(guard) => Ok(Some(decode(guard.value())?)),
        None => Ok(None),
    }
}

fn all<T: DeserializeOwned>(
    table: &impl ReadableTable<&'static str, &'static [u8]>,
) -> StoreResult<Vec<T>> {
    let mut out = Vec::new();
    for entry in table.iter().map_err(backend)? {
        let (_, value) = entry.map_err(backend)?;
        out.push(decode(value.value())?);
    }
    Ok(out)
}

fn seat_key(show: ShowId, seat: &eventory_shared::SeatId) -> String {
    format!("{show}|{seat}")
}

impl EmbeddedStore {
    /// Opens (or creates) the database file.
    pub fn open(path: &Path) -> anyhow::Result<Self> {
        let db =
            Database::create(path).map_err(|e| anyhow!("cannot open {}: {e}", path.display()))?;
        Ok(Self { db: Arc::new(db) })
    }

    async fn write<T, F>(&self, f: F) -> StoreResult<T>
    where
        T: Send + 'static,
        F: FnOnce(&WriteTransaction) -> StoreResult<T> + Send + 'static,
    {
        let db = self.db.clone();
        tokio::task::spawn_blocking(move || {
            let tx = db.begin_write().map_err(backend)?;
            // An error returns before commit: dropping the transaction aborts it.
            let out = f(&tx)?;
            tx.commit().map_err(backend)?;
            Ok(out)
        })
        .await
        .map_err(|e| backend(format!("store task: {e}")))?
    }

    async fn read<T, F>(&self, f: F) -> StoreResult<T>
    where
        T: Send + 'static,
        F: FnOnce(&ReadTransaction) -> StoreResult<T> + Send + 'static,
    {
        let db = self.db.clone();
        tokio::task::spawn_blocking(move || {
            let tx = db.begin_read().map_err(backend)?;
            f(&tx)
        })
        .await
        .map_err(|e| backend(format!("store task: {e}")))?
    }

    fn write_outbox(tx: &WriteTransaction, entry: &OutboxEntry) -> StoreResult<()> {
        let id = entry.id.to_string();
        let mut outbox = tx.open_table(OUTBOX).map_err(backend)?;
        if outbox.get(id.as_str()).map_err(backend)?.is_some() {
            return Err(StoreError::Duplicate("outbox entry"));
        }
        outbox
            .insert(id.as_str(), encode(entry)?.as_slice())
            .map_err(backend)?;
        if entry.sent_at.is_none() {
            let key = format!("{:020}|{id}", entry.created_at.timestamp_millis().max(0));
            tx.open_table(OUTBOX_PENDING)
                .map_err(backend)?
                .insert(key.as_str(), id.as_bytes())
                .map_err(backend)?;
        }
        Ok(())
    }

    /// Inserts a new booking inside `tx` (its code, and its idempotency key if any, unique).
    fn insert_booking_in(tx: &WriteTransaction, booking: &BookingRecord) -> StoreResult<()> {
        let id = booking.booking.id.to_string();
        if let (Some(user), Some(key)) = (booking.booking.user_id, &booking.idempotency_key) {
            let mut idem = tx.open_table(BOOKING_IDEMPOTENCY).map_err(backend)?;
            let idem_key = format!("{user}\n{key}");
            if idem.get(idem_key.as_str()).map_err(backend)?.is_some() {
                return Err(StoreError::Duplicate("a booking with this idempotency key"));
            }
            idem.insert(idem_key.as_str(), id.as_bytes())
                .map_err(backend)?;
        }
        let mut codes = tx.open_table(BOOKING_CODES).map_err(backend)?;
        if codes
            .get(booking.booking.code.as_str())
            .map_err(backend)?
            .is_some()
        {
            return Err(StoreError::Duplicate("a booking with this code"));
        }
        codes
            .insert(booking.booking.code.as_str(), id.as_bytes())
            .map_err(backend)?;
        let mut bookings = tx.open_table(BOOKINGS).map_err(backend)?;
        if bookings.get(id.as_str()).map_err(backend)?.is_some() {
            return Err(StoreError::Duplicate("booking"));
        }
        bookings
            .insert(id.as_str(), encode(&booking)?.as_slice())
            .map_err(backend)?;
        Ok(())
    }

    /// Voids a booking's unrevealed reward inside `tx`; `false` if there was none to void.
    fn void_reward_in(tx: &WriteTransaction, booking: BookingId) -> StoreResult<bool> {
        let mut rewards = tx.open_table(REWARDS).map_err(backend)?;
        let key = booking.to_string();
        let Some(mut reward) = get::<RewardRecord>(&rewards, &key)? else {
            return Ok(false);
        };
        if reward.revealed || reward.voided {
            return Ok(false);
        }
        reward.voided = true;
        rewards
            .insert(key.as_str(), encode(&reward)?.as_slice())
            .map_err(backend)?;
        Ok(true)
    }

    /// One conditional booking update inside `tx`.
    fn transition(
        tx: &WriteTransaction,
        id: BookingId,
        from: &[BookingStatus],
        to: BookingStatus,
    ) -> StoreResult<Option<BookingRecord>> {
        let mut bookings = tx.open_table(BOOKINGS).map_err(backend)?;
        let key = id.to_string();
        let Some(mut record) = get::<BookingRecord>(&bookings, &key)? else {
            return Ok(None);
        };
        if !from.contains(&record.booking.status) {
            return Ok(None);
        }
        record.booking.status = to;
        record.booking.updated_at = Utc::now();
        bookings
            .insert(key.as_str(), encode(&record)?.as_slice())
            .map_err(backend)?;
        Ok(Some(record))
    }
}

#[async_trait]
impl Store for EmbeddedStore {
    fn backend(&self) -> &'static str {
        "embedded"
    }

    async fn ping(&self) -> StoreResult<()> {
        self.read(|tx| {
            tx.open_table(USERS).map_err(backend)?;
            Ok(())
        })
        .await
    }

    async fn migrate(&self) -> StoreResult<()> {
        self.write(|tx| {
            for table in ALL_TABLES {
                tx.open_table(table).map_err(backend)?;
            }
            Ok(())
        })
        .await
    }

    async fn insert_user(&self, user: &UserRecord) -> StoreResult<()> {
        let mut user = user.clone();
        user.email = normalize_email(&user.email);
        self.write(move |tx| {
            let mut by_email = tx.open_table(USERS_BY_EMAIL).map_err(backend)?;
            if by_email
                .get(user.email.as_str())
                .map_err(backend)?
                .is_some()
            {
                return Err(StoreError::Duplicate("a user with this email"));
            }
            let id = user.id.to_string();
            by_email
                .insert(user.email.as_str(), id.as_bytes())
                .map_err(backend)?;
            tx.open_table(USERS)
                .map_err(backend)?
                .insert(id.as_str(), encode(&user)?.as_slice())
                .map_err(backend)?;
            Ok(())
        })
        .await
    }

    async fn user_by_email(&self, email: &str) -> StoreResult<Option<UserRecord>> {
        let email = normalize_email(email);
        self.read(move |tx| {
            let by_email = tx.open_table(USERS_BY_EMAIL).map_err(backend)?;
            let Some(id) = by_email.get(email.as_str()).map_err(backend)? else {
                return Ok(None);
            };
            let id = String::from_utf8_lossy(id.value()).into_owned();
            get(&tx.open_table(USERS).map_err(backend)?, &id)
        })
        .await
    }

    async fn user(&self, id: UserId) -> StoreResult<Option<UserRecord>> {
        self.read(move |tx| get(&tx.open_table(USERS).map_err(backend)?, &id.to_string()))
            .await
    }

    async fn set_user_disabled(&self, id: UserId, disabled: bool) -> StoreResult<bool> {
        self.write(move |tx| {
            let mut users = tx.open_table(USERS).map_err(backend)?;
            let key = id.to_string();
            let Some(mut user) = get::<UserRecord>(&users, &key)? else {
                return Ok(false);
            };
            user.disabled = disabled;
            users
                .insert(key.as_str(), encode(&user)?.as_slice())
                .map_err(backend)?;
            Ok(true)
        })
        .await
    }

    async fn insert_refresh_token(&self, token: &RefreshTokenRecord) -> StoreResult<()> {
        let token = token.clone();
        self.write(move |tx| {
            let mut tokens = tx.open_table(REFRESH_TOKENS).map_err(backend)?;
            if tokens
                .get(token.token_hash.as_str())
                .map_err(backend)?
                .is_some()
            {
                return Err(StoreError::Duplicate("refresh token"));
            }
            tokens
                .insert(token.token_hash.as_str(), encode(&token)?.as_slice())
                .map_err(backend)?;
            Ok(())
        })
        .await
    }

    async fn consume_refresh_token(
        &self,
        token_hash: &str,
        now: DateTime<Utc>,
    ) -> StoreResult<Option<RefreshTokenRecord>> {
        let hash = token_hash.to_owned();
        self.write(move |tx| {
            let mut tokens = tx.open_table(REFRESH_TOKENS).map_err(backend)?;
            let Some(mut token) = get::<RefreshTokenRecord>(&tokens, &hash)? else {
                return Ok(None);
            };
            if token.revoked || token.expires_at <= now {
                return Ok(None);
            }
            token.revoked = true;
            tokens
                .insert(hash.as_str(), encode(&token)?.as_slice())
                .map_err(backend)?;
            Ok(Some(token))
        })
        .await
    }

    async fn insert_venue(&self, venue: &Venue) -> StoreResult<()> {
        let venue = venue.clone();
        self.write(move |tx| {
            let mut venues = tx.open_table(VENUES).map_err(backend)?;
            let key = venue.id.to_string();
            if venues.get(key.as_str()).map_err(backend)?.is_some() {
                return Err(StoreError::Duplicate("venue"));
            }
            venues
                .insert(key.as_str(), encode(&venue)?.as_slice())
                .map_err(backend)?;
            Ok(())
        })
        .await
    }

    async fn venue(&self, id: VenueId) -> StoreResult<Option<Venue>> {
        self.read(move |tx| get(&tx.open_table(VENUES).map_err(backend)?, &id.to_string()))
            .await
    }

    async fn venues(&self) -> StoreResult<Vec<Venue>> {
        self.read(|tx| all(&tx.open_table(VENUES).map_err(backend)?))
            .await
    }

    async fn insert_show(&self, show: &Show) -> StoreResult<()> {
        let show = show.clone();
        self.write(move |tx| {
            let mut shows = tx.open_table(SHOWS).map_err(backend)?;
            let key = show.id.to_string();
            if shows.get(key.as_str()).map_err(backend)?.is_some() {
                return Err(StoreError::Duplicate("show"));
            }
            shows
                .insert(key.as_str(), encode(&show)?.as_slice())
                .map_err(backend)?;
            Ok(())
        })
        .await
    }

    async fn show(&self, id: ShowId) -> StoreResult<Option<Show>> {
        self.read(move |tx| get(&tx.open_table(SHOWS).map_err(backend)?, &id.to_string()))
            .await
    }

    async fn shows(&self, filter: &ShowFilter) -> StoreResult<Vec<Show>> {
        let filter = filter.clone();
        let mut shows: Vec<Show> = self
            .read(|tx| all(&tx.open_table(SHOWS).map_err(backend)?))
            .await?;
        shows.retain(|s| {
            filter.date.is_none_or(|d| s.starts_at.date_naive() == d)
                && filter.venue_id.is_none_or(|v| s.venue_id == v)
        });
        shows.sort_by_key(|s| (s.starts_at, s.id));
        Ok(shows)
    }

    async fn upcoming_shows(&self, now: DateTime<Utc>) -> StoreResult<Vec<Show>> {
        let mut shows: Vec<Show> = self
            .read(|tx| all(&tx.open_table(SHOWS).map_err(backend)?))
            .await?;
        shows.retain(|s| s.starts_at > now && s.status != ShowStatus::Cancelled);
        shows.sort_by_key(|s| (s.starts_at, s.id));
        Ok(shows)
    }

    async fn insert_booking_with_outbox(
        &self,
        booking: &BookingRecord,
        outbox: &OutboxEntry,
    ) -> StoreResult<()> {
        let (booking, outbox) = (booking.clone(), outbox.clone());
        self.write(move |tx| {
            Self::insert_booking_in(tx, &booking)?;
            Self::write_outbox(tx, &outbox)
        })
        .await
    }

    async fn begin_exchange(
        &self,
        old: BookingId,
        new: &BookingRecord,
        outbox: &OutboxEntry,
    ) -> StoreResult<Option<BookingRecord>> {
        let (new, outbox) = (new.clone(), outbox.clone());
        self.write(move |tx| {
            let Some(mut claimed) = Self::transition(
                tx,
                old,
                &[BookingStatus::Confirmed],
                BookingStatus::Exchanging,
            )?
            else {
                return Ok(None);
            };
            claimed.exchange_to = Some(new.booking.id);
            tx.open_table(BOOKINGS)
                .map_err(backend)?
                .insert(old.to_string().as_str(), encode(&claimed)?.as_slice())
                .map_err(backend)?;
            Self::insert_booking_in(tx, &new)?;
            Self::write_outbox(tx, &outbox)?;
            Ok(Some(claimed))
        })
        .await
    }

    async fn booking(&self, id: BookingId) -> StoreResult<Option<BookingRecord>> {
        self.read(move |tx| get(&tx.open_table(BOOKINGS).map_err(backend)?, &id.to_string()))
            .await
    }

    async fn booking_by_code(&self, code: &str) -> StoreResult<Option<BookingRecord>> {
        let code = code.trim().to_uppercase();
        self.read(move |tx| {
            let codes = tx.open_table(BOOKING_CODES).map_err(backend)?;
            let Some(id) = codes.get(code.as_str()).map_err(backend)? else {
                return Ok(None);
            };
            let id = String::from_utf8_lossy(id.value()).into_owned();
            get(&tx.open_table(BOOKINGS).map_err(backend)?, &id)
        })
        .await
    }

    async fn booking_by_idempotency_key(
        &self,
        user: UserId,
        key: &str,
    ) -> StoreResult<Option<BookingRecord>> {
        let idem_key = format!("{user}\n{key}");
        self.read(move |tx| {
            let idem = tx.open_table(BOOKING_IDEMPOTENCY).map_err(backend)?;
            let Some(id) = idem.get(idem_key.as_str()).map_err(backend)? else {
                return Ok(None);
            };
            let id = String::from_utf8_lossy(id.value()).into_owned();
            get(&tx.open_table(BOOKINGS).map_err(backend)?, &id)
        })
        .await
    }

    async fn bookings(&self, filter: &BookingFilter) -> StoreResult<Vec<BookingRecord>> {
        let filter = filter.clone();
        let mut bookings: Vec<BookingRecord> = self
            .read(|tx| all(&tx.open_table(BOOKINGS).map_err(backend)?))
            .await?;
        bookings.retain(|r| {
            let b = &r.booking;
            filter.show_id.is_none_or(|s| b.show_id == s)
                && filter.user_id.is_none_or(|u| b.user_id == Some(u))
                && filter.channel.is_none_or(|c| b.channel == c)
                && filter.status.is_none_or(|s| b.status == s)
                && filter.from.is_none_or(|f| b.created_at >= f)
                && filter.to.is_none_or(|t| b.created_at < t)
        });
        bookings.sort_by_key(|r| std::cmp::Reverse(r.booking.created_at));
        bookings.truncate(if filter.limit == 0 { 100 } else { filter.limit });
        Ok(bookings)
    }

    async fn transition_booking(
        &self,
        id: BookingId,
        from: &[BookingStatus],
        to: BookingStatus,
        outbox: Option<&OutboxEntry>,
    ) -> StoreResult<Option<BookingRecord>> {
        let (from, outbox) = (from.to_vec(), outbox.cloned());
        self.write(move |tx| {
            let moved = Self::transition(tx, id, &from, to)?;
            if let (Some(_), Some(entry)) = (&moved, &outbox) {
                Self::write_outbox(tx, entry)?;
            }
            Ok(moved)
        })
        .await
    }

    async fn confirm_booking_with_tickets(
        &self,
        id: BookingId,
        tickets: &[TicketRecord],
        outbox: Option<&OutboxEntry>,
    ) -> StoreResult<Option<BookingRecord>> {
        let (tickets, outbox) = (tickets.to_vec(), outbox.cloned());
        self.write(move |tx| {
            // A booking confirmed meanwhile (a redelivery, the reconciler racing a worker) is
            // not a double sale of its own seats: answer "not pending" before looking at them.
            let status =
                get::<BookingRecord>(&tx.open_table(BOOKINGS).map_err(backend)?, &id.to_string())?
                    .map(|r| r.booking.status);
            if !matches!(
                status,
                Some(BookingStatus::Pending | BookingStatus::Processing)
            ) {
                return Ok(None);
            }
            let mut live = tx.open_table(LIVE_SEATS).map_err(backend)?;
            let taken: Vec<_> = tickets
                .iter()
                .filter(|t| {
                    matches!(
                        live.get(seat_key(t.show_id, &t.seat_id).as_str()),
                        Ok(Some(_))
                    )
                })
                .map(|t| t.seat_id.clone())
                .collect();
            if !taken.is_empty() {
                return Err(StoreError::SeatAlreadySold(taken));
            }
            let Some(confirmed) = Self::transition(
                tx,
                id,
                &[BookingStatus::Pending, BookingStatus::Processing],
                BookingStatus::Confirmed,
            )?
            else {
                return Ok(None);
            };
            let mut all_tickets = tx.open_table(TICKETS).map_err(backend)?;
            for ticket in &tickets {
                let ticket_id = ticket.id.to_string();
                live.insert(
                    seat_key(ticket.show_id, &ticket.seat_id).as_str(),
                    ticket_id.as_bytes(),
                )
                .map_err(backend)?;
                all_tickets
                    .insert(ticket_id.as_str(), encode(ticket)?.as_slice())
                    .map_err(backend)?;
            }
            if let Some(entry) = &outbox {
                Self::write_outbox(tx, entry)?;
            }
            Ok(Some(confirmed))
        })
        .await
    }

    async fn tickets_of_booking(&self, id: BookingId) -> StoreResult<Vec<TicketRecord>> {
        let mut tickets: Vec<TicketRecord> = self
            .read(|tx| all(&tx.open_table(TICKETS).map_err(backend)?))
            .await?;
        tickets.retain(|t| t.booking_id == id);
        tickets.sort_by(|a, b| a.seat_id.cmp(&b.seat_id));
        Ok(tickets)
    }

    async fn live_tickets_of_show(&self, show: ShowId) -> StoreResult<Vec<TicketRecord>> {
        let mut tickets: Vec<TicketRecord> = self
            .read(|tx| all(&tx.open_table(TICKETS).map_err(backend)?))
            .await?;
        tickets.retain(|t| t.show_id == show && t.status == TicketStatus::Live);
        tickets.sort_by(|a, b| a.seat_id.cmp(&b.seat_id));
        Ok(tickets)
    }

    async fn refund_booking(
        &self,
        id: BookingId,
        from: BookingStatus,
        to: BookingStatus,
        outbox: Option<&OutboxEntry>,
    ) -> StoreResult<Option<BookingRecord>> {
        let outbox = outbox.cloned();
        self.write(move |tx| {
            let Some(refunded) = Self::transition(tx, id, &[from], to)? else {
                return Ok(None);
            };
            Self::void_reward_in(tx, id)?;
            let mut tickets = tx.open_table(TICKETS).map_err(backend)?;
            let mine: Vec<TicketRecord> = all::<TicketRecord>(&tickets)?
                .into_iter()
                .filter(|t| t.booking_id == id && t.status == TicketStatus::Live)
                .collect();
            let mut live = tx.open_table(LIVE_SEATS).map_err(backend)?;
            for mut ticket in mine {
                live.remove(seat_key(ticket.show_id, &ticket.seat_id).as_str())
                    .map_err(backend)?;
                ticket.status = TicketStatus::Refunded;
                tickets
                    .insert(ticket.id.to_string().as_str(), encode(&ticket)?.as_slice())
                    .map_err(backend)?;
            }
            if let Some(entry) = &outbox {
                Self::write_outbox(tx, entry)?;
            }
            Ok(Some(refunded))
        })
        .await
    }

    async fn insert_payment(
        &self,
        payment: &PaymentRecord,
        outbox: Option<&OutboxEntry>,
    ) -> StoreResult<()> {
        let (payment, outbox) = (payment.clone(), outbox.cloned());
        self.write(move |tx| {
            let mut payments = tx.open_table(PAYMENTS).map_err(backend)?;
            let key = payment.booking_id.to_string();
            if payments.get(key.as_str()).map_err(backend)?.is_some() {
                return Err(StoreError::Duplicate("a payment for this booking"));
            }
            payments
                .insert(key.as_str(), encode(&payment)?.as_slice())
                .map_err(backend)?;
            if let Some(entry) = &outbox {
                Self::write_outbox(tx, entry)?;
            }
            Ok(())
        })
        .await
    }

    async fn payment(&self, booking: BookingId) -> StoreResult<Option<PaymentRecord>> {
        self.read(move |tx| {
            get(
                &tx.open_table(PAYMENTS).map_err(backend)?,
                &booking.to_string(),
            )
        })
        .await
    }

    async fn pending_outbox(&self, limit: usize) -> StoreResult<Vec<OutboxEntry>> {
        self.read(move |tx| {
            let pending = tx.open_table(OUTBOX_PENDING).map_err(backend)?;
            let outbox = tx.open_table(OUTBOX).map_err(backend)?;
            let mut out = Vec::new();
            for entry in pending.iter().map_err(backend)?.take(limit) {
                let (_, id) = entry.map_err(backend)?;
                let id = String::from_utf8_lossy(id.value()).into_owned();
                if let Some(e) = get::<OutboxEntry>(&outbox, &id)? {
                    out.push(e);
                }
            }
            Ok(out)
        })
        .await
    }

    async fn mark_outbox_sent(&self, ids: &[Uuid], at: DateTime<Utc>) -> StoreResult<()> {
        let ids = ids.to_vec();
        self.write(move |tx| {
            let mut outbox = tx.open_table(OUTBOX).map_err(backend)?;
            let mut pending = tx.open_table(OUTBOX_PENDING).map_err(backend)?;
            for id in ids {
                let key = id.to_string();
                let Some(mut entry) = get::<OutboxEntry>(&outbox, &key)? else {
                    continue;
                };
                let pending_key =
                    format!("{:020}|{key}", entry.created_at.timestamp_millis().max(0));
                pending.remove(pending_key.as_str()).map_err(backend)?;
                if entry.sent_at.is_none() {
                    entry.sent_at = Some(at);
                    outbox
                        .insert(key.as_str(), encode(&entry)?.as_slice())
                        .map_err(backend)?;
                }
            }
            Ok(())
        })
        .await
    }

    async fn mark_event_processed(&self, consumer: &str, event: Uuid) -> StoreResult<bool> {
        let key = format!("{consumer}|{event}");
        self.write(move |tx| {
            let mut processed = tx.open_table(PROCESSED_EVENTS).map_err(backend)?;
            if processed.get(key.as_str()).map_err(backend)?.is_some() {
                return Ok(false);
            }
            processed.insert(key.as_str(), &[][..]).map_err(backend)?;
            Ok(true)
        })
        .await
    }

    async fn insert_reward(&self, reward: &RewardRecord) -> StoreResult<()> {
        let reward = reward.clone();
        self.write(move |tx| {
            let mut rewards = tx.open_table(REWARDS).map_err(backend)?;
            let key = reward.booking_id.to_string();
            if rewards.get(key.as_str()).map_err(backend)?.is_some() {
                return Err(StoreError::Duplicate("a reward for this booking"));
            }
            rewards
                .insert(key.as_str(), encode(&reward)?.as_slice())
                .map_err(backend)?;
            Ok(())
        })
        .await
    }

    async fn reward(&self, booking: BookingId) -> StoreResult<Option<RewardRecord>> {
        self.read(move |tx| {
            get(
                &tx.open_table(REWARDS).map_err(backend)?,
                &booking.to_string(),
            )
        })
        .await
    }

    async fn reveal_reward(&self, booking: BookingId) -> StoreResult<Option<RewardRecord>> {
        self.write(move |tx| {
            let mut rewards = tx.open_table(REWARDS).map_err(backend)?;
            let key = booking.to_string();
            let Some(mut reward) = get::<RewardRecord>(&rewards, &key)? else {
                return Ok(None);
            };
            if reward.revealed || reward.voided {
                return Ok(None);
            }
            reward.revealed = true;
            rewards
                .insert(key.as_str(), encode(&reward)?.as_slice())
                .map_err(backend)?;
            Ok(Some(reward))
        })
        .await
    }

    async fn void_reward(&self, booking: BookingId) -> StoreResult<bool> {
        self.write(move |tx| Self::void_reward_in(tx, booking))
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
            let mut entries = tx.open_table(LOYALTY_ENTRIES).map_err(backend)?;
            if entries.get(entry.as_str()).map_err(backend)?.is_some() {
                return Ok(None);
            }
            entries
                .insert(entry.as_str(), encode(&delta)?.as_slice())
                .map_err(backend)?;
            let mut loyalty = tx.open_table(LOYALTY).map_err(backend)?;
            let key = user.to_string();
            let total = get::<i64>(&loyalty, &key)?.unwrap_or(0) + delta;
            loyalty
                .insert(key.as_str(), encode(&total)?.as_slice())
                .map_err(backend)?;
            Ok(Some(total))
        })
        .await
    }

    async fn loyalty_points(&self, user: UserId) -> StoreResult<i64> {
        self.read(move |tx| {
            Ok(
                get::<i64>(&tx.open_table(LOYALTY).map_err(backend)?, &user.to_string())?
                    .unwrap_or(0),
            )
        })
        .await
    }

    async fn coupons_of_user(&self, user: UserId) -> StoreResult<Vec<CouponRecord>> {
        let mut coupons: Vec<CouponRecord> = self
            .read(|tx| all(&tx.open_table(COUPONS).map_err(backend)?))
            .await?;
        coupons.retain(|c| c.user_id == Some(user));
        coupons.sort_by_key(|c| c.created_at);
        Ok(coupons)
    }

    async fn insert_coupon(&self, coupon: &CouponRecord) -> StoreResult<()> {
        let coupon = coupon.clone();
        self.write(move |tx| {
            let mut coupons = tx.open_table(COUPONS).map_err(backend)?;
            if coupons
                .get(coupon.code.as_str())
                .map_err(backend)?
                .is_some()
            {
                return Err(StoreError::Duplicate("coupon"));
            }
            coupons
                .insert(coupon.code.as_str(), encode(&coupon)?.as_slice())
                .map_err(backend)?;
            Ok(())
        })
        .await
    }

    async fn coupon(&self, code: &str) -> StoreResult<Option<CouponRecord>> {
        let code = code.to_owned();
        self.read(move |tx| get(&tx.open_table(COUPONS).map_err(backend)?, &code))
            .await
    }

    async fn redeem_coupon(
        &self,
        code: &str,
        booking: BookingId,
    ) -> StoreResult<Option<CouponRecord>> {
        let code = code.to_owned();
        self.write(move |tx| {
            let mut coupons = tx.open_table(COUPONS).map_err(backend)?;
            let Some(mut coupon) = get::<CouponRecord>(&coupons, &code)? else {
                return Ok(None);
            };
            if coupon.redeemed_by.is_some() {
                return Ok(None);
            }
            coupon.redeemed_by = Some(booking);
            coupons
                .insert(code.as_str(), encode(&coupon)?.as_slice())
                .map_err(backend)?;
            Ok(Some(coupon))
        })
        .await
    }

    async fn update_venue(&self, venue: &Venue) -> StoreResult<bool> {
        let venue = venue.clone();
        self.write(move |tx| {
            let mut venues = tx.open_table(VENUES).map_err(backend)?;
            let key = venue.id.to_string();
            if venues.get(key.as_str()).map_err(backend)?.is_none() {
                return Ok(false);
            }
            venues
                .insert(key.as_str(), encode(&venue)?.as_slice())
                .map_err(backend)?;
            Ok(true)
        })
        .await
    }

    async fn update_show(&self, show: &Show) -> StoreResult<bool> {
        let show = show.clone();
        self.write(move |tx| {
            let mut shows = tx.open_table(SHOWS).map_err(backend)?;
            let key = show.id.to_string();
            if shows.get(key.as_str()).map_err(backend)?.is_none() {
                return Ok(false);
            }
            shows
                .insert(key.as_str(), encode(&show)?.as_slice())
                .map_err(backend)?;
            Ok(true)
        })
        .await
    }

    async fn sales_report(
        &self,
        from: DateTime<Utc>,
        to: DateTime<Utc>,
    ) -> StoreResult<SalesReport> {
        let bookings: Vec<BookingRecord> = self
            .read(|tx| all(&tx.open_table(BOOKINGS).map_err(backend)?))
            .await?;
        let mut by_day: std::collections::BTreeMap<(String, String), DayRevenue> =
            Default::default();
        let mut by_show: std::collections::HashMap<ShowId, ShowSales> = Default::default();
        for record in bookings {
            let b = record.booking;
            if b.status != BookingStatus::Confirmed || b.created_at < from || b.created_at >= to {
                continue;
            }
            let day = b.created_at.format("%Y-%m-%d").to_string();
            let channel = serde_json::to_string(&b.channel).map_err(backend)?;
            let entry = by_day.entry((day.clone(), channel)).or_insert(DayRevenue {
                day,
                channel: b.channel,
                bookings: 0,
                seats: 0,
                revenue_minor: 0,
            });
            entry.bookings += 1;
            entry.seats += b.seats.len() as u64;
            entry.revenue_minor += b.amount.amount_minor;
            let show = by_show.entry(b.show_id).or_insert(ShowSales {
                show_id: b.show_id,
                bookings: 0,
                seats: 0,
                revenue_minor: 0,
            });
            show.bookings += 1;
            show.seats += b.seats.len() as u64;
            show.revenue_minor += b.amount.amount_minor;
        }
        let mut by_show: Vec<ShowSales> = by_show.into_values().collect();
        by_show.sort_by(|a, b| b.seats.cmp(&a.seats).then(a.show_id.cmp(&b.show_id)));
        Ok(SalesReport {
            by_day: by_day.into_values().collect(),
            by_show,
        })
    }

    async fn reward_stats(&self) -> StoreResult<RewardStats> {
        let rewards: Vec<RewardRecord> = self
            .read(|tx| all(&tx.open_table(REWARDS).map_err(backend)?))
            .await?;
        Ok(RewardStats {
            issued: rewards.len() as u64,
            revealed: rewards.iter().filter(|r| r.revealed).count() as u64,
            voided: rewards.iter().filter(|r| r.voided).count() as u64,
        })
    }

    async fn users(&self) -> StoreResult<Vec<UserRecord>> {
        let mut users: Vec<UserRecord> = self
            .read(|tx| all(&tx.open_table(USERS).map_err(backend)?))
            .await?;
        users.sort_by(|a, b| a.email.cmp(&b.email));
        Ok(users)
    }

    async fn append_audit(&self, entry: &AuditEntry) -> StoreResult<()> {
        let entry = entry.clone();
        self.write(move |tx| {
            let key = format!("{:020}|{}", entry.at.timestamp_millis().max(0), entry.id);
            let id = entry.id.to_string();
            let mut ids = tx.open_table(AUDIT_IDS).map_err(backend)?;
            if ids.get(id.as_str()).map_err(backend)?.is_some() {
                return Err(StoreError::Duplicate("audit entry"));
            }
            ids.insert(id.as_str(), key.as_bytes()).map_err(backend)?;
            tx.open_table(AUDIT)
                .map_err(backend)?
                .insert(key.as_str(), encode(&entry)?.as_slice())
                .map_err(backend)?;
            Ok(())
        })
        .await
    }

    async fn audit_log(&self, limit: usize) -> StoreResult<Vec<AuditEntry>> {
        self.read(move |tx| {
            let audit = tx.open_table(AUDIT).map_err(backend)?;
            let mut out = Vec::new();
            for entry in audit.iter().map_err(backend)?.rev().take(limit) {
                let (_, value) = entry.map_err(backend)?;
                out.push(decode(value.value())?);
            }
            Ok(out)
        })
        .await
    }
}
