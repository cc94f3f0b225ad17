//! The endpoints of selling: shows, holds, checkout, bookings, refunds, exchanges, tickets,
//! rewards.

use std::collections::BTreeMap;

use chrono::NaiveDate;
use eventory_shared::api::{
    BookingList, BookingTickets, CheckoutRequest, CheckoutResponse, CreateHoldRequest,
    CustomerView, ExchangeRequest, HoldResponse, RefundRequest, RewardView, ScratchResponse,
    ShowDetail,
};
use eventory_shared::{
    Booking, BookingId, HoldId, Money, PaymentMethod, SeatId, Show, ShowId, UserId,
};
use reqwest::Method;

use super::{ApiClient, ClientError};

/// The `Idempotency-Key` of a user action, derived from what it acts on: a hold is checked out
/// once, a booking refunded once, exchanged onto one hold once. A double click, the retry after
/// a token refresh or a timeout, or the same action after the app restarted all send the same
/// key, so the server answers the first result and never charges or refunds twice.
pub fn action_key(action: &str, subjects: &[&str]) -> String {
    format!("eventory-{action}:{}", subjects.join(":"))
}

impl ApiClient {
    pub async fn shows(&self, date: Option<NaiveDate>) -> Result<Vec<Show>, ClientError> {
        let path = match date {
            Some(d) => format!("/api/shows?date={d}"),
            None => "/api/shows".into(),
        };
        self.send::<(), _>(Method::GET, &path, None, None).await
    }

    pub async fn show(&self, show: ShowId) -> Result<ShowDetail, ClientError> {
        self.send::<(), _>(Method::GET, &format!("/api/shows/{show}"), None, None)
            .await
    }

    pub async fn hold(
        &self,
        show: ShowId,
        seats: Vec<SeatId>,
    ) -> Result<HoldResponse, ClientError> {
        self.authed(
            Method::POST,
            &format!("/api/shows/{show}/holds"),
            Some(&CreateHoldRequest { seats }),
        )
        .await
    }

    pub async fn release(&self, hold: HoldId) -> Result<(), ClientError> {
        let token = self.access_token().await?;
        self.send_empty::<()>(
            Method::DELETE,
            &format!("/api/holds/{hold}"),
            Some(&token),
            None,
        )
        .await
    }

    pub async fn checkout(
        &self,
        hold: HoldId,
        payment: PaymentMethod,
        cash_tendered: Option<Money>,
        customer_id: Option<UserId>,
        ticket_types: BTreeMap<SeatId, String>,
        coupon: Option<String>,
    ) -> Result<CheckoutResponse, ClientError> {
        let body = CheckoutRequest {
            payment,
            coupon,
            cash_tendered,
            customer_id,
            ticket_types,
        };
        self.authed_once(
            Method::POST,
            &format!("/api/holds/{hold}/checkout"),
            Some(&body),
            Some(&action_key("checkout", &[&hold.to_string()])),
        )
        .await
    }

    pub async fn booking(&self, booking: BookingId) -> Result<Booking, ClientError> {
        self.authed::<(), _>(Method::GET, &format!("/api/bookings/{booking}"), None)
            .await
    }

    /// Staff: the booking with a code printed on its tickets.
    pub async fn booking_by_code(&self, code: &str) -> Result<Booking, ClientError> {
        let code: String = code.chars().filter(|c| c.is_ascii_alphanumeric()).collect();
        if code.is_empty() {
            return Err(ClientError::Invalid("type a booking code".into()));
        }
        self.authed::<(), _>(Method::GET, &format!("/api/bookings/by-code/{code}"), None)
            .await
    }

    /// A booking with its show and tickets (for printing).
    pub async fn tickets(&self, booking: BookingId) -> Result<BookingTickets, ClientError> {
        self.authed::<(), _>(
            Method::GET,
            &format!("/api/bookings/{booking}/tickets"),
            None,
        )
        .await
    }

    /// The caller's bookings, newest first (a cashier's: what they sold).
    pub async fn my_bookings(&self) -> Result<Vec<Booking>, ClientError> {
        let list: BookingList = self
            .authed::<(), _>(Method::GET, "/api/bookings/mine", None)
            .await?;
        Ok(list.bookings)
    }

    pub async fn refund(&self, booking: BookingId, reason: &str) -> Result<Booking, ClientError> {
        self.authed_once(
            Method::POST,
            &format!("/api/bookings/{booking}/refund"),
            Some(&RefundRequest {
                seats: Vec::new(),
                reason: reason.to_owned(),
            }),
            Some(&action_key("refund", &[&booking.to_string()])),
        )
        .await
    }

    pub async fn exchange(&self, booking: BookingId, hold: HoldId) -> Result<Booking, ClientError> {
        self.authed_once(
            Method::POST,
            &format!("/api/bookings/{booking}/exchange"),
            Some(&ExchangeRequest { hold_id: hold }),
            Some(&action_key(
                "exchange",
                &[&booking.to_string(), &hold.to_string()],
            )),
        )
        .await
    }

    /// The point of sale: the customer a scanned member QR, a typed member code or (counter
    /// staff) an email names.
    pub async fn lookup_customer(&self, query: &str) -> Result<CustomerView, ClientError> {
        let query = query.trim();
        if query.is_empty() {
            return Err(ClientError::Invalid(
                "scan the member QR or type an email".into(),
            ));
        }
        let encoded: String = query
            .bytes()
            .map(|b| match b {
                b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'.' | b'_' | b'~' => {
                    (b as char).to_string()
                }
                _ => format!("%{b:02X}"),
            })
            .collect();
        self.authed::<(), _>(
            Method::GET,
            &format!("/api/customers/lookup?q={encoded}"),
            None,
        )
        .await
    }

    pub async fn reward(&self, booking: BookingId) -> Result<RewardView, ClientError> {
        self.authed::<(), _>(
            Method::GET,
            &format!("/api/bookings/{booking}/reward"),
            None,
        )
        .await
    }

    pub async fn scratch(&self, booking: BookingId) -> Result<ScratchResponse, ClientError> {
        self.authed::<(), _>(
            Method::POST,
            &format!("/api/bookings/{booking}/reward/scratch"),
            None,
        )
        .await
    }
}
