//! `MongoStore`: the store in MongoDB (official driver).
//!
//! Collections and their unique indexes: `users` (email), `tickets` (show_id + seat_id: the
//! durable no-double-sale backstop; refunded tickets move to `refunded_tickets`, so the index
//! covers exactly the live ones), `booking_codes`/`booking_idempotency` (by `_id`), `payments`,
//! `rewards`, `coupons`, `processed_events` (by `_id`). Multi-document changes (booking +
//! outbox, booking + tickets) run in transactions (MongoDB is deployed as a replica set),
//! retried on transient transaction errors. Filters are built with `doc!` from typed values
//! only: ids and enums serialise to plain strings, so no client input can become an operator.

use std::time::Duration;

use anyhow::anyhow;
use async_trait::async_trait;
use chrono::{DateTime, NaiveTime, Utc};
use eventory_shared::api::ShowFilter;
use eventory_shared::{BookingId, BookingStatus, Show, ShowId, ShowStatus, UserId, Venue, VenueId};
use futures::TryStreamExt;
use mongodb::bson::{doc, Bson, Document};
use mongodb::error::{ErrorKind, WriteFailure, TRANSIENT_TRANSACTION_ERROR};
use mongodb::options::{IndexOptions, ReturnDocument};
use mongodb::{ClientSession, Collection, Database, IndexModel};
use serde::de::DeserializeOwned;
use serde::{Deserialize, Serialize};
use uuid::Uuid;

use super::records::*;
use super::{normalize_email, Store, StoreError, StoreResult};

/// A record under its `_id`, with the record's own fields at the top level (so they can be
/// filtered and indexed).
#[derive(Serialize, Deserialize)]
struct Doc<T> {
    #[serde(rename = "_id")]
    id: String,
    #[serde(flatten)]
    body: T,
}

impl<T> Doc<T> {
    fn new(id: impl ToString, body: T) -> Self {
        Self {
            id: id.to_string(),
            body,
        }
    }
}

/// An outbox entry with what its queries need.
#[derive(Serialize, Deserialize)]
struct OutboxDoc {
    #[serde(rename = "_id")]
    id: String,
    #[serde(flatten)]
    entry: OutboxEntry,
    pending: bool,
    created_ms: i64,
}

/// A show with its start time as a number, for range queries.
#[derive(Serialize, Deserialize)]
struct ShowDoc {
    #[serde(rename = "_id")]
    id: String,
    #[serde(flatten)]
    show: Show,
    starts_ms: i64,
}

#[derive(Serialize, Deserialize)]
struct AuditDoc {
    #[serde(rename = "_id")]
    id: String,
    #[serde(flatten)]
    entry: AuditEntry,
    at_ms: i64,
}

#[derive(Serialize, Deserialize)]
struct BookingDoc {
    #[serde(rename = "_id")]
    id: String,
    #[serde(flatten)]
    record: BookingRecord,
    created_ms: i64,
    /// For the sales aggregation: the UTC day, the seat count and the amount as plain fields.
    #[serde(default)]
    day: String,
    #[serde(default)]
    seat_count: i64,
    #[serde(default)]
    amount_minor: i64,
}

/// The MongoDB store.
pub struct MongoStore {
    db: Database,
}

fn backend(e: mongodb::error::Error) -> StoreError {
    StoreError::Backend(anyhow::Error::new(e).context("mongodb"))
}

fn is_duplicate(e: &mongodb::error::Error) -> bool {
    match e.kind.as_ref() {
        ErrorKind::Write(WriteFailure::WriteError(we)) => we.code == 11000,
        ErrorKind::InsertMany(im) => im
            .write_errors
            .as_ref()
            .is_some_and(|errors| errors.iter().any(|we| we.code == 11000)),
        ErrorKind::Command(ce) => ce.code == 11000,
        _ => e.to_string().contains("E11000"),
    }
}

fn status_str(status: BookingStatus) -> String {
    serde_json::to_value(status)
        .ok()
        .and_then(|v| v.as_str().map(str::to_owned))
        .expect("statuses serialise to strings")
}

/// A UUID as the driver stores it inside documents (BSON binary, generic subtype: its document
/// serializer is not "human readable"), for filters on id fields.
fn uuid_bson(uuid: &Uuid) -> Bson {
    Bson::Binary(mongodb::bson::Binary {
        subtype: mongodb::bson::spec::BinarySubtype::Generic,
        bytes: uuid.as_bytes().to_vec(),
    })
}

fn points_of(d: &Document) -> Option<i64> {
    match d.get("points")? {
        Bson::Int64(n) => Some(*n),
        Bson::Int32(n) => Some(i64::from(*n)),
        Bson::Double(n) => Some(*n as i64),
        _ => None,
    }
}

fn to_bson<T: Serialize>(value: &T) -> StoreResult<Bson> {
    mongodb::bson::to_bson(value).map_err(|e| StoreError::Backend(anyhow!("bson: {e}")))
}

impl MongoStore {
    pub async fn connect(uri: &str, database: &str) -> anyhow::Result<Self> {
        Ok(Self {
            db: super::mongo_conn::connect(uri, database).await?,
        })
    }

    fn coll<T: Send + Sync>(&self, name: &str) -> Collection<T> {
        self.db.collection(name)
    }

    async fn find_one<T: DeserializeOwned + Send + Sync>(
        &self,
        name: &str,
        filter: Document,
    ) -> StoreResult<Option<T>> {
        self.coll::<Doc<T>>(name)
            .find_one(filter)
            .await
            .map(|d| d.map(|d| d.body))
            .map_err(backend)
    }

    async fn insert_unique<T: Serialize + Send + Sync>(
        &self,
        name: &str,
        doc: &T,
        what: &'static str,
    ) -> StoreResult<()> {
        match self.coll::<T>(name).insert_one(doc).await {
            Ok(_) => Ok(()),
            Err(e) if is_duplicate(&e) => Err(StoreError::Duplicate(what)),
            Err(e) => Err(backend(e)),
        }
    }

    /// Every document of `name` matching `filter`, optionally sorted and limited.
    async fn find_all<T: DeserializeOwned + Send + Sync>(
        &self,
        name: &str,
        filter: Document,
        sort: Option<Document>,
        limit: Option<i64>,
    ) -> StoreResult<Vec<T>> {
        let collection = self.coll::<T>(name);
        let mut find = collection.find(filter);
        if let Some(sort) = sort {
            find = find.sort(sort);
        }
        if let Some(limit) = limit {
            find = find.limit(limit);
        }
        find.await
            .map_err(backend)?
            .try_collect()
            .await
            .map_err(backend)
    }

    /// Runs `body` in a transaction, retrying it on transient transaction errors (write
    /// conflicts between concurrent transactions).
    async fn in_transaction<T, F>(&self, mut body: F) -> StoreResult<T>
    where
        F: for<'s> FnMut(
            &'s Self,
            &'s mut ClientSession,
        ) -> futures::future::BoxFuture<'s, StoreResult<T>>,
    {
        let mut attempt = 0;
        loop {
            attempt += 1;
            let mut session = self.db.client().start_session().await.map_err(backend)?;
            session.start_transaction().await.map_err(backend)?;
            let result = body(self, &mut session).await;
            let outcome = match result {
                Ok(value) => match session.commit_transaction().await {
                    Ok(()) => return Ok(value),
                    Err(e) => Err(e),
                },
                Err(StoreError::Backend(e)) => {
                    let _ = session.abort_transaction().await;
                    match e.downcast::<mongodb::error::Error>() {
                        Ok(me) => Err(me),
                        Err(other) => return Err(StoreError::Backend(other)),
                    }
                }
                Err(other) => {
                    let _ = session.abort_transaction().await;
                    return Err(other);
                }
            };
            match outcome {
                Err(e) if e.contains_label(TRANSIENT_TRANSACTION_ERROR) && attempt < 60 => {
                    // Jittered and growing, so transactions contending for one document spread
                    // out instead of colliding again in lockstep.
                    let ceiling = (2 * attempt).min(50);
                    tokio::time::sleep(Duration::from_millis(rand::random::<u64>() % ceiling + 1))
                        .await;
                }
                Err(e) if is_duplicate(&e) => return Err(StoreError::Duplicate("record")),
                Err(e) => return Err(backend(e)),
                Ok(()) => unreachable!(),
            }
        }
    }

    /// One conditional booking update, optionally inside a session.
    async fn transition_in(
        &self,
        session: Option<&mut ClientSession>,
        id: BookingId,
        from: &[BookingStatus],
        to: BookingStatus,
    ) -> StoreResult<Option<BookingRecord>> {
        let from: Vec<String> = from.iter().map(|s| status_str(*s)).collect();
        let filter = doc! { "_id": id.to_string(), "status": { "$in": from } };
        let update =
            doc! { "$set": { "status": status_str(to), "updated_at": to_bson(&Utc::now())? } };
        let bookings = self.coll::<BookingDoc>("bookings");
        let action = bookings
            .find_one_and_update(filter, update)
            .return_document(ReturnDocument::After);
        let found = match session {
            Some(session) => action.session(session).await,
            None => action.await,
        };
        found.map(|d| d.map(|d| d.record)).map_err(backend)
    }

    /// Inserts a new booking inside `session` (its code, and its idempotency key if any,
    /// unique).
    async fn insert_booking_in(
        &self,
        session: &mut ClientSession,
        booking: BookingRecord,
    ) -> StoreResult<()> {
        let store = self;
        let id = booking.booking.id.to_string();
        if let (Some(user), Some(key)) = (booking.booking.user_id, &booking.idempotency_key) {
            store
                .coll::<Document>("booking_idempotency")
                .insert_one(doc! { "_id": format!("{user}\n{key}"), "booking_id": &id })
                .session(&mut *session)
                .await
                .map_err(backend)?;
        }
        store
            .coll::<Document>("booking_codes")
            .insert_one(doc! { "_id": &booking.booking.code, "booking_id": &id })
            .session(&mut *session)
            .await
            .map_err(backend)?;
        let doc = BookingDoc {
            id,
            created_ms: booking.booking.created_at.timestamp_millis(),
            day: booking.booking.created_at.format("%Y-%m-%d").to_string(),
            seat_count: booking.booking.seats.len() as i64,
            amount_minor: booking.booking.amount.amount_minor,
            record: booking,
        };
        store
            .coll::<BookingDoc>("bookings")
            .insert_one(doc)
            .session(&mut *session)
            .await
            .map_err(backend)?;
        Ok(())
    }

    async fn insert_outbox_in(
        &self,
        session: &mut ClientSession,
        entry: &OutboxEntry,
    ) -> StoreResult<()> {
        let doc = OutboxDoc {
            id: entry.id.to_string(),
            entry: entry.clone(),
            pending: entry.sent_at.is_none(),
            created_ms: entry.created_at.timestamp_millis(),
        };
        self.coll::<OutboxDoc>("outbox")
            .insert_one(doc)
            .session(session)
            .await
            .map(|_| ())
            .map_err(backend)
    }
}

#[async_trait]
impl Store for MongoStore {
    fn backend(&self) -> &'static str {
        "mongodb"
    }

    async fn ping(&self) -> StoreResult<()> {
        super::mongo_conn::ping(&self.db).await.map_err(backend)
    }

    async fn migrate(&self) -> StoreResult<()> {
        let unique = |keys: Document| {
            IndexModel::builder()
                .keys(keys)
                .options(IndexOptions::builder().unique(true).build())
                .build()
        };
        let plain = |keys: Document| IndexModel::builder().keys(keys).build();
        let indexes: [(&str, IndexModel); 8] = [
            ("users", unique(doc! { "email": 1 })),
            ("tickets", unique(doc! { "show_id": 1, "seat_id": 1 })),
            ("tickets", plain(doc! { "booking_id": 1 })),
            ("refunded_tickets", plain(doc! { "booking_id": 1 })),
            ("bookings", plain(doc! { "show_id": 1, "created_ms": -1 })),
            ("bookings", plain(doc! { "user_id": 1, "created_ms": -1 })),
            ("outbox", plain(doc! { "pending": 1, "created_ms": 1 })),
            ("shows", plain(doc! { "starts_ms": 1 })),
        ];
        for (collection, index) in indexes {
            self.db
                .collection::<Document>(collection)
                .create_index(index)
                .await
                .map_err(backend)?;
        }
        Ok(())
    }

    async fn insert_user(&self, user: &UserRecord) -> StoreResult<()> {
        let mut user = user.clone();
        user.email = normalize_email(&user.email);
        self.insert_unique("users", &Doc::new(user.id, user), "a user with this email")
            .await
    }

    async fn user_by_email(&self, email: &str) -> StoreResult<Option<UserRecord>> {
        // A string value in a `doc!` is always a literal to compare, never an operator.
        self.find_one("users", doc! { "email": normalize_email(email) })
            .await
    }

    async fn user(&self, id: UserId) -> StoreResult<Option<UserRecord>> {
        self.find_one("users", doc! { "_id": id.to_string() }).await
    }

    async fn set_user_disabled(&self, id: UserId, disabled: bool) -> StoreResult<bool> {
        let result = self
            .coll::<Document>("users")
            .update_one(
                doc! { "_id": id.to_string() },
                doc! { "$set": { "disabled": disabled } },
            )
            .await
            .map_err(backend)?;
        Ok(result.matched_count == 1)
    }

    async fn insert_refresh_token(&self, token: &RefreshTokenRecord) -> StoreResult<()> {
        self.insert_unique(
            "refresh_tokens",
            &Doc::new(&token.token_hash, token.clone()),
            "refresh token",
        )
        .await
    }

    async fn consume_refresh_token(
        &self,
        token_hash: &str,
        now: DateTime<Utc>,
    ) -> StoreResult<Option<RefreshTokenRecord>> {
        let found = self
            .coll::<Doc<RefreshTokenRecord>>("refresh_tokens")
            .find_one_and_update(
                doc! { "_id": token_hash, "revoked": false },
                doc! { "$set": { "revoked": true } },
            )
            .return_document(ReturnDocument::After)
            .await
            .map_err(backend)?;
        Ok(found.map(|d| d.body).filter(|t| t.expires_at > now))
    }

    async fn insert_venue(&self, venue: &Venue) -> StoreResult<()> {
        self.insert_unique("venues", &Doc::new(venue.id, venue.clone()), "venue")
            .await
    }

    async fn venue(&self, id: VenueId) -> StoreResult<Option<Venue>> {
        self.find_one("venues", doc! { "_id": id.to_string() })
            .await
    }

    async fn venues(&self) -> StoreResult<Vec<Venue>> {
        let docs: Vec<Doc<Venue>> = self
            .find_all::<Doc<Venue>>("venues", doc! {}, None, None)
            .await?;
        Ok(docs.into_iter().map(|d| d.body).collect())
    }

    async fn insert_show(&self, show: &Show) -> StoreResult<()> {
        let doc = ShowDoc {
            id: show.id.to_string(),
            show: show.clone(),
            starts_ms: show.starts_at.timestamp_millis(),
        };
        self.insert_unique("shows", &doc, "show").await
    }

    async fn show(&self, id: ShowId) -> StoreResult<Option<Show>> {
        let found = self
            .coll::<ShowDoc>("shows")
            .find_one(doc! { "_id": id.to_string() })
            .await
            .map_err(backend)?;
        Ok(found.map(|d| d.show))
    }

    async fn shows(&self, filter: &ShowFilter) -> StoreResult<Vec<Show>> {
        let mut query = doc! {};
        if let Some(date) = filter.date {
            let start = date.and_time(NaiveTime::MIN).and_utc().timestamp_millis();
            query.insert(
                "starts_ms",
                doc! { "$gte": start, "$lt": start + 86_400_000 },
            );
        }
        if let Some(venue) = filter.venue_id {
            query.insert("venue_id", uuid_bson(venue.as_uuid()));
        }
        let docs: Vec<ShowDoc> = self
            .find_all::<ShowDoc>(
                "shows",
                query,
                Some(doc! { "starts_ms": 1, "_id": 1 }),
                None,
            )
            .await?;
        Ok(docs.into_iter().map(|d| d.show).collect())
    }

    async fn upcoming_shows(&self, now: DateTime<Utc>) -> StoreResult<Vec<Show>> {
        let cancelled = serde_json::to_value(ShowStatus::Cancelled)
            .ok()
            .and_then(|v| v.as_str().map(str::to_owned))
            .unwrap_or_default();
        let docs: Vec<ShowDoc> = self.find_all::<ShowDoc>("shows", doc! { "starts_ms": { "$gt": now.timestamp_millis() }, "status": { "$ne": cancelled } }, Some(doc! { "starts_ms": 1, "_id": 1 }), None).await?;
        Ok(docs.into_iter().map(|d| d.show).collect())
    }

    async fn insert_booking_with_outbox(
        &self,
        booking: &BookingRecord,
        outbox: &OutboxEntry,
    ) -> StoreResult<()> {
        let (booking, outbox) = (booking.clone(), outbox.clone());
        let result = self
            .in_transaction(|store, session| {
                let (booking, outbox) = (booking.clone(), outbox.clone());
                Box::pin(async move {
                    store.insert_booking_in(&mut *session, booking).await?;
                    store.insert_outbox_in(session, &outbox).await
                })
            })
            .await;
        match result {
            Err(StoreError::Duplicate(_)) => Err(StoreError::Duplicate(
                "a booking with this idempotency key or code",
            )),
            other => other,
        }
    }

    async fn begin_exchange(
        &self,
        old: BookingId,
        new: &BookingRecord,
        outbox: &OutboxEntry,
    ) -> StoreResult<Option<BookingRecord>> {
        let (new, outbox) = (new.clone(), outbox.clone());
        self.in_transaction(|store, session| {
            let (new, outbox) = (new.clone(), outbox.clone());
            Box::pin(async move {
                let filter = doc! {
                    "_id": old.to_string(),
                    "status": status_str(BookingStatus::Confirmed),
                };
                let update = doc! { "$set": {
                    "status": status_str(BookingStatus::Exchanging),
                    "updated_at": to_bson(&Utc::now())?,
                    "exchange_to": uuid_bson(new.booking.id.as_uuid()),
                } };
                let claimed = store
                    .coll::<BookingDoc>("bookings")
                    .find_one_and_update(filter, update)
                    .return_document(ReturnDocument::After)
                    .session(&mut *session)
                    .await
                    .map_err(backend)?;
                let Some(claimed) = claimed else {
                    return Ok(None);
                };
                store.insert_booking_in(&mut *session, new).await?;
                store.insert_outbox_in(session, &outbox).await?;
                Ok(Some(claimed.record))
            })
        })
        .await
    }

    async fn booking(&self, id: BookingId) -> StoreResult<Option<BookingRecord>> {
        let found = self
            .coll::<BookingDoc>("bookings")
            .find_one(doc! { "_id": id.to_string() })
            .await
            .map_err(backend)?;
        Ok(found.map(|d| d.record))
    }

    async fn booking_by_code(&self, code: &str) -> StoreResult<Option<BookingRecord>> {
        let found = self
            .coll::<BookingDoc>("bookings")
            .find_one(doc! { "code": code.trim().to_uppercase() })
            .await
            .map_err(backend)?;
        Ok(found.map(|d| d.record))
    }

    async fn booking_by_idempotency_key(
        &self,
        user: UserId,
        key: &str,
    ) -> StoreResult<Option<BookingRecord>> {
        let found = self
            .coll::<Document>("booking_idempotency")
            .find_one(doc! { "_id": format!("{user}\n{key}") })
            .await
            .map_err(backend)?;
        let Some(id) = found.and_then(|d| d.get_str("booking_id").ok().map(str::to_owned)) else {
            return Ok(None);
        };
        let found = self
            .coll::<BookingDoc>("bookings")
            .find_one(doc! { "_id": id })
            .await
            .map_err(backend)?;
        Ok(found.map(|d| d.record))
    }

    async fn bookings(&self, filter: &BookingFilter) -> StoreResult<Vec<BookingRecord>> {
        let mut query = doc! {};
        if let Some(show) = filter.show_id {
            query.insert("show_id", uuid_bson(show.as_uuid()));
        }
        if let Some(user) = filter.user_id {
            query.insert("user_id", uuid_bson(user.as_uuid()));
        }
        if let Some(channel) = filter.channel {
            query.insert("channel", to_bson(&channel)?);
        }
        if let Some(status) = filter.status {
            query.insert("status", status_str(status));
        }
        let mut created = doc! {};
        if let Some(from) = filter.from {
            created.insert("$gte", from.timestamp_millis());
        }
        if let Some(to) = filter.to {
            created.insert("$lt", to.timestamp_millis());
        }
        if !created.is_empty() {
            query.insert("created_ms", created);
        }
        let limit = if filter.limit == 0 { 100 } else { filter.limit } as i64;
        let docs: Vec<BookingDoc> = self
            .find_all::<BookingDoc>(
                "bookings",
                query,
                Some(doc! { "created_ms": -1 }),
                Some(limit),
            )
            .await?;
        Ok(docs.into_iter().map(|d| d.record).collect())
    }

    async fn transition_booking(
        &self,
        id: BookingId,
        from: &[BookingStatus],
        to: BookingStatus,
        outbox: Option<&OutboxEntry>,
    ) -> StoreResult<Option<BookingRecord>> {
        let Some(outbox) = outbox.cloned() else {
            return self.transition_in(None, id, from, to).await;
        };
        let from = from.to_vec();
        self.in_transaction(|store, session| {
            let (from, outbox) = (from.clone(), outbox.clone());
            Box::pin(async move {
                let moved = store
                    .transition_in(Some(&mut *session), id, &from, to)
                    .await?;
                if moved.is_some() {
                    store.insert_outbox_in(session, &outbox).await?;
                }
                Ok(moved)
            })
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
        let result = self
            .in_transaction(|store, session| {
                let (tickets, outbox) = (tickets.clone(), outbox.clone());
                Box::pin(async move {
                    let confirmed = store
                        .transition_in(
                            Some(&mut *session),
                            id,
                            &[BookingStatus::Pending, BookingStatus::Processing],
                            BookingStatus::Confirmed,
                        )
                        .await?;
                    if confirmed.is_none() {
                        return Ok(None);
                    }
                    let docs: Vec<Doc<TicketRecord>> =
                        tickets.iter().map(|t| Doc::new(t.id, t.clone())).collect();
                    store
                        .coll::<Doc<TicketRecord>>("tickets")
                        .insert_many(docs)
                        .session(&mut *session)
                        .await
                        .map_err(backend)?;
                    if let Some(entry) = &outbox {
                        store.insert_outbox_in(session, entry).await?;
                    }
                    Ok(confirmed)
                })
            })
            .await;
        match result {
            Err(StoreError::Duplicate(_)) => {
                // The unique index refused a second live ticket for some seat: say which.
                let mut taken = Vec::new();
                for ticket in &tickets {
                    let live = self
                        .coll::<Document>("tickets")
                        .find_one(doc! { "show_id": uuid_bson(ticket.show_id.as_uuid()), "seat_id": ticket.seat_id.to_string() })
                        .await
                        .map_err(backend)?;
                    let other_booking =
                        live.is_some_and(|d| d.get("booking_id") != Some(&uuid_bson(id.as_uuid())));
                    if other_booking {
                        taken.push(ticket.seat_id.clone());
                    }
                }
                Err(StoreError::SeatAlreadySold(taken))
            }
            other => other,
        }
    }

    async fn tickets_of_booking(&self, id: BookingId) -> StoreResult<Vec<TicketRecord>> {
        let mut tickets = Vec::new();
        for collection in ["tickets", "refunded_tickets"] {
            let docs: Vec<Doc<TicketRecord>> = self
                .coll::<Doc<TicketRecord>>(collection)
                .find(doc! { "booking_id": uuid_bson(id.as_uuid()) })
                .await
                .map_err(backend)?
                .try_collect()
                .await
                .map_err(backend)?;
            tickets.extend(docs.into_iter().map(|d| d.body));
        }
        tickets.sort_by(|a, b| a.seat_id.cmp(&b.seat_id));
        Ok(tickets)
    }

    async fn live_tickets_of_show(&self, show: ShowId) -> StoreResult<Vec<TicketRecord>> {
        let docs: Vec<Doc<TicketRecord>> = self
            .coll::<Doc<TicketRecord>>("tickets")
            .find(doc! { "show_id": uuid_bson(show.as_uuid()) })
            .await
            .map_err(backend)?
            .try_collect()
            .await
            .map_err(backend)?;
        let mut tickets: Vec<TicketRecord> = docs.into_iter().map(|d| d.body).collect();
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
        self.in_transaction(|store, session| {
            let outbox = outbox.clone();
            Box::pin(async move {
                let refunded = store
                    .transition_in(Some(&mut *session), id, &[from], to)
                    .await?;
                if refunded.is_none() {
                    return Ok(None);
                }
                store
                    .coll::<Document>("rewards")
                    .update_one(
                        doc! { "_id": id.to_string(), "revealed": false, "voided": false },
                        doc! { "$set": { "voided": true } },
                    )
                    .session(&mut *session)
                    .await
                    .map_err(backend)?;
                let tickets: Vec<Doc<TicketRecord>> = store
                    .coll::<Doc<TicketRecord>>("tickets")
                    .find(doc! { "booking_id": uuid_bson(id.as_uuid()) })
                    .session(&mut *session)
                    .await
                    .map_err(backend)?
                    .stream(&mut *session)
                    .try_collect()
                    .await
                    .map_err(backend)?;
                if !tickets.is_empty() {
                    let moved: Vec<Doc<TicketRecord>> = tickets
                        .into_iter()
                        .map(|mut d| {
                            d.body.status = TicketStatus::Refunded;
                            d
                        })
                        .collect();
                    store
                        .coll::<Doc<TicketRecord>>("refunded_tickets")
                        .insert_many(moved)
                        .session(&mut *session)
                        .await
                        .map_err(backend)?;
                    store
                        .coll::<Document>("tickets")
                        .delete_many(doc! { "booking_id": uuid_bson(id.as_uuid()) })
                        .session(&mut *session)
                        .await
                        .map_err(backend)?;
                }
                if let Some(entry) = &outbox {
                    store.insert_outbox_in(session, entry).await?;
                }
                Ok(refunded)
            })
        })
        .await
    }

    async fn insert_payment(
        &self,
        payment: &PaymentRecord,
        outbox: Option<&OutboxEntry>,
    ) -> StoreResult<()> {
        let Some(outbox) = outbox.cloned() else {
            return self
                .insert_unique(
                    "payments",
                    &Doc::new(payment.booking_id, payment.clone()),
                    "a payment for this booking",
                )
                .await;
        };
        let payment = payment.clone();
        let result = self
            .in_transaction(|store, session| {
                let (payment, outbox) = (payment.clone(), outbox.clone());
                Box::pin(async move {
                    store
                        .coll::<Doc<PaymentRecord>>("payments")
                        .insert_one(Doc::new(payment.booking_id, payment))
                        .session(&mut *session)
                        .await
                        .map_err(backend)?;
                    store.insert_outbox_in(session, &outbox).await
                })
            })
            .await;
        match result {
            Err(StoreError::Duplicate(_)) => {
                Err(StoreError::Duplicate("a payment for this booking"))
            }
            other => other,
        }
    }

    async fn payment(&self, booking: BookingId) -> StoreResult<Option<PaymentRecord>> {
        self.find_one("payments", doc! { "_id": booking.to_string() })
            .await
    }

    async fn pending_outbox(&self, limit: usize) -> StoreResult<Vec<OutboxEntry>> {
        let docs: Vec<OutboxDoc> = self
            .find_all::<OutboxDoc>(
                "outbox",
                doc! { "pending": true },
                Some(doc! { "created_ms": 1, "_id": 1 }),
                Some(limit as i64),
            )
            .await?;
        Ok(docs.into_iter().map(|d| d.entry).collect())
    }

    async fn mark_outbox_sent(&self, ids: &[Uuid], at: DateTime<Utc>) -> StoreResult<()> {
        if ids.is_empty() {
            return Ok(());
        }
        let ids: Vec<String> = ids.iter().map(ToString::to_string).collect();
        self.coll::<Document>("outbox")
            .update_many(
                doc! { "_id": { "$in": ids }, "pending": true },
                doc! { "$set": { "pending": false, "sent_at": to_bson(&at)? } },
            )
            .await
            .map_err(backend)?;
        Ok(())
    }

    async fn mark_event_processed(&self, consumer: &str, event: Uuid) -> StoreResult<bool> {
        match self
            .insert_unique(
                "processed_events",
                &doc! { "_id": format!("{consumer}|{event}") },
                "event",
            )
            .await
        {
            Ok(()) => Ok(true),
            Err(StoreError::Duplicate(_)) => Ok(false),
            Err(e) => Err(e),
        }
    }

    async fn insert_reward(&self, reward: &RewardRecord) -> StoreResult<()> {
        self.insert_unique(
            "rewards",
            &Doc::new(reward.booking_id, reward.clone()),
            "a reward for this booking",
        )
        .await
    }

    async fn reward(&self, booking: BookingId) -> StoreResult<Option<RewardRecord>> {
        self.find_one("rewards", doc! { "_id": booking.to_string() })
            .await
    }

    async fn reveal_reward(&self, booking: BookingId) -> StoreResult<Option<RewardRecord>> {
        let found = self
            .coll::<Doc<RewardRecord>>("rewards")
            .find_one_and_update(
                doc! { "_id": booking.to_string(), "revealed": false, "voided": false },
                doc! { "$set": { "revealed": true } },
            )
            .return_document(ReturnDocument::After)
            .await
            .map_err(backend)?;
        Ok(found.map(|d| d.body))
    }

    async fn void_reward(&self, booking: BookingId) -> StoreResult<bool> {
        let result = self
            .coll::<Document>("rewards")
            .update_one(
                doc! { "_id": booking.to_string(), "revealed": false, "voided": false },
                doc! { "$set": { "voided": true } },
            )
            .await
            .map_err(backend)?;
        Ok(result.modified_count == 1)
    }

    async fn record_loyalty(
        &self,
        user: UserId,
        entry: &str,
        delta: i64,
    ) -> StoreResult<Option<i64>> {
        let entry = entry.to_owned();
        let result = self
            .in_transaction(|store, session| {
                let entry = entry.clone();
                Box::pin(async move {
                    store
                        .coll::<Document>("loyalty_entries")
                        .insert_one(
                            doc! { "_id": &entry, "user": user.to_string(), "delta": delta },
                        )
                        .session(&mut *session)
                        .await
                        .map_err(backend)?;
                    let found = store
                        .coll::<Document>("loyalty")
                        .find_one_and_update(
                            doc! { "_id": user.to_string() },
                            doc! { "$inc": { "points": delta } },
                        )
                        .upsert(true)
                        .return_document(ReturnDocument::After)
                        .session(&mut *session)
                        .await
                        .map_err(backend)?;
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
            .coll::<Document>("loyalty")
            .find_one(doc! { "_id": user.to_string() })
            .await
            .map_err(backend)?;
        Ok(found.and_then(|d| points_of(&d)).unwrap_or(0))
    }

    async fn coupons_of_user(&self, user: UserId) -> StoreResult<Vec<CouponRecord>> {
        let docs: Vec<Doc<CouponRecord>> = self
            .coll::<Doc<CouponRecord>>("coupons")
            .find(doc! { "user_id": uuid_bson(user.as_uuid()) })
            .await
            .map_err(backend)?
            .try_collect()
            .await
            .map_err(backend)?;
        let mut coupons: Vec<CouponRecord> = docs.into_iter().map(|d| d.body).collect();
        coupons.sort_by_key(|c| c.created_at);
        Ok(coupons)
    }

    async fn insert_coupon(&self, coupon: &CouponRecord) -> StoreResult<()> {
        self.insert_unique("coupons", &Doc::new(&coupon.code, coupon.clone()), "coupon")
            .await
    }

    async fn coupon(&self, code: &str) -> StoreResult<Option<CouponRecord>> {
        self.find_one("coupons", doc! { "_id": code }).await
    }

    async fn redeem_coupon(
        &self,
        code: &str,
        booking: BookingId,
    ) -> StoreResult<Option<CouponRecord>> {
        let found = self
            .coll::<Doc<CouponRecord>>("coupons")
            .find_one_and_update(
                doc! { "_id": code, "redeemed_by": Bson::Null },
                doc! { "$set": { "redeemed_by": uuid_bson(booking.as_uuid()) } },
            )
            .return_document(ReturnDocument::After)
            .await
            .map_err(backend)?;
        Ok(found.map(|d| d.body))
    }

    async fn update_venue(&self, venue: &Venue) -> StoreResult<bool> {
        let result = self
            .coll::<Doc<Venue>>("venues")
            .replace_one(
                doc! { "_id": venue.id.to_string() },
                Doc::new(venue.id, venue.clone()),
            )
            .await
            .map_err(backend)?;
        Ok(result.matched_count == 1)
    }

    async fn update_show(&self, show: &Show) -> StoreResult<bool> {
        let doc = ShowDoc {
            id: show.id.to_string(),
            show: show.clone(),
            starts_ms: show.starts_at.timestamp_millis(),
        };
        let result = self
            .coll::<ShowDoc>("shows")
            .replace_one(doc! { "_id": show.id.to_string() }, doc)
            .await
            .map_err(backend)?;
        Ok(result.matched_count == 1)
    }

    async fn sales_report(
        &self,
        from: DateTime<Utc>,
        to: DateTime<Utc>,
    ) -> StoreResult<SalesReport> {
        let confirmed = doc! {
            "status": status_str(BookingStatus::Confirmed),
            "created_ms": { "$gte": from.timestamp_millis(), "$lt": to.timestamp_millis() },
        };
        let bookings = self.coll::<Document>("bookings");
        let by_day: Vec<Document> = bookings
            .aggregate([
                doc! { "$match": confirmed.clone() },
                doc! { "$group": {
                    "_id": { "day": "$day", "channel": "$channel" },
                    "bookings": { "$sum": 1 },
                    "seats": { "$sum": "$seat_count" },
                    "revenue": { "$sum": "$amount_minor" },
                } },
            ])
            .await
            .map_err(backend)?
            .try_collect()
            .await
            .map_err(backend)?;
        let by_show: Vec<Document> = bookings
            .aggregate([
                doc! { "$match": confirmed },
                doc! { "$group": {
                    "_id": "$show_id",
                    "bookings": { "$sum": 1 },
                    "seats": { "$sum": "$seat_count" },
                    "revenue": { "$sum": "$amount_minor" },
                } },
            ])
            .await
            .map_err(backend)?
            .try_collect()
            .await
            .map_err(backend)?;
        let number = |d: &Document, key: &str| match d.get(key) {
            Some(Bson::Int32(n)) => i64::from(*n),
            Some(Bson::Int64(n)) => *n,
            Some(Bson::Double(n)) => *n as i64,
            _ => 0,
        };
        let mut report = SalesReport::default();
        for d in by_day {
            let group = d
                .get_document("_id")
                .map_err(|e| StoreError::Backend(anyhow!("{e}")))?;
            let channel: eventory_shared::Channel =
                mongodb::bson::from_bson(group.get("channel").cloned().unwrap_or(Bson::Null))
                    .map_err(|e| StoreError::Backend(anyhow!("{e}")))?;
            report.by_day.push(DayRevenue {
                day: group.get_str("day").unwrap_or_default().to_owned(),
                channel,
                bookings: number(&d, "bookings") as u64,
                seats: number(&d, "seats") as u64,
                revenue_minor: number(&d, "revenue"),
            });
        }
        for d in by_show {
            let Some(Bson::Binary(id)) = d.get("_id") else {
                continue;
            };
            let Ok(uuid) = Uuid::from_slice(&id.bytes) else {
                continue;
            };
            report.by_show.push(ShowSales {
                show_id: ShowId::from_uuid(uuid),
                bookings: number(&d, "bookings") as u64,
                seats: number(&d, "seats") as u64,
                revenue_minor: number(&d, "revenue"),
            });
        }
        report.by_day.sort_by(|a, b| {
            (&a.day, serde_json::to_string(&a.channel).ok())
                .cmp(&(&b.day, serde_json::to_string(&b.channel).ok()))
        });
        report
            .by_show
            .sort_by(|a, b| b.seats.cmp(&a.seats).then(a.show_id.cmp(&b.show_id)));
        Ok(report)
    }

    async fn reward_stats(&self) -> StoreResult<RewardStats> {
        let rewards = self.coll::<Document>("rewards");
        let count = |filter: Document| {
            let rewards = rewards.clone();
            async move { rewards.count_documents(filter).await.map_err(backend) }
        };
        Ok(RewardStats {
            issued: count(doc! {}).await?,
            revealed: count(doc! { "revealed": true }).await?,
            voided: count(doc! { "voided": true }).await?,
        })
    }

    async fn users(&self) -> StoreResult<Vec<UserRecord>> {
        let docs: Vec<Doc<UserRecord>> = self
            .find_all::<Doc<UserRecord>>("users", doc! {}, Some(doc! { "email": 1 }), None)
            .await?;
        Ok(docs.into_iter().map(|d| d.body).collect())
    }

    async fn append_audit(&self, entry: &AuditEntry) -> StoreResult<()> {
        let doc = AuditDoc {
            id: entry.id.to_string(),
            entry: entry.clone(),
            at_ms: entry.at.timestamp_millis(),
        };
        self.insert_unique("audit", &doc, "audit entry").await
    }

    async fn audit_log(&self, limit: usize) -> StoreResult<Vec<AuditEntry>> {
        let docs: Vec<AuditDoc> = self
            .find_all::<AuditDoc>(
                "audit",
                doc! {},
                Some(doc! { "at_ms": -1 }),
                Some(limit as i64),
            )
            .await?;
        Ok(docs.into_iter().map(|d| d.entry).collect())
    }
}
