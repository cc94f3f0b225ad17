//! The harness of the lifecycle races: a server with a payment journal of its own, typed
//! requests that answer the success or what came instead, and the journal's charges and refunds.

use std::collections::BTreeMap;
use std::path::PathBuf;
use std::time::{Duration, Instant};

use crate::support::{wait_until, TestServer};
use eventory_server::payments::journal::JournalLine;
use eventory_server::store::{test_support, BookingFilter, BookingRecord};
use eventory_shared::api::{CheckoutResponse, HoldResponse};
use eventory_shared::*;
use reqwest::{Client, RequestBuilder, StatusCode};
use serde::de::DeserializeOwned;
use serde_json::json;
use uuid::Uuid;

use super::Mode;

/// How long a booking may take to come to rest.
const SETTLE_WITHIN: Duration = Duration::from_secs(20);

/// A refused request: its status and body.
#[derive(Debug)]
pub(super) struct Refused {
    pub(super) status: StatusCode,
    pub(super) body: String,
}

impl Refused {
    pub(super) fn code(&self) -> Option<ErrorCode> {
        serde_json::from_str::<ApiErrorBody>(&self.body)
            .ok()
            .map(|b| b.code)
    }
}

/// A request's answer: the body of the expected success, or what came instead.
pub(super) type Answer<T> = Result<T, Refused>;

pub(super) async fn answer<T: DeserializeOwned>(
    request: RequestBuilder,
    success: StatusCode,
) -> Answer<T> {
    let response = request.send().await.expect("the server answers");
    let status = response.status();
    let body = response.text().await.expect("a response body");
    if status == success {
        Ok(serde_json::from_str(&body)
            .unwrap_or_else(|e| panic!("unexpected {status} body {body:?}: {e}")))
    } else {
        Err(Refused { status, body })
    }
}

/// How a checkout pays.
#[derive(Clone, Copy, Debug)]
pub(super) enum Pay {
    Card,
    /// Cash at the counter (staff only), this much tendered in EUR cents.
    Cash(i64),
}

impl Pay {
    pub(super) fn body(self) -> serde_json::Value {
        match self {
            Pay::Card => json!({"payment": "card"}),
            Pay::Cash(minor) => json!({
                "payment": "cash",
                "cash_tendered": {"amount_minor": minor, "currency": "EUR"},
            }),
        }
    }
}

/// A charge or refund line of the journal, flattened.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(super) struct Charge {
    pub(super) booking: BookingId,
    pub(super) payment: Uuid,
    pub(super) amount_minor: i64,
    pub(super) approved: bool,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub(super) struct Refund {
    pub(super) payment: Uuid,
    pub(super) amount_minor: i64,
}

/// A server (workers per `Config::run_workers`) with a payment journal of its own.
pub(super) struct Harness {
    pub(super) server: TestServer,
    pub(super) client: Client,
    pub(super) journal: PathBuf,
    /// Reads any booking.
    pub(super) admin: String,
    pub(super) _dir: tempfile::TempDir,
}

impl Harness {
    pub(super) async fn start(mode: Mode, workers: bool) -> Self {
        Self::start_with(mode, workers, Duration::from_millis(5)).await
    }

    /// [`Harness::start`] with the card terminal taking `card_latency` per charge or refund.
    pub(super) async fn start_with(mode: Mode, workers: bool, card_latency: Duration) -> Self {
        let dir = tempfile::tempdir().unwrap();
        let journal = dir.path().join("payments.jsonl");
        let mut config = match mode {
            Mode::Embedded => crate::support::embedded_config(dir.path()),
            Mode::Cluster => crate::support::cluster_config(),
        };
        // What EVENTORY_PAYMENT_JOURNAL and EVENTORY_RUN_WORKERS set.
        config.sales.payment_journal = Some(journal.clone());
        config.process.run_workers = workers;
        // The card terminal as fast as in the cluster configuration (many rounds per test).
        config.sales.card_latency = card_latency;
        let server = TestServer::start(config).await.expect("server starts");
        let admin = server.token(Role::Admin);
        Self {
            server,
            // A wedged backing service fails the test instead of hanging it.
            client: Client::builder()
                .timeout(Duration::from_secs(30))
                .build()
                .unwrap(),
            journal,
            admin,
            _dir: dir,
        }
    }

    pub(super) async fn stop(self) {
        self.server.shutdown().await.expect("server stops cleanly");
    }

    /// Stops the server (its background work stops where it is) and starts it again on the
    /// same data, Redis keys, database, topics and payment journal.
    pub(super) async fn restart(self) -> Self {
        let config = (*self.server.state.config).clone();
        self.server.shutdown().await.expect("server stops cleanly");
        let server = TestServer::start(config)
            .await
            .expect("server starts again");
        let admin = server.token(Role::Admin);
        Self {
            server,
            admin,
            ..self
        }
    }

    /// A new show of `rows` x `per_row` seats at 10.00 EUR each.
    pub(super) async fn show(&self, rows: u32, per_row: u16) -> ShowId {
        test_support::show_on_sale(self.server.state.store.as_ref(), rows, per_row).await
    }

    pub(super) fn post(&self, token: &str, path: &str, body: serde_json::Value) -> RequestBuilder {
        self.client
            .post(self.server.url(path))
            .bearer_auth(token)
            .json(&body)
    }

    pub(super) async fn try_hold(
        &self,
        token: &str,
        show: ShowId,
        seats: &[&str],
    ) -> Answer<HoldResponse> {
        let request = self.post(
            token,
            &format!("/api/shows/{show}/holds"),
            json!({ "seats": seats }),
        );
        answer(request, StatusCode::CREATED).await
    }

    pub(super) async fn hold(&self, token: &str, show: ShowId, seats: &[&str]) -> HoldResponse {
        self.try_hold(token, show, seats)
            .await
            .unwrap_or_else(|e| panic!("holding {seats:?}: {e:?}"))
    }

    pub(super) async fn checkout(
        &self,
        token: &str,
        hold: HoldId,
        pay: Pay,
        idempotency_key: Option<&str>,
    ) -> Answer<CheckoutResponse> {
        let mut request = self.post(token, &format!("/api/holds/{hold}/checkout"), pay.body());
        if let Some(key) = idempotency_key {
            request = request.header("idempotency-key", key);
        }
        answer(request, StatusCode::ACCEPTED).await
    }

    pub(super) async fn refund(&self, token: &str, booking: BookingId) -> Answer<Booking> {
        let request = self.post(
            token,
            &format!("/api/bookings/{booking}/refund"),
            json!({"reason": "lifecycle race test"}),
        );
        answer(request, StatusCode::OK).await
    }

    pub(super) async fn exchange(
        &self,
        token: &str,
        booking: BookingId,
        hold: HoldId,
    ) -> Answer<Booking> {
        let request = self.post(
            token,
            &format!("/api/bookings/{booking}/exchange"),
            json!({ "hold_id": hold }),
        );
        answer(request, StatusCode::OK).await
    }

    /// `GET /api/bookings/{booking}` as an admin.
    pub(super) async fn booking(&self, booking: BookingId) -> Booking {
        let request = self
            .client
            .get(self.server.url(&format!("/api/bookings/{booking}")))
            .bearer_auth(&self.admin);
        answer(request, StatusCode::OK)
            .await
            .unwrap_or_else(|e| panic!("reading booking {booking}: {e:?}"))
    }

    /// The booking once it has come to rest (confirmed, or ended), within a deadline.
    pub(super) async fn settle(&self, booking: BookingId) -> Booking {
        let what = format!("booking {booking} to settle");
        wait_until(&what, SETTLE_WITHIN, || async {
            let now = self.booking(booking).await;
            now.status.is_settled().then_some(now)
        })
        .await
    }

    /// Holds `seats`, checks them out and waits for the booking to be confirmed.
    pub(super) async fn buy(&self, token: &str, show: ShowId, seats: &[&str], pay: Pay) -> Booking {
        let held = self.hold(token, show, seats).await;
        let started = self
            .checkout(token, held.hold_id, pay, None)
            .await
            .unwrap_or_else(|e| panic!("checkout of {seats:?}: {e:?}"));
        let booking = self.settle(started.booking.id).await;
        assert_eq!(booking.status, BookingStatus::Confirmed, "{booking:?}");
        booking
    }

    /// How long one checkout takes here, the median of one per seat of `seats` (each held and
    /// checked out by card): what a race's second request is staggered by.
    pub(super) async fn checkout_time(&self, show: ShowId, seats: &[&str]) -> Duration {
        let mut took = Vec::new();
        for seat in seats {
            let token = self.server.token(Role::Customer);
            let held = self.hold(&token, show, &[seat]).await;
            let started = Instant::now();
            self.checkout(&token, held.hold_id, Pay::Card, None)
                .await
                .unwrap_or_else(|e| panic!("checkout of {seat}: {e:?}"));
            took.push(started.elapsed());
        }
        took.sort();
        took[took.len() / 2]
    }

    /// Every booking of a show, from the store.
    pub(super) async fn bookings_of(&self, show: ShowId) -> Vec<BookingRecord> {
        self.server
            .state
            .store
            .bookings(&BookingFilter {
                show_id: Some(show),
                limit: 1000,
                ..BookingFilter::default()
            })
            .await
            .unwrap()
    }

    pub(super) async fn record(&self, booking: BookingId) -> BookingRecord {
        self.server
            .state
            .store
            .booking(booking)
            .await
            .unwrap()
            .expect("booking in the store")
    }

    /// The seats of a show with a live ticket, each with its booking.
    pub(super) async fn live_tickets(&self, show: ShowId) -> BTreeMap<String, BookingId> {
        self.server
            .state
            .store
            .live_tickets_of_show(show)
            .await
            .unwrap()
            .into_iter()
            .map(|t| (t.seat_id.to_string(), t.booking_id))
            .collect()
    }

    /// The ledger's state of one seat.
    pub(super) async fn seat(&self, show: ShowId, seat: &str) -> SeatState {
        let snapshot = self.server.state.ledger.snapshot(show).await.unwrap();
        let seat: SeatId = seat.parse().unwrap();
        snapshot
            .seats
            .get(&seat)
            .copied()
            .unwrap_or(SeatState::Available)
    }

    pub(super) fn journal(&self) -> Vec<JournalLine> {
        let text = std::fs::read_to_string(&self.journal).unwrap_or_default();
        text.lines()
            .filter(|l| !l.trim().is_empty())
            .map(|l| serde_json::from_str(l).unwrap_or_else(|e| panic!("journal line {l:?}: {e}")))
            .collect()
    }

    /// The journal's charge decisions for these bookings.
    pub(super) fn charges_of(&self, bookings: &[BookingId]) -> Vec<Charge> {
        self.journal()
            .into_iter()
            .filter_map(|line| match line {
                JournalLine::Charge {
                    booking_id,
                    payment_id,
                    amount_minor,
                    approved,
                    ..
                } if bookings.contains(&booking_id) => Some(Charge {
                    booking: booking_id,
                    payment: payment_id,
                    amount_minor,
                    approved,
                }),
                _ => None,
            })
            .collect()
    }

    /// The journal's refunds of these payments.
    pub(super) fn refunds_of(&self, payments: &[Uuid]) -> Vec<Refund> {
        self.journal()
            .into_iter()
            .filter_map(|line| match line {
                JournalLine::Refund {
                    payment_id,
                    amount_minor,
                    ..
                } if payments.contains(&payment_id) => Some(Refund {
                    payment: payment_id,
                    amount_minor,
                }),
                _ => None,
            })
            .collect()
    }

    /// The payment id the store records for a booking.
    pub(super) async fn payment_id(&self, booking: BookingId) -> Uuid {
        self.server
            .state
            .store
            .payment(booking)
            .await
            .unwrap()
            .unwrap_or_else(|| panic!("booking {booking} has a payment"))
            .payment_id
    }
}

/// Waits `wait` without sleeping on the timer (whose resolution is 1 ms), so rounds of a race
/// start their second request at different points of the first one.
pub(super) async fn stagger(wait: Duration) {
    let until = Instant::now() + wait;
    while Instant::now() < until {
        tokio::task::yield_now().await;
    }
}

pub(super) fn seat_names(booking: &Booking) -> Vec<String> {
    booking.seats.iter().map(ToString::to_string).collect()
}
