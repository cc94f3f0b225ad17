//! Bookings, tickets and payments in the embedded file. A booking's tickets are found through
//! `tickets_by_booking`, a show's live tickets are the `<show>|` range of `live_seats`, and
//! bookings are listed from the `bookings_by_*` index that narrows the filter most, newest
//! first, stopping at the limit.

use async_trait::async_trait;
use eventory_shared::{BookingId, BookingStatus, ShowId, UserId};
use redb::ReadTransaction;

use super::schema::*;
use super::writes::{insert_booking, transition, void_reward, write_outbox};
use super::EmbeddedStore;
use crate::store::records::*;
use crate::store::{BookingStore, StoreError, StoreResult};

/// The tickets whose ids `ids` lists.
fn tickets_by_id(
    tickets: &super::table::Handle<
        impl redb::ReadableTable<&'static str, &'static [u8]>,
        TicketRecord,
    >,
    ids: Vec<String>,
) -> StoreResult<Vec<TicketRecord>> {
    let mut out = Vec::with_capacity(ids.len());
    for id in ids {
        if let Some(ticket) = tickets.get(&id)? {
            out.push(ticket);
        }
    }
    out.sort_by(|a, b| a.seat_id.cmp(&b.seat_id));
    Ok(out)
}

/// The bookings matching `filter`, newest first, read through the narrowest index.
fn list_bookings(tx: &ReadTransaction, filter: &BookingFilter) -> StoreResult<Vec<BookingRecord>> {
    let (index, prefix) = match (filter.show_id, filter.user_id) {
        (Some(show), _) => (BOOKINGS_BY_SHOW, format!("{show}|")),
        (None, Some(user)) => (BOOKINGS_BY_USER, format!("{user}|")),
        (None, None) => (BOOKINGS_BY_TIME, String::new()),
    };
    let start = match filter.from {
        Some(from) => format!("{prefix}{}", time_key(from)),
        None => prefix.clone(),
    };
    let end = match filter.to {
        Some(to) => format!("{prefix}{}", time_key(to)),
        None => format!("{prefix}\u{10FFFF}"),
    };
    let limit = if filter.limit == 0 { 100 } else { filter.limit };
    let bookings = BOOKINGS.read(tx)?;
    let mut out = Vec::new();
    index
        .read(tx)?
        .visit_range(&start, Some(&end), true, |_, id| {
            if let Some(record) = bookings.get(&id)? {
                let b = &record.booking;
                let keep = filter.show_id.is_none_or(|s| b.show_id == s)
                    && filter.user_id.is_none_or(|u| b.user_id == Some(u))
                    && filter.channel.is_none_or(|c| b.channel == c)
                    && filter.status.is_none_or(|s| b.status == s)
                    && filter.from.is_none_or(|f| b.created_at >= f)
                    && filter.to.is_none_or(|t| b.created_at < t);
                if keep {
                    out.push(record);
                }
            }
            Ok(out.len() < limit)
        })?;
    Ok(out)
}

#[async_trait]
impl BookingStore for EmbeddedStore {
    async fn insert_booking_with_outbox(
        &self,
        booking: &BookingRecord,
        outbox: &OutboxEntry,
    ) -> StoreResult<()> {
        let (booking, outbox) = (booking.clone(), outbox.clone());
        self.write(move |tx| {
            insert_booking(tx, &booking)?;
            write_outbox(tx, &outbox)
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
            let Some(mut claimed) = transition(
                tx,
                old,
                &[BookingStatus::Confirmed],
                BookingStatus::Exchanging,
            )?
            else {
                return Ok(None);
            };
            claimed.exchange_to = Some(new.booking.id);
            BOOKINGS.write(tx)?.insert(&old.to_string(), &claimed)?;
            insert_booking(tx, &new)?;
            write_outbox(tx, &outbox)?;
            Ok(Some(claimed))
        })
        .await
    }

    async fn booking(&self, id: BookingId) -> StoreResult<Option<BookingRecord>> {
        self.read(move |tx| BOOKINGS.read(tx)?.get(&id.to_string()))
            .await
    }

    async fn booking_by_code(&self, code: &str) -> StoreResult<Option<BookingRecord>> {
        let code = code.trim().to_uppercase();
        self.read(move |tx| {
            let Some(id) = BOOKING_CODES.read(tx)?.get(&code)? else {
                return Ok(None);
            };
            BOOKINGS.read(tx)?.get(&id)
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
            let Some(id) = BOOKING_IDEMPOTENCY.read(tx)?.get(&idem_key)? else {
                return Ok(None);
            };
            BOOKINGS.read(tx)?.get(&id)
        })
        .await
    }

    async fn bookings(&self, filter: &BookingFilter) -> StoreResult<Vec<BookingRecord>> {
        let filter = filter.clone();
        self.read(move |tx| list_bookings(tx, &filter)).await
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
            let moved = transition(tx, id, &from, to)?;
            if let (Some(_), Some(entry)) = (&moved, &outbox) {
                write_outbox(tx, entry)?;
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
            let status = BOOKINGS
                .write(tx)?
                .get(&id.to_string())?
                .map(|r| r.booking.status);
            if !matches!(
                status,
                Some(BookingStatus::Pending | BookingStatus::Processing)
            ) {
                return Ok(None);
            }
            let mut live = LIVE_SEATS.write(tx)?;
            let mut taken = Vec::new();
            for t in &tickets {
                if live.contains(&seat_key(t.show_id, &t.seat_id))? {
                    taken.push(t.seat_id.clone());
                }
            }
            if !taken.is_empty() {
                return Err(StoreError::SeatAlreadySold(taken));
            }
            let Some(confirmed) = transition(
                tx,
                id,
                &[BookingStatus::Pending, BookingStatus::Processing],
                BookingStatus::Confirmed,
            )?
            else {
                return Ok(None);
            };
            let (mut all, mut by_booking) = (TICKETS.write(tx)?, TICKETS_BY_BOOKING.write(tx)?);
            for ticket in &tickets {
                let ticket_id = ticket.id.to_string();
                live.insert(&seat_key(ticket.show_id, &ticket.seat_id), &ticket_id)?;
                all.insert(&ticket_id, ticket)?;
                by_booking.insert(&format!("{}|{ticket_id}", ticket.booking_id), &ticket_id)?;
            }
            if let Some(entry) = &outbox {
                write_outbox(tx, entry)?;
            }
            Ok(Some(confirmed))
        })
        .await
    }

    async fn tickets_of_booking(&self, id: BookingId) -> StoreResult<Vec<TicketRecord>> {
        self.read(move |tx| {
            let ids = TICKETS_BY_BOOKING
                .read(tx)?
                .with_prefix(&format!("{id}|"))?;
            tickets_by_id(&TICKETS.read(tx)?, ids)
        })
        .await
    }

    async fn live_tickets_of_show(&self, show: ShowId) -> StoreResult<Vec<TicketRecord>> {
        self.read(move |tx| {
            let ids = LIVE_SEATS.read(tx)?.with_prefix(&format!("{show}|"))?;
            tickets_by_id(&TICKETS.read(tx)?, ids)
        })
        .await
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
            let Some(refunded) = transition(tx, id, &[from], to)? else {
                return Ok(None);
            };
            void_reward(tx, id)?;
            let ids = TICKETS_BY_BOOKING
                .write(tx)?
                .with_prefix(&format!("{id}|"))?;
            let (mut tickets, mut live) = (TICKETS.write(tx)?, LIVE_SEATS.write(tx)?);
            for ticket_id in ids {
                let Some(mut ticket) = tickets.get(&ticket_id)? else {
                    continue;
                };
                if ticket.status != TicketStatus::Live {
                    continue;
                }
                live.remove(&seat_key(ticket.show_id, &ticket.seat_id))?;
                ticket.status = TicketStatus::Refunded;
                tickets.insert(&ticket_id, &ticket)?;
            }
            if let Some(entry) = &outbox {
                write_outbox(tx, entry)?;
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
            PAYMENTS.write(tx)?.insert_new(
                &payment.booking_id.to_string(),
                &payment,
                "a payment for this booking",
            )?;
            if let Some(entry) = &outbox {
                write_outbox(tx, entry)?;
            }
            Ok(())
        })
        .await
    }

    async fn payment(&self, booking: BookingId) -> StoreResult<Option<PaymentRecord>> {
        self.read(move |tx| PAYMENTS.read(tx)?.get(&booking.to_string()))
            .await
    }
}
