//! Bookings, tickets and payments in MongoDB.

use async_trait::async_trait;
use eventory_shared::{BookingId, BookingStatus, ShowId, UserId};
use futures::TryStreamExt;
use mongodb::bson::{doc, Document};
use mongodb::options::ReturnDocument;

use super::codec::{self, date, uuid};
use super::schema::*;
use super::{string_of, MongoStore};
use crate::store::records::*;
use crate::store::{BookingStore, StoreError, StoreResult};

impl MongoStore {
    /// The seats of `tickets` that already have a live ticket of another booking than `id`.
    async fn seats_sold_elsewhere(
        &self,
        id: BookingId,
        tickets: &[TicketRecord],
    ) -> StoreResult<Vec<eventory_shared::SeatId>> {
        let mut taken = Vec::new();
        for ticket in tickets {
            let filter = doc! {
                "show_id": uuid(ticket.show_id.as_uuid()),
                "seat_id": ticket.seat_id.to_string(),
            };
            let live = self.coll(&TICKETS).find_one(filter).await?;
            let other = live.is_some_and(|d| {
                d.get("booking_id").and_then(codec::uuid_of) != Some(*id.as_uuid())
            });
            if other {
                taken.push(ticket.seat_id.clone());
            }
        }
        Ok(taken)
    }
}

#[async_trait]
impl BookingStore for MongoStore {
    async fn insert_booking_with_outbox(
        &self,
        booking: &BookingRecord,
        outbox: &OutboxEntry,
    ) -> StoreResult<()> {
        let result = self
            .in_transaction(|store, session| {
                let (booking, outbox) = (booking.clone(), outbox.clone());
                Box::pin(async move {
                    store.insert_booking_in(&mut *session, &booking).await?;
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
        self.in_transaction(|store, session| {
            let (new, outbox) = (new.clone(), outbox.clone());
            Box::pin(async move {
                let filter = doc! {
                    "_id": uuid(old.as_uuid()),
                    "status": string_of(&BookingStatus::Confirmed),
                };
                let update = doc! { "$set": {
                    "status": string_of(&BookingStatus::Exchanging),
                    "updated_at": date(chrono::Utc::now()),
                    "exchange_to": uuid(new.booking.id.as_uuid()),
                } };
                let claimed = store
                    .coll(&BOOKINGS)
                    .find_one_and_update(filter, update)
                    .return_document(ReturnDocument::After)
                    .session(&mut *session)
                    .await?;
                let Some(claimed) = claimed else {
                    return Ok(None);
                };
                store.insert_booking_in(&mut *session, &new).await?;
                store.insert_outbox_in(session, &outbox).await?;
                Ok(Some(codec::decode(claimed)?))
            })
        })
        .await
    }

    async fn booking(&self, id: BookingId) -> StoreResult<Option<BookingRecord>> {
        self.find_one(&BOOKINGS, doc! { "_id": uuid(id.as_uuid()) })
            .await
    }

    async fn booking_by_code(&self, code: &str) -> StoreResult<Option<BookingRecord>> {
        self.find_one(&BOOKINGS, doc! { "code": code.trim().to_uppercase() })
            .await
    }

    async fn booking_by_idempotency_key(
        &self,
        user: UserId,
        key: &str,
    ) -> StoreResult<Option<BookingRecord>> {
        let found = self
            .coll(&BOOKING_IDEMPOTENCY)
            .find_one(doc! { "_id": { "user_id": uuid(user.as_uuid()), "key": key } })
            .await?;
        let Some(id) = found.and_then(|d| d.get("booking_id").cloned()) else {
            return Ok(None);
        };
        self.find_one(&BOOKINGS, doc! { "_id": id }).await
    }

    async fn bookings(&self, filter: &BookingFilter) -> StoreResult<Vec<BookingRecord>> {
        let mut query = doc! {};
        if let Some(show) = filter.show_id {
            query.insert("show_id", uuid(show.as_uuid()));
        }
        if let Some(user) = filter.user_id {
            query.insert("user_id", uuid(user.as_uuid()));
        }
        if let Some(channel) = filter.channel {
            query.insert("channel", codec::value(&channel)?);
        }
        if let Some(status) = filter.status {
            query.insert("status", string_of(&status));
        }
        let mut created = doc! {};
        if let Some(from) = filter.from {
            created.insert("$gte", date(from));
        }
        if let Some(to) = filter.to {
            created.insert("$lt", date(to));
        }
        if !created.is_empty() {
            query.insert("created_at", created);
        }
        let limit = if filter.limit == 0 { 100 } else { filter.limit } as i64;
        self.find_all(
            &BOOKINGS,
            query,
            Some(doc! { "created_at": -1 }),
            Some(limit),
        )
        .await
    }

    async fn transition_booking(
        &self,
        id: BookingId,
        from: &[BookingStatus],
        to: BookingStatus,
        outbox: Option<&OutboxEntry>,
    ) -> StoreResult<Option<BookingRecord>> {
        let Some(outbox) = outbox else {
            return self.transition_in(None, id, from, to).await;
        };
        self.in_transaction(|store, session| {
            let (from, outbox) = (from.to_vec(), outbox.clone());
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
        let result = self
            .in_transaction(|store, session| {
                let (tickets, outbox) = (tickets.to_vec(), outbox.cloned());
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
                    let docs = tickets
                        .iter()
                        .map(|t| codec::encode(&TICKETS, uuid(t.id.as_uuid()), t))
                        .collect::<StoreResult<Vec<Document>>>()?;
                    store
                        .coll(&TICKETS)
                        .insert_many(docs)
                        .session(&mut *session)
                        .await?;
                    if let Some(entry) = &outbox {
                        store.insert_outbox_in(session, entry).await?;
                    }
                    Ok(confirmed)
                })
            })
            .await;
        match result {
            // The unique index refused a second live ticket for some seat: say which.
            Err(StoreError::Duplicate(_)) => Err(StoreError::SeatAlreadySold(
                self.seats_sold_elsewhere(id, tickets).await?,
            )),
            other => other,
        }
    }

    async fn tickets_of_booking(&self, id: BookingId) -> StoreResult<Vec<TicketRecord>> {
        let mut tickets: Vec<TicketRecord> = Vec::new();
        for coll in [&TICKETS, &REFUNDED_TICKETS] {
            let filter = doc! { "booking_id": uuid(id.as_uuid()) };
            tickets.extend(
                self.find_all::<TicketRecord>(coll, filter, None, None)
                    .await?,
            );
        }
        tickets.sort_by(|a, b| a.seat_id.cmp(&b.seat_id));
        Ok(tickets)
    }

    async fn live_tickets_of_show(&self, show: ShowId) -> StoreResult<Vec<TicketRecord>> {
        let filter = doc! { "show_id": uuid(show.as_uuid()) };
        let mut tickets: Vec<TicketRecord> = self.find_all(&TICKETS, filter, None, None).await?;
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
        self.in_transaction(|store, session| {
            let outbox = outbox.cloned();
            Box::pin(async move {
                let refunded = store
                    .transition_in(Some(&mut *session), id, &[from], to)
                    .await?;
                if refunded.is_none() {
                    return Ok(None);
                }
                let key = uuid(id.as_uuid());
                store
                    .coll(&REWARDS)
                    .update_one(
                        doc! { "_id": key.clone(), "revealed": false, "voided": false },
                        doc! { "$set": { "voided": true } },
                    )
                    .session(&mut *session)
                    .await?;
                let live: Vec<Document> = store
                    .coll(&TICKETS)
                    .find(doc! { "booking_id": key.clone() })
                    .session(&mut *session)
                    .await?
                    .stream(&mut *session)
                    .try_collect()
                    .await?;
                if !live.is_empty() {
                    let refunded_status = codec::value(&TicketStatus::Refunded)?;
                    let moved: Vec<Document> = live
                        .into_iter()
                        .map(|mut d| {
                            d.insert("status", refunded_status.clone());
                            d
                        })
                        .collect();
                    store
                        .coll(&REFUNDED_TICKETS)
                        .insert_many(moved)
                        .session(&mut *session)
                        .await?;
                    store
                        .coll(&TICKETS)
                        .delete_many(doc! { "booking_id": key })
                        .session(&mut *session)
                        .await?;
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
        let id = uuid(payment.booking_id.as_uuid());
        let Some(outbox) = outbox else {
            return self
                .insert_unique(&PAYMENTS, id, payment, "a payment for this booking")
                .await;
        };
        let doc = codec::encode(&PAYMENTS, id, payment)?;
        let result = self
            .in_transaction(|store, session| {
                let (doc, outbox) = (doc.clone(), outbox.clone());
                Box::pin(async move {
                    store
                        .coll(&PAYMENTS)
                        .insert_one(doc)
                        .session(&mut *session)
                        .await?;
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
        self.find_one(&PAYMENTS, doc! { "_id": uuid(booking.as_uuid()) })
            .await
    }
}
