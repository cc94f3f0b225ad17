//! Races in the booking lifecycle, through the real HTTP API of a server with its workers
//! running, in the embedded default and in cluster mode (Redis, MongoDB, Kafka): two checkouts
//! of one hold, two exchanges of one booking, an exchange against a refund, a refund of an
//! exchanged card payment, a flood of holds on a sold seat after Redis lost its keys, and the
//! reconciler finishing bookings whose events never came.
//!
//! Money is counted in the simulated gateways' payment journal (a JSON-lines file per server):
//! every approved charge and every refund the gateways decided, once each.

mod common;

use std::collections::BTreeMap;
use std::path::PathBuf;
use std::time::{Duration, Instant};

use common::TestServer;
use eventory_server::payments::journal::JournalLine;
use eventory_server::store::{test_support, BookingFilter, BookingRecord};
use eventory_shared::api::{CheckoutResponse, HoldResponse, ShowDetail};
use eventory_shared::*;
use reqwest::{Client, RequestBuilder, StatusCode};
use serde::de::DeserializeOwned;
use serde_json::json;
use uuid::Uuid;

/// How long a booking may take to come to rest.
const SETTLE_WITHIN: Duration = Duration::from_secs(20);

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Mode {
    Embedded,
    Cluster,
}

/// One test per mode for each case.
macro_rules! in_both_modes {
    ($($case:ident),* $(,)?) => {$(
        mod $case {
            #[tokio::test(flavor = "multi_thread", worker_threads = 4)]
            async fn embedded() {
                super::$case(super::Mode::Embedded).await;
            }

            #[tokio::test(flavor = "multi_thread", worker_threads = 4)]
            async fn cluster() {
                super::$case(super::Mode::Cluster).await;
            }
        }
    )*};
}

in_both_modes!(
    double_checkout,
    double_checkout_with_one_idempotency_key,
    double_exchange,
    exchange_racing_a_refund,
    refund_after_exchange_returns_the_original_payment,
    reconciler_finishes_bookings_whose_events_were_lost,
);

/// The FLUSH case needs the Redis ledger.
mod flush_then_a_flood_of_holds_on_a_sold_seat {
    #[tokio::test(flavor = "multi_thread", worker_threads = 4)]
    async fn cluster() {
        super::flush_then_a_flood_of_holds_on_a_sold_seat(super::Mode::Cluster).await;
    }
}

// ---- the harness ---------------------------------------------------------------------------

/// A refused request: its status and body.
#[derive(Debug)]
struct Refused {
    status: StatusCode,
    body: String,
}

impl Refused {
    fn code(&self) -> Option<ErrorCode> {
        serde_json::from_str::<ApiErrorBody>(&self.body)
            .ok()
            .map(|b| b.code)
    }
}

/// A request's answer: the body of the expected success, or what came instead.
type Answer<T> = Result<T, Refused>;

async fn answer<T: DeserializeOwned>(request: RequestBuilder, success: StatusCode) -> Answer<T> {
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
enum Pay {
    Card,
    /// Cash at the counter (staff only), this much tendered in EUR cents.
    Cash(i64),
}

impl Pay {
    fn body(self) -> serde_json::Value {
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
struct Charge {
    booking: BookingId,
    payment: Uuid,
    amount_minor: i64,
    approved: bool,
}

#[derive(Clone, Debug, PartialEq, Eq)]
struct Refund {
    payment: Uuid,
    amount_minor: i64,
}

/// A server (workers per `Config::run_workers`) with a payment journal of its own.
struct Harness {
    server: TestServer,
    client: Client,
    journal: PathBuf,
    /// Reads any booking.
    admin: String,
    _dir: tempfile::TempDir,
}

impl Harness {
    async fn start(mode: Mode, workers: bool) -> Self {
        let dir = tempfile::tempdir().unwrap();
        let journal = dir.path().join("payments.jsonl");
        let mut config = match mode {
            Mode::Embedded => common::embedded_config(dir.path()),
            Mode::Cluster => common::cluster_config(),
        };
        // What EVENTORY_PAYMENT_JOURNAL and EVENTORY_RUN_WORKERS set.
        config.payment_journal = Some(journal.clone());
        config.run_workers = workers;
        // The card terminal as fast as in the cluster configuration (many rounds per test).
        config.card_latency = Duration::from_millis(5);
        let server = TestServer::start(config).await;
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

    async fn stop(self) {
        self.server.shutdown().await;
    }

    /// A new show of `rows` x `per_row` seats at 10.00 EUR each.
    async fn show(&self, rows: u32, per_row: u16) -> ShowId {
        test_support::show_on_sale(self.server.state.store.as_ref(), rows, per_row).await
    }

    fn post(&self, token: &str, path: &str, body: serde_json::Value) -> RequestBuilder {
        self.client
            .post(self.server.url(path))
            .bearer_auth(token)
            .json(&body)
    }

    async fn try_hold(&self, token: &str, show: ShowId, seats: &[&str]) -> Answer<HoldResponse> {
        let request = self.post(
            token,
            &format!("/api/shows/{show}/holds"),
            json!({ "seats": seats }),
        );
        answer(request, StatusCode::CREATED).await
    }

    async fn hold(&self, token: &str, show: ShowId, seats: &[&str]) -> HoldResponse {
        self.try_hold(token, show, seats)
            .await
            .unwrap_or_else(|e| panic!("holding {seats:?}: {e:?}"))
    }

    async fn checkout(
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

    async fn refund(&self, token: &str, booking: BookingId) -> Answer<Booking> {
        let request = self.post(
            token,
            &format!("/api/bookings/{booking}/refund"),
            json!({"reason": "lifecycle race test"}),
        );
        answer(request, StatusCode::OK).await
    }

    async fn exchange(&self, token: &str, booking: BookingId, hold: HoldId) -> Answer<Booking> {
        let request = self.post(
            token,
            &format!("/api/bookings/{booking}/exchange"),
            json!({ "hold_id": hold }),
        );
        answer(request, StatusCode::OK).await
    }

    /// `GET /api/bookings/{booking}` as an admin.
    async fn booking(&self, booking: BookingId) -> Booking {
        let request = self
            .client
            .get(self.server.url(&format!("/api/bookings/{booking}")))
            .bearer_auth(&self.admin);
        answer(request, StatusCode::OK)
            .await
            .unwrap_or_else(|e| panic!("reading booking {booking}: {e:?}"))
    }

    /// The booking once it has come to rest (confirmed, or ended), within a deadline.
    async fn settle(&self, booking: BookingId) -> Booking {
        let deadline = Instant::now() + SETTLE_WITHIN;
        loop {
            let now = self.booking(booking).await;
            if now.status.is_settled() {
                return now;
            }
            assert!(
                Instant::now() < deadline,
                "booking {booking} stuck in {:?}",
                now.status
            );
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
    }

    /// Holds `seats`, checks them out and waits for the booking to be confirmed.
    async fn buy(&self, token: &str, show: ShowId, seats: &[&str], pay: Pay) -> Booking {
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
    async fn checkout_time(&self, show: ShowId, seats: &[&str]) -> Duration {
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
    async fn bookings_of(&self, show: ShowId) -> Vec<BookingRecord> {
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

    async fn record(&self, booking: BookingId) -> BookingRecord {
        self.server
            .state
            .store
            .booking(booking)
            .await
            .unwrap()
            .expect("booking in the store")
    }

    /// The seats of a show with a live ticket, each with its booking.
    async fn live_tickets(&self, show: ShowId) -> BTreeMap<String, BookingId> {
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
    async fn seat(&self, show: ShowId, seat: &str) -> SeatState {
        let snapshot = self.server.state.ledger.snapshot(show).await.unwrap();
        let seat: SeatId = seat.parse().unwrap();
        snapshot
            .seats
            .get(&seat)
            .copied()
            .unwrap_or(SeatState::Available)
    }

    fn journal(&self) -> Vec<JournalLine> {
        let text = std::fs::read_to_string(&self.journal).unwrap_or_default();
        text.lines()
            .filter(|l| !l.trim().is_empty())
            .map(|l| serde_json::from_str(l).unwrap_or_else(|e| panic!("journal line {l:?}: {e}")))
            .collect()
    }

    /// The journal's charge decisions for these bookings.
    fn charges_of(&self, bookings: &[BookingId]) -> Vec<Charge> {
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
    fn refunds_of(&self, payments: &[Uuid]) -> Vec<Refund> {
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
    async fn payment_id(&self, booking: BookingId) -> Uuid {
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
async fn stagger(wait: Duration) {
    let until = Instant::now() + wait;
    while Instant::now() < until {
        tokio::task::yield_now().await;
    }
}

fn seat_names(booking: &Booking) -> Vec<String> {
    booking.seats.iter().map(ToString::to_string).collect()
}

// ---- 1. two checkouts of one hold ------------------------------------------------------------

/// The same hold checked out twice at once (a double click), no Idempotency-Key: one 202, one
/// 409; one booking confirmed and charged once; the other, if it was written, cancelled and
/// never charged.
async fn double_checkout(mode: Mode) {
    const ROUNDS: usize = 20;
    let h = Harness::start(mode, true).await;
    let show = h.show(3, 10).await;
    let seats: Vec<String> = common::grid_seats(3, 10)
        .iter()
        .map(ToString::to_string)
        .collect();
    let span = h.checkout_time(show, &["C8", "C9", "C10"]).await;
    // Rounds where both requests got as far as writing a booking (the ledger claim decided).
    let mut claim_races = 0;
    for (round, seat) in seats.iter().enumerate().take(ROUNDS) {
        let seat = seat.as_str();
        let token = h.server.token(Role::Customer);
        let held = h.hold(&token, show, &[seat]).await;
        let (first, second) =
            tokio::join!(h.checkout(&token, held.hold_id, Pay::Card, None), async {
                // From together to about when the first one answers (its booking is not
                // confirmed by then: the charge only starts).
                stagger(span * round as u32 / ROUNDS as u32).await;
                h.checkout(&token, held.hold_id, Pay::Card, None).await
            });
        let (won, lost) = match (first, second) {
            (Ok(won), Err(lost)) | (Err(lost), Ok(won)) => (won, lost),
            other => panic!("round {round} ({seat}): want one 202 and one 409, got {other:?}"),
        };
        assert_eq!(
            lost.status,
            StatusCode::CONFLICT,
            "round {round} ({seat}): the second checkout: {lost:?}"
        );

        let winner = h.settle(won.booking.id).await;
        assert_eq!(winner.status, BookingStatus::Confirmed, "round {round}");
        let of_hold: Vec<BookingRecord> = h
            .bookings_of(show)
            .await
            .into_iter()
            .filter(|r| r.hold_id == held.hold_id)
            .collect();
        assert!(
            (1..=2).contains(&of_hold.len()),
            "round {round}: {} bookings for one hold",
            of_hold.len()
        );
        claim_races += usize::from(of_hold.len() == 2);
        let ids: Vec<BookingId> = of_hold.iter().map(|r| r.booking.id).collect();
        for loser in ids.iter().filter(|id| **id != winner.id) {
            let loser = h.settle(*loser).await;
            assert_eq!(
                loser.status,
                BookingStatus::Cancelled,
                "round {round}: the losing booking"
            );
            assert_eq!(
                h.server.state.store.payment(loser.id).await.unwrap(),
                None,
                "round {round}: the losing booking has no payment"
            );
        }
        let charges = h.charges_of(&ids);
        assert_eq!(
            charges,
            vec![Charge {
                booking: winner.id,
                payment: h.payment_id(winner.id).await,
                amount_minor: 1000,
                approved: true,
            }],
            "round {round}: one approved charge, the winner's"
        );
        assert_eq!(
            h.live_tickets(show).await.get(seat),
            Some(&winner.id),
            "round {round}: the seat's ticket is the winner's"
        );
        assert_eq!(h.seat(show, seat).await, SeatState::Sold, "round {round}");
    }
    let live = h.live_tickets(show).await;
    assert_eq!(
        seats[..ROUNDS]
            .iter()
            .filter(|s| live.contains_key(*s))
            .count(),
        ROUNDS,
        "one ticket per round"
    );
    eprintln!(
        "double checkout ({mode:?}, checkout takes {span:?}): {claim_races} of {ROUNDS} rounds \
         decided by the ledger claim"
    );
    h.stop().await;
}

/// The same double click with one Idempotency-Key on both requests: both answer the same
/// booking, which is charged once.
async fn double_checkout_with_one_idempotency_key(mode: Mode) {
    const ROUNDS: usize = 150;
    let h = Harness::start(mode, true).await;
    let show = h.show(16, 10).await;
    let seats: Vec<String> = common::grid_seats(16, 10)
        .iter()
        .map(ToString::to_string)
        .collect();
    let span = h.checkout_time(show, &["P8", "P9", "P10"]).await;
    let mut refused = Vec::new();
    let mut raced = Vec::new();
    // The races first (many rounds: the window is a fraction of a millisecond), the bookings'
    // outcomes after.
    for (round, seat) in seats.iter().enumerate().take(ROUNDS) {
        let token = h.server.token(Role::Customer);
        let key = format!("double-click-{round}");
        let held = h.hold(&token, show, &[seat]).await;
        let (first, second) = tokio::join!(
            h.checkout(&token, held.hold_id, Pay::Card, Some(&key)),
            async {
                // From half-way through the first request to just after it: the retry's key
                // lookup lands before, around and after the first one's write.
                stagger(span * (5 * ROUNDS + 7 * round) as u32 / (10 * ROUNDS) as u32).await;
                h.checkout(&token, held.hold_id, Pay::Card, Some(&key))
                    .await
            }
        );
        let booking = match (first, second) {
            (Ok(first), Ok(second)) => {
                assert_eq!(
                    first.booking.id, second.booking.id,
                    "round {round}: one key, one booking"
                );
                first.booking.id
            }
            (Ok(ok), Err(e)) | (Err(e), Ok(ok)) => {
                // Keep going to see how often, then fail below.
                refused.push(format!("round {round} ({seat}): {} {}", e.status, e.body));
                ok.booking.id
            }
            other => panic!("round {round} ({seat}): {other:?}"),
        };
        raced.push((round, held.hold_id, booking));
    }
    let of_show = h.bookings_of(show).await;
    for (round, hold, booking) in raced {
        let settled = h.settle(booking).await;
        assert_eq!(settled.status, BookingStatus::Confirmed, "round {round}");
        let of_hold: Vec<BookingId> = of_show
            .iter()
            .filter(|r| r.hold_id == hold)
            .map(|r| r.booking.id)
            .collect();
        assert_eq!(of_hold, vec![booking], "round {round}: one booking");
        let charges = h.charges_of(&of_hold);
        assert_eq!(charges.len(), 1, "round {round}: charged once: {charges:?}");
        assert!(charges[0].approved, "round {round}");
    }
    assert!(
        refused.is_empty(),
        "a retry with the same Idempotency-Key must answer the same booking, but {} of \
         {ROUNDS} were refused (checkout takes {span:?}):\n{}",
        refused.len(),
        refused.join("\n")
    );
    h.stop().await;
}

// ---- 2. two exchanges of one booking ---------------------------------------------------------

/// A confirmed cash booking, exchanged at once onto two different holds of the same price: one
/// exchange wins (200), the other gets 409; the old booking is exchanged, the winner's seat is
/// the only one sold, and the loser's hold sells nothing.
async fn double_exchange(mode: Mode) {
    let h = Harness::start(mode, true).await;
    let cashier = h.server.token(Role::Cashier);
    let mut winners = [0usize; 2];
    for round in 0..5 {
        let show = h.show(2, 5).await;
        let old = h.buy(&cashier, show, &["A1"], Pay::Cash(2000)).await;
        let paid = h.payment_id(old.id).await;
        let left = h.hold(&cashier, show, &["B1"]).await;
        let right = h.hold(&cashier, show, &["B2"]).await;
        let (a, b) = tokio::join!(h.exchange(&cashier, old.id, left.hold_id), async {
            stagger(Duration::from_micros(round as u64 * 300)).await;
            h.exchange(&cashier, old.id, right.hold_id).await
        });
        let (new, lost, won_hold, lost_hold) = match (a, b) {
            (Ok(new), Err(lost)) => {
                winners[0] += 1;
                (new, lost, &left, &right)
            }
            (Err(lost), Ok(new)) => {
                winners[1] += 1;
                (new, lost, &right, &left)
            }
            other => panic!("round {round}: want one 200 and one 409, got {other:?}"),
        };
        assert_eq!(lost.status, StatusCode::CONFLICT, "round {round}: {lost:?}");
        assert_eq!(new.status, BookingStatus::Confirmed, "round {round}");
        assert_eq!(seat_names(&new), [won_hold.seats[0].to_string()]);
        let won_seat = won_hold.seats[0].to_string();
        let lost_seat = lost_hold.seats[0].to_string();

        let old_now = h.settle(old.id).await;
        assert_eq!(old_now.status, BookingStatus::Exchanged, "round {round}");
        assert_eq!(h.record(old.id).await.exchange_to, Some(new.id));
        let replacements: Vec<BookingRecord> = h
            .bookings_of(show)
            .await
            .into_iter()
            .filter(|r| r.exchange_of == Some(old.id))
            .collect();
        assert_eq!(
            replacements.len(),
            1,
            "round {round}: one new booking: {replacements:?}"
        );
        assert_eq!(replacements[0].booking.id, new.id);
        assert_eq!(
            h.booking(new.id).await.status,
            BookingStatus::Confirmed,
            "round {round}"
        );
        assert_eq!(
            h.live_tickets(show).await,
            BTreeMap::from([(won_seat.clone(), new.id)]),
            "round {round}: only the winner's seat has a live ticket"
        );
        assert_eq!(
            h.seat(show, "A1").await,
            SeatState::Available,
            "round {round}"
        );
        assert_eq!(
            h.seat(show, &won_seat).await,
            SeatState::Sold,
            "round {round}"
        );
        let loser_state = h.seat(show, &lost_seat).await;
        assert!(
            matches!(loser_state, SeatState::Held | SeatState::Available),
            "round {round}: the losing hold's seat is {loser_state:?}"
        );
        // The money stayed where it was: one cash charge, carried to the new booking.
        let charges = h.charges_of(&[old.id, new.id]);
        assert_eq!(charges.len(), 1, "round {round}: {charges:?}");
        assert_eq!(charges[0].payment, paid);
        assert_eq!(h.payment_id(new.id).await, paid, "round {round}");
        assert!(h.refunds_of(&[paid]).is_empty(), "round {round}");
    }
    eprintln!("double exchange ({mode:?}) winners (left, right): {winners:?}");
    h.stop().await;
}

// ---- 3. an exchange racing a refund ----------------------------------------------------------

/// A confirmed cash booking, exchanged and refunded at the same time: exactly one succeeds.
/// A refund that won returns the money once and sells nothing; an exchange that won moves the
/// booking and returns no money.
async fn exchange_racing_a_refund(mode: Mode) {
    let h = Harness::start(mode, true).await;
    let cashier = h.server.token(Role::Cashier);
    let other_cashier = h.server.token(Role::Cashier);
    let (mut refunds_won, mut exchanges_won) = (0, 0);
    // An exchange does more before its claim than a refund: give either a head start of up to
    // about one checkout's time.
    let span = h
        .checkout_time(h.show(1, 3).await, &["A1", "A2", "A3"])
        .await;
    for round in 0..10 {
        let show = h.show(2, 5).await;
        let old = h.buy(&cashier, show, &["A1"], Pay::Cash(1000)).await;
        let paid = h.payment_id(old.id).await;
        let held = h.hold(&cashier, show, &["B3"]).await;
        let delay = span * (round / 2) / 4;
        let (exchanged, refunded) = tokio::join!(
            async {
                if round % 2 == 1 {
                    stagger(delay).await;
                }
                h.exchange(&cashier, old.id, held.hold_id).await
            },
            async {
                if round % 2 == 0 {
                    stagger(delay).await;
                }
                h.refund(&other_cashier, old.id).await
            }
        );
        match (exchanged, refunded) {
            (Err(lost), Ok(refunded)) => {
                refunds_won += 1;
                assert_eq!(lost.status, StatusCode::CONFLICT, "round {round}: {lost:?}");
                assert_eq!(refunded.status, BookingStatus::Refunded, "round {round}");
                assert_eq!(h.settle(old.id).await.status, BookingStatus::Refunded);
                assert!(
                    h.live_tickets(show).await.is_empty(),
                    "round {round}: nothing sold after the refund"
                );
                assert_eq!(h.seat(show, "A1").await, SeatState::Available);
                let b3 = h.seat(show, "B3").await;
                assert!(
                    matches!(b3, SeatState::Held | SeatState::Available),
                    "round {round}: B3 is {b3:?}"
                );
                let new_bookings: Vec<BookingRecord> = h
                    .bookings_of(show)
                    .await
                    .into_iter()
                    .filter(|r| r.exchange_of == Some(old.id))
                    .collect();
                assert!(
                    new_bookings
                        .iter()
                        .all(|r| r.booking.status == BookingStatus::Cancelled),
                    "round {round}: {new_bookings:?}"
                );
                assert_eq!(
                    h.refunds_of(&[paid]),
                    vec![Refund {
                        payment: paid,
                        amount_minor: 1000
                    }],
                    "round {round}: refunded once"
                );
            }
            (Ok(new), Err(lost)) => {
                exchanges_won += 1;
                assert_eq!(lost.status, StatusCode::CONFLICT, "round {round}: {lost:?}");
                assert_eq!(new.status, BookingStatus::Confirmed, "round {round}");
                assert_eq!(h.settle(old.id).await.status, BookingStatus::Exchanged);
                assert_eq!(
                    h.live_tickets(show).await,
                    BTreeMap::from([("B3".to_owned(), new.id)]),
                    "round {round}"
                );
                assert_eq!(h.seat(show, "A1").await, SeatState::Available);
                assert_eq!(h.seat(show, "B3").await, SeatState::Sold);
                assert_eq!(
                    h.refunds_of(&[paid]),
                    vec![],
                    "round {round}: no money returned"
                );
            }
            other => panic!("round {round}: want exactly one 200 and one 409, got {other:?}"),
        }
        let charges = h.charges_of(&[old.id]);
        assert_eq!(charges.len(), 1, "round {round}: {charges:?}");
    }
    eprintln!(
        "exchange vs refund ({mode:?}): refunds won {refunds_won}, exchanges won {exchanges_won}"
    );
    h.stop().await;
}

// ---- 4. a refund after an exchange -----------------------------------------------------------

/// A card booking exchanged by a cashier, then the new booking refunded: the refund returns the
/// ORIGINAL payment, once, whatever is asked again afterwards.
async fn refund_after_exchange_returns_the_original_payment(mode: Mode) {
    let h = Harness::start(mode, true).await;
    let show = h.show(2, 5).await;
    let customer = h.server.token(Role::Customer);
    let cashier = h.server.token(Role::Cashier);
    let old = h.buy(&customer, show, &["A1", "A2"], Pay::Card).await;
    let original = h.payment_id(old.id).await;
    assert_eq!(
        h.charges_of(&[old.id]),
        vec![Charge {
            booking: old.id,
            payment: original,
            amount_minor: 2000,
            approved: true,
        }]
    );

    let held = h.hold(&cashier, show, &["B4", "B5"]).await;
    let new = h
        .exchange(&cashier, old.id, held.hold_id)
        .await
        .unwrap_or_else(|e| panic!("exchange: {e:?}"));
    assert_eq!(new.status, BookingStatus::Confirmed);
    assert_eq!(new.payment_method, PaymentMethod::Card);
    assert_eq!(new.user_id, old.user_id, "still the customer's booking");
    assert_eq!(h.settle(old.id).await.status, BookingStatus::Exchanged);

    let refunded = h
        .refund(&cashier, new.id)
        .await
        .unwrap_or_else(|e| panic!("refund: {e:?}"));
    assert_eq!(refunded.status, BookingStatus::Refunded);
    let all_refunds = h.refunds_of(&[original, h.payment_id(new.id).await]);
    assert_eq!(
        all_refunds,
        vec![Refund {
            payment: original,
            amount_minor: 2000,
        }],
        "one refund, of the original card payment"
    );
    let every_refund: Vec<JournalLine> = h
        .journal()
        .into_iter()
        .filter(|l| matches!(l, JournalLine::Refund { .. }))
        .collect();
    assert_eq!(every_refund.len(), 1, "{every_refund:?}");
    assert_eq!(
        h.charges_of(&[old.id, new.id]).len(),
        1,
        "the exchange charged nothing"
    );

    // Asked again: the same answer, no second refund.
    let again = h
        .refund(&cashier, new.id)
        .await
        .unwrap_or_else(|e| panic!("second refund: {e:?}"));
    assert_eq!((again.id, again.status), (new.id, BookingStatus::Refunded));
    // The old booking's money went with the exchange: it cannot be refunded a second way.
    let old_again = h.refund(&cashier, old.id).await;
    assert!(
        matches!(&old_again, Err(e) if e.status == StatusCode::CONFLICT),
        "refunding the exchanged booking: {old_again:?}"
    );
    let every_refund = h
        .journal()
        .into_iter()
        .filter(|l| matches!(l, JournalLine::Refund { .. }))
        .count();
    assert_eq!(every_refund, 1, "no second refund line");
    assert!(h.live_tickets(show).await.is_empty());
    for seat in ["A1", "A2", "B4", "B5"] {
        assert_eq!(h.seat(show, seat).await, SeatState::Available, "{seat}");
    }
    h.stop().await;
}

// ---- 5. Redis loses its keys, then a flood of holds ------------------------------------------

/// A1 is sold; every Redis key of the server goes; 300 customers then try to hold A1 at once.
/// The ledger is rebuilt from the store: none of them gets it.
async fn flush_then_a_flood_of_holds_on_a_sold_seat(mode: Mode) {
    assert_eq!(
        mode,
        Mode::Cluster,
        "the embedded ledger lives in the process"
    );
    let h = Harness::start(mode, true).await;
    let show = h.show(3, 10).await;
    let buyer = h.server.token(Role::Customer);
    let sold = h.buy(&buyer, show, &["A1"], Pay::Card).await;
    assert_eq!(h.seat(show, "A1").await, SeatState::Sold);

    let config = &h.server.state.config;
    let url = config.redis_url.clone().expect("cluster mode has Redis");
    let deleted = delete_keys(&url, &config.redis_namespace).await;
    assert!(deleted > 0, "the server had Redis keys");
    assert!(
        matches!(
            h.server.state.ledger.snapshot(show).await,
            Err(eventory_server::seats::LedgerError::UnknownShow(_))
        ),
        "the ledger lost the show"
    );
    // Past the fast-reject window, so every hold asks the (empty) ledger.
    tokio::time::sleep(eventory_server::seats::FAST_REJECT_WINDOW + Duration::from_millis(50))
        .await;

    let tokens: Vec<String> = (0..300).map(|_| h.server.token(Role::Customer)).collect();
    let answers =
        futures::future::join_all(tokens.iter().map(|t| h.try_hold(t, show, &["A1"]))).await;
    let mut held = Vec::new();
    let mut other = Vec::new();
    for answer in answers {
        match answer {
            Ok(hold) => held.push(hold),
            Err(e)
                if e.status == StatusCode::CONFLICT && e.code() == Some(ErrorCode::SeatsTaken) => {}
            Err(e) => other.push(e),
        }
    }
    assert!(
        held.is_empty(),
        "{} holds got the sold seat A1 after the flush: {:?}",
        held.len(),
        held.first()
    );
    assert!(other.is_empty(), "not seats_taken: {other:?}");

    let detail: ShowDetail = answer(
        h.client.get(h.server.url(&format!("/api/shows/{show}"))),
        StatusCode::OK,
    )
    .await
    .unwrap();
    assert_eq!(
        detail.seat_map.state(&"A1".parse().unwrap()),
        SeatState::Sold,
        "the seat map shows A1 sold"
    );
    assert_eq!(
        h.live_tickets(show).await,
        BTreeMap::from([("A1".to_owned(), sold.id)])
    );
    h.stop().await;
}

/// Deletes every Redis key under `namespace` (SCAN + DEL); returns how many went.
async fn delete_keys(url: &str, namespace: &str) -> usize {
    let client = redis::Client::open(url).unwrap();
    let mut conn = client.get_multiplexed_async_connection().await.unwrap();
    let pattern = format!("{namespace}*");
    let mut cursor: u64 = 0;
    let mut deleted = 0;
    loop {
        let (next, keys): (u64, Vec<String>) = redis::cmd("SCAN")
            .arg(cursor)
            .arg("MATCH")
            .arg(&pattern)
            .arg("COUNT")
            .arg(500)
            .query_async(&mut conn)
            .await
            .unwrap();
        if !keys.is_empty() {
            let n: usize = redis::cmd("DEL")
                .arg(&keys)
                .query_async(&mut conn)
                .await
                .unwrap();
            deleted += n;
        }
        if next == 0 {
            return deleted;
        }
        cursor = next;
    }
}

// ---- 6. the reconciler -----------------------------------------------------------------------

/// No workers: a checked-out booking's events are never handled. The reconciler charges and
/// confirms it; a refund claimed but never finished is finished by it too.
async fn reconciler_finishes_bookings_whose_events_were_lost(mode: Mode) {
    let h = Harness::start(mode, false).await;
    let ctx = h.server.state.sales();
    let show = h.show(2, 5).await;
    let customer = h.server.token(Role::Customer);
    let held = h.hold(&customer, show, &["A3", "A4"]).await;
    let started = h
        .checkout(&customer, held.hold_id, Pay::Card, None)
        .await
        .unwrap_or_else(|e| panic!("checkout: {e:?}"));
    let id = started.booking.id;
    tokio::time::sleep(Duration::from_millis(300)).await;
    assert_eq!(
        h.booking(id).await.status,
        BookingStatus::Pending,
        "nothing moves it without workers"
    );
    assert!(h.charges_of(&[id]).is_empty());

    let confirmed = reconcile_until(&h, &ctx, id, BookingStatus::Confirmed).await;
    assert_eq!(seat_names(&confirmed), ["A3", "A4"]);
    let tickets = h.server.state.store.tickets_of_booking(id).await.unwrap();
    assert_eq!(
        tickets
            .iter()
            .map(|t| t.seat_id.to_string())
            .collect::<Vec<_>>(),
        ["A3", "A4"]
    );
    let paid = h.payment_id(id).await;
    assert_eq!(
        h.charges_of(&[id]),
        vec![Charge {
            booking: id,
            payment: paid,
            amount_minor: 2000,
            approved: true,
        }],
        "charged once"
    );
    assert_eq!(h.seat(show, "A3").await, SeatState::Sold);

    // A refund decided (claimed) whose process died before anything else.
    let claimed = h
        .server
        .state
        .store
        .refund_booking(id, BookingStatus::Confirmed, BookingStatus::Refunding, None)
        .await
        .unwrap();
    assert_eq!(
        claimed.map(|r| r.booking.status),
        Some(BookingStatus::Refunding)
    );
    let refunded = reconcile_until(&h, &ctx, id, BookingStatus::Refunded).await;
    assert_eq!(refunded.id, id);
    for seat in ["A3", "A4"] {
        assert_eq!(h.seat(show, seat).await, SeatState::Available, "{seat}");
    }
    assert!(h.live_tickets(show).await.is_empty());
    assert_eq!(
        h.refunds_of(&[paid]),
        vec![Refund {
            payment: paid,
            amount_minor: 2000,
        }]
    );
    // Another round finds nothing to do and returns nothing twice.
    eventory_server::sales::reconciler::reconcile_once(&ctx, Duration::ZERO)
        .await
        .unwrap();
    assert_eq!(h.refunds_of(&[paid]).len(), 1);
    assert_eq!(h.charges_of(&[id]).len(), 1);
    h.stop().await;
}

/// Runs reconciler rounds (no grace) until the booking is `want`; a few rounds at most.
async fn reconcile_until(
    h: &Harness,
    ctx: &eventory_server::sales::SalesContext,
    booking: BookingId,
    want: BookingStatus,
) -> Booking {
    for _ in 0..5 {
        eventory_server::sales::reconciler::reconcile_once(ctx, Duration::ZERO)
            .await
            .unwrap();
        let now = h.booking(booking).await;
        if now.status == want {
            return now;
        }
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    panic!(
        "the reconciler left booking {booking} {:?}, wanted {want:?}",
        h.booking(booking).await.status
    );
}
