//! Checkout: turns a hold into a pending booking whose payment the workers then run.
//!
//! The booking and its `booking.created` event are written in one store transaction (the
//! outbox), so there is no moment where one exists without the other. Only then do the hold's
//! seats become `processing` (they stop expiring). If the hold expired in between, the booking
//! is cancelled with a conditional update and the payment worker, which only charges pending
//! bookings, never charges it.

use std::sync::Arc;

use chrono::Utc;
use eventory_shared::events::{DomainEvent, EventEnvelope};
use eventory_shared::{
    Booking, BookingId, BookingStatus, Channel, HoldId, Money, PaymentMethod, Role, UserId,
};
use uuid::Uuid;

use crate::auth::Caller;
use crate::live::SeatFeed;
use crate::seats::{HoldState, LedgerError, SeatLedger};
use crate::store::{BookingRecord, OutboxEntry, ShowCatalog, Store, StoreError};

/// Why a checkout was refused.
#[derive(Debug, thiserror::Error)]
pub enum CheckoutError {
    #[error("no such hold")]
    NoSuchHold,
    #[error("the hold expired")]
    HoldExpired,
    #[error("payment for this hold has already started")]
    AlreadyCheckedOut,
    #[error("{0}")]
    Invalid(String),
    #[error("{0} may not pay by {1:?}")]
    MethodNotAllowed(Role, PaymentMethod),
    #[error("the show was cancelled")]
    ShowCancelled,
    #[error("the show's prices do not cover seat {0}")]
    Unpriced(String),
    #[error(transparent)]
    Store(#[from] StoreError),
    #[error(transparent)]
    Ledger(LedgerError),
}

/// What checkout produced.
#[derive(Debug)]
pub struct CheckedOut {
    pub booking: BookingRecord,
    pub change_due: Option<Money>,
}

/// Checkout for signed-in callers.
#[derive(Clone)]
pub struct CheckoutDesk {
    pub ledger: Arc<dyn SeatLedger>,
    pub store: Arc<dyn Store>,
    pub catalog: Arc<ShowCatalog>,
    pub feed: SeatFeed,
    /// Woken when an outbox entry is written, so the relay publishes at once.
    pub outbox_written: Arc<tokio::sync::Notify>,
}

/// The sales channel of a role.
pub fn channel_of(role: Role) -> Channel {
    match role {
        Role::Cashier | Role::Admin => Channel::Counter,
        Role::Kiosk => Channel::Kiosk,
        Role::Customer => Channel::Online,
    }
}

/// A short booking code for the counter: 8 characters from an alphabet without look-alikes.
pub fn booking_code() -> String {
    use rand::Rng;
    const ALPHABET: &[u8] = b"ABCDEFGHJKLMNPQRSTUVWXYZ23456789";
    let mut rng = rand::rng();
    (0..8)
        .map(|_| ALPHABET[rng.random_range(0..ALPHABET.len())] as char)
        .collect()
}

impl CheckoutDesk {
    /// Who the sale is for: a customer buys for themselves; staff name the customer attached
    /// at the counter or kiosk (an enabled customer account), or nobody.
    async fn buyer(
        &self,
        caller: &Caller,
        customer: Option<UserId>,
    ) -> Result<Option<UserId>, CheckoutError> {
        match (caller.role, customer) {
            (Role::Customer, None) => Ok(Some(caller.user_id)),
            (Role::Customer, Some(_)) => Err(CheckoutError::Invalid(
                "only staff attach a customer to a sale".into(),
            )),
            (_, None) => Ok(None),
            (_, Some(id)) => match self.store.user(id).await? {
                Some(user) if user.role == Role::Customer && !user.disabled => Ok(Some(id)),
                _ => Err(CheckoutError::Invalid(
                    "customer_id is not an enabled customer account".into(),
                )),
            },
        }
    }

    #[allow(clippy::too_many_arguments)]
    pub async fn checkout(
        &self,
        caller: &Caller,
        hold_id: HoldId,
        method: PaymentMethod,
        cash_tendered: Option<Money>,
        coupon: Option<String>,
        customer: Option<UserId>,
        ticket_types: std::collections::BTreeMap<eventory_shared::SeatId, String>,
        idempotency_key: Option<String>,
    ) -> Result<CheckedOut, CheckoutError> {
        // A retry of a checkout that went through returns the same booking.
        if let Some(done) = self
            .by_key(caller, hold_id, idempotency_key.as_deref())
            .await?
        {
            return Ok(done);
        }
        let allowed = match method {
            PaymentMethod::Cash => caller.role.is_staff(),
            PaymentMethod::Card => true,
        };
        if !allowed {
            return Err(CheckoutError::MethodNotAllowed(caller.role, method));
        }
        let hold = self
            .ledger
            .get_hold(hold_id)
            .await
            .map_err(CheckoutError::Ledger)?
            .filter(|h| h.owner == caller.owner())
            .ok_or(CheckoutError::NoSuchHold)?;
        if hold.state == HoldState::Processing {
            // Checked out already (the claim below is what decides a race; this is a
            // shortcut). A concurrent request with the same key may have won since we looked:
            // it answers its booking.
            return match self
                .by_key(caller, hold_id, idempotency_key.as_deref())
                .await?
            {
                Some(done) => Ok(done),
                None => Err(CheckoutError::AlreadyCheckedOut),
            };
        }
        if hold.expires_at <= Utc::now() {
            return Err(CheckoutError::HoldExpired);
        }
        let cancelled = self
            .catalog
            .show(hold.show_id)
            .await?
            .is_some_and(|s| s.status == eventory_shared::ShowStatus::Cancelled);
        if cancelled {
            return Err(CheckoutError::ShowCancelled);
        }
        let buyer = self.buyer(caller, customer).await?;
        let mut amount = self.price(&hold, &ticket_types).await?;
        let booking_id = BookingId::from_uuid(Uuid::new_v4());
        if let Some(code) = &coupon {
            // The coupon must be the buyer's (or for everyone) and unused; redeeming it is one
            // conditional update, so two checkouts racing with one coupon get it once.
            let usable = self
                .store
                .coupon(code)
                .await?
                .filter(|c| c.user_id.is_none() || (buyer.is_some() && c.user_id == buyer))
                .filter(|c| c.redeemed_by.is_none());
            let redeemed = match usable {
                Some(_) => self.store.redeem_coupon(code, booking_id).await?,
                None => None,
            };
            let coupon = redeemed.ok_or_else(|| {
                CheckoutError::Invalid("this coupon is not valid or was used already".into())
            })?;
            let discount = amount.percent(coupon.percent_off);
            amount = amount
                .checked_sub(discount)
                .map_err(|e| CheckoutError::Invalid(e.to_string()))?;
        }
        if method == PaymentMethod::Cash {
            match cash_tendered {
                None => {
                    return Err(CheckoutError::Invalid(
                        "cash_tendered is required for cash".into(),
                    ))
                }
                Some(t) if t.currency != amount.currency => {
                    return Err(CheckoutError::Invalid(format!(
                        "cash must be in {}",
                        amount.currency
                    )))
                }
                Some(t) if t.amount_minor < amount.amount_minor => {
                    return Err(CheckoutError::Invalid(format!(
                        "{t} does not cover {amount}"
                    )))
                }
                Some(_) => {}
            }
        }

        let now = Utc::now();
        let record = BookingRecord {
            booking: Booking {
                id: booking_id,
                code: booking_code(),
                show_id: hold.show_id,
                user_id: Some(caller.user_id),
                customer_id: buyer,
                seats: hold.seats.clone(),
                // `adult` is the default: only the others are kept.
                ticket_types: ticket_types
                    .into_iter()
                    .filter(|(_, t)| t != eventory_shared::DEFAULT_TICKET_TYPE)
                    .collect(),
                amount,
                channel: channel_of(caller.role),
                payment_method: method,
                status: BookingStatus::Pending,
                created_at: now,
                updated_at: now,
            },
            hold_id,
            idempotency_key,
            cash_tendered: if method == PaymentMethod::Cash {
                cash_tendered
            } else {
                None
            },
            coupon: None,
            exchange_of: None,
            exchange_to: None,
        };
        let event = EventEnvelope::new(
            Uuid::new_v4(),
            now,
            DomainEvent::BookingCreated {
                booking_id,
                show_id: hold.show_id,
                hold_id,
                seats: hold.seats.clone(),
                amount,
                payment_method: method,
                cash_tendered: record.cash_tendered,
            },
        );
        let outbox = OutboxEntry::for_event(&event).map_err(|e| StoreError::Backend(e.into()))?;
        match self
            .store
            .insert_booking_with_outbox(&record, &outbox)
            .await
        {
            Ok(()) => {}
            // A concurrent retry with the same key won: answer with its booking.
            Err(StoreError::Duplicate(_)) if record.idempotency_key.is_some() => {
                return self
                    .by_key(caller, hold_id, record.idempotency_key.as_deref())
                    .await?
                    .ok_or(CheckoutError::Store(StoreError::NotFound("booking")));
            }
            Err(e) => return Err(e.into()),
        }
        self.outbox_written.notify_one();

        // The claim: the hold becomes this booking's, atomically. Of two checkouts of one
        // hold (a double click, two cashiers) exactly one gets here first; the other's
        // booking is cancelled before anything could charge it (the payment worker claims
        // the hold too, and a claimed hold refuses every other booking).
        match self.claim(hold_id, booking_id).await {
            Ok(()) => {}
            Err(e) => {
                self.store
                    .transition_booking(
                        booking_id,
                        &[BookingStatus::Pending],
                        BookingStatus::Cancelled,
                        None,
                    )
                    .await?;
                return Err(match e {
                    LedgerError::HoldExpired(_) | LedgerError::HoldNotFound(_) => {
                        CheckoutError::HoldExpired
                    }
                    LedgerError::WrongHoldState(_) => CheckoutError::AlreadyCheckedOut,
                    other => CheckoutError::Ledger(other),
                });
            }
        }
        metrics::counter!("eventory_checkouts_total", "method" => format!("{method:?}"))
            .increment(1);
        let change_due = change_due(&record);
        Ok(CheckedOut {
            booking: record,
            change_due,
        })
    }

    /// The booking an earlier checkout with this Idempotency-Key made, if any.
    async fn by_key(
        &self,
        caller: &Caller,
        hold_id: HoldId,
        key: Option<&str>,
    ) -> Result<Option<CheckedOut>, CheckoutError> {
        let Some(key) = key else { return Ok(None) };
        let Some(existing) = self
            .store
            .booking_by_idempotency_key(caller.user_id, key)
            .await?
        else {
            return Ok(None);
        };
        if existing.hold_id != hold_id {
            return Err(CheckoutError::Invalid(
                "this Idempotency-Key was used for another hold".into(),
            ));
        }
        let change_due = change_due(&existing);
        Ok(Some(CheckedOut {
            booking: existing,
            change_due,
        }))
    }

    /// Claims the hold for the booking. An ambiguous ledger error (a timeout: Redis may still
    /// have run the script) is resolved by reading the hold back, not by assuming failure; if
    /// even that cannot be read, the booking stays pending and the payment worker, which
    /// claims the hold itself before charging, decides.
    async fn claim(&self, hold_id: HoldId, booking_id: BookingId) -> Result<(), LedgerError> {
        match self.ledger.mark_processing(hold_id, booking_id).await {
            Ok(change) => {
                if let Some(change) = change {
                    self.feed.publish(change).await;
                }
                Ok(())
            }
            Err(LedgerError::Backend(e)) => match self.ledger.get_hold(hold_id).await {
                Ok(Some(hold)) if hold.booking == Some(booking_id) => Ok(()),
                Ok(Some(hold)) if hold.booking.is_some() => {
                    Err(LedgerError::WrongHoldState(hold_id))
                }
                Ok(_) => Err(LedgerError::Backend(e)),
                Err(again) => {
                    tracing::warn!(%hold_id, %booking_id, "claim unknown ({e:#}; read back: {again}); the payment worker decides");
                    Ok(())
                }
            },
            Err(e) => Err(e),
        }
    }

    /// The price of a hold: each seat at its category's price for the show.
    pub(crate) async fn price(
        &self,
        hold: &crate::seats::Hold,
        types: &std::collections::BTreeMap<eventory_shared::SeatId, String>,
    ) -> Result<Money, CheckoutError> {
        let show = self
            .catalog
            .show(hold.show_id)
            .await?
            .ok_or(CheckoutError::NoSuchHold)?;
        let venue = self
            .store
            .venue(show.venue_id)
            .await?
            .ok_or(StoreError::NotFound("venue"))?;
        let categories = venue.layout.seat_categories();
        if let Some(seat) = types.keys().find(|s| !hold.seats.contains(s)) {
            return Err(CheckoutError::Invalid(format!(
                "ticket_types names seat {seat}, which the hold does not have"
            )));
        }
        let offered = show.offered_types();
        if let Some(unknown) = types
            .values()
            .find(|t| !offered.iter().any(|o| &o.id == *t))
        {
            return Err(CheckoutError::Invalid(format!(
                "this show has no ticket type {unknown:?}"
            )));
        }
        let mut total: Option<Money> = None;
        for seat in &hold.seats {
            let kind = types
                .get(seat)
                .map_or(eventory_shared::DEFAULT_TICKET_TYPE, String::as_str);
            let price = categories
                .get(seat)
                .and_then(|c| show.seat_price(c, kind))
                .ok_or_else(|| CheckoutError::Unpriced(seat.to_string()))?;
            total = Some(match total {
                None => price,
                Some(t) => t
                    .checked_add(price)
                    .map_err(|e| CheckoutError::Invalid(e.to_string()))?,
            });
        }
        total.ok_or_else(|| CheckoutError::Invalid("a hold without seats".into()))
    }
}

fn change_due(record: &BookingRecord) -> Option<Money> {
    record
        .cash_tendered
        .and_then(|t| t.checked_sub(record.booking.amount).ok())
}
