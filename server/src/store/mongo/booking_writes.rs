//! Steps the booking lifecycle takes inside a transaction (or alone): a conditional status
//! change, a new booking with its unique code and idempotency key, an outbox entry.

use chrono::Utc;
use eventory_shared::{BookingId, BookingStatus};
use mongodb::bson::{doc, Bson};
use mongodb::options::ReturnDocument;
use mongodb::ClientSession;

use super::codec::{self, date, uuid};
use super::schema::{BOOKINGS, BOOKING_CODES, BOOKING_IDEMPOTENCY, OUTBOX};
use super::{string_of, MongoStore};
use crate::store::records::*;
use crate::store::StoreResult;

impl MongoStore {
    /// One conditional booking update, optionally inside a session: from one of `from` to
    /// `to`; `None` if the booking was in none of them.
    pub(super) async fn transition_in(
        &self,
        session: Option<&mut ClientSession>,
        id: BookingId,
        from: &[BookingStatus],
        to: BookingStatus,
    ) -> StoreResult<Option<BookingRecord>> {
        let from: Vec<String> = from.iter().map(string_of).collect();
        let filter = doc! { "_id": uuid(id.as_uuid()), "status": { "$in": from } };
        let update = doc! { "$set": { "status": string_of(&to), "updated_at": date(Utc::now()) } };
        let bookings = self.coll(&BOOKINGS);
        let action = bookings
            .find_one_and_update(filter, update)
            .return_document(ReturnDocument::After);
        let found = match session {
            Some(session) => action.session(session).await?,
            None => action.await?,
        };
        found.map(codec::decode).transpose()
    }

    /// Inserts a new booking inside `session` (its code, and its idempotency key if any,
    /// unique).
    pub(super) async fn insert_booking_in(
        &self,
        session: &mut ClientSession,
        record: &BookingRecord,
    ) -> StoreResult<()> {
        let id = uuid(record.booking.id.as_uuid());
        if let (Some(user), Some(key)) = (record.booking.user_id, &record.idempotency_key) {
            self.coll(&BOOKING_IDEMPOTENCY)
                .insert_one(doc! {
                    "_id": { "user_id": uuid(user.as_uuid()), "key": key },
                    "booking_id": id.clone(),
                })
                .session(&mut *session)
                .await?;
        }
        self.coll(&BOOKING_CODES)
            .insert_one(doc! { "_id": &record.booking.code, "booking_id": id.clone() })
            .session(&mut *session)
            .await?;
        self.coll(&BOOKINGS)
            .insert_one(codec::encode(&BOOKINGS, id, record)?)
            .session(&mut *session)
            .await?;
        Ok(())
    }

    /// Inserts an outbox entry inside `session`, pending unless already sent.
    pub(super) async fn insert_outbox_in(
        &self,
        session: &mut ClientSession,
        entry: &OutboxEntry,
    ) -> StoreResult<()> {
        let mut doc = codec::encode(&OUTBOX, uuid(&entry.id), entry)?;
        doc.insert("pending", Bson::Boolean(entry.sent_at.is_none()));
        self.coll(&OUTBOX).insert_one(doc).session(session).await?;
        Ok(())
    }
}
