//! [`Sale`]: the transitions of one sale.

use eventory_shared::api::{CustomerView, HoldResponse};
use eventory_shared::{Booking, BookingStatus, ErrorCode, SeatState};

use super::{Effect, SaleEvent, SaleKind, SaleState, LATE_CHECK};
use crate::live_map::LiveMap;
use crate::protocol::CommandError;

/// One sale at a counter or kiosk, and the last problem to show (in words).
#[derive(Clone, Debug, PartialEq)]
pub struct Sale {
    kind: SaleKind,
    state: SaleState,
    error: Option<String>,
    /// The customer the sale is for (scanned member QR, or found by email): they earn its
    /// points and scratch card. Kept until the sale ends.
    customer: Option<CustomerView>,
    /// The ticket type of each held seat that is not `adult`.
    ticket_types: std::collections::BTreeMap<eventory_shared::SeatId, String>,
    /// The attached customer's coupon to redeem on this sale.
    coupon: Option<eventory_shared::api::CouponView>,
}

impl Sale {
    /// A sale choosing seats.
    pub fn new(kind: SaleKind) -> Self {
        Self {
            kind,
            state: SaleState::Selecting { taken: Vec::new() },
            error: None,
            customer: None,
            ticket_types: Default::default(),
            coupon: None,
        }
    }

    /// The coupon redeemed on this sale, if any.
    pub fn coupon(&self) -> Option<&eventory_shared::api::CouponView> {
        self.coupon.as_ref()
    }

    /// Redeems one of the attached customer's coupons on this sale (or, `None`, none).
    pub fn use_coupon(&mut self, coupon: Option<eventory_shared::api::CouponView>) {
        let theirs = coupon.as_ref().is_none_or(|c| {
            self.customer
                .as_ref()
                .is_some_and(|customer| customer.coupons.iter().any(|k| k.code == c.code))
        });
        if theirs && !self.is_paying() {
            self.coupon = coupon;
        }
    }

    fn is_paying(&self) -> bool {
        matches!(
            self.state,
            SaleState::Paying { .. } | SaleState::Following { .. } | SaleState::Done { .. }
        )
    }

    /// The ticket types picked for the seats (seats not listed are `adult`).
    pub fn ticket_types(&self) -> &std::collections::BTreeMap<eventory_shared::SeatId, String> {
        &self.ticket_types
    }

    /// Sets the ticket type of a held seat (before payment).
    pub fn set_ticket_type(&mut self, seat: eventory_shared::SeatId, kind: &str) {
        let Some(hold) = self.held() else {
            return;
        };
        if !hold.seats.contains(&seat) {
            return;
        }
        if kind == eventory_shared::DEFAULT_TICKET_TYPE {
            self.ticket_types.remove(&seat);
        } else {
            self.ticket_types.insert(seat, kind.to_owned());
        }
    }

    /// The customer attached to the sale.
    pub fn customer(&self) -> Option<&CustomerView> {
        self.customer.as_ref()
    }

    /// Attaches a customer (or, `None`, removes them) before payment; once paying, the sale
    /// keeps the one it was paid for.
    pub fn attach_customer(&mut self, customer: Option<CustomerView>) {
        if !self.is_paying() {
            self.customer = customer;
            self.coupon = None; // a coupon is its customer's
        }
    }

    pub fn kind(&self) -> SaleKind {
        self.kind
    }

    pub fn state(&self) -> &SaleState {
        &self.state
    }

    /// The problem to show, if any (cleared by the next step that succeeds).
    pub fn error(&self) -> Option<&str> {
        self.error.as_deref()
    }

    /// A problem of the screen around the sale (a show that did not load, no seats together).
    pub fn report(&mut self, message: impl Into<String>) {
        self.error = Some(message.into());
    }

    pub fn clear_error(&mut self) {
        self.error = None;
    }

    /// Whether seats may be picked: no hold yet (or the last sale failed).
    pub fn is_selecting(&self) -> bool {
        matches!(
            self.state,
            SaleState::Selecting { .. } | SaleState::Holding { .. } | SaleState::Failed { .. }
        )
    }

    /// The hold, while the seats are held and no payment is under way.
    pub fn held(&self) -> Option<&HoldResponse> {
        match &self.state {
            SaleState::Held { hold } => Some(hold),
            _ => None,
        }
    }

    fn start_over(&mut self) {
        self.state = SaleState::Selecting { taken: Vec::new() };
        self.ticket_types.clear();
    }

    /// Applies `event`; `map` is the live map of the show on screen (the follow-up reads the
    /// state of the booking's seats there). Returns what the screen must do.
    pub fn handle(&mut self, event: SaleEvent, map: Option<&LiveMap>) -> Vec<Effect> {
        match event {
            SaleEvent::HoldPressed { show, seats } => {
                let free = matches!(
                    self.state,
                    SaleState::Selecting { .. } | SaleState::Failed { .. }
                );
                if !free || seats.is_empty() {
                    return Vec::new(); // a hold is asked for already, or nothing to hold
                }
                self.state = SaleState::Holding {
                    show,
                    seats: seats.clone(),
                };
                vec![Effect::Hold { show, seats }]
            }
            SaleEvent::HoldAnswered(answer) => self.hold_answered(answer),
            SaleEvent::ReleasePressed => {
                let Some(hold) = self.held().map(|h| h.hold_id) else {
                    return Vec::new();
                };
                self.start_over();
                vec![Effect::Release { hold }, Effect::ClearSelection]
            }
            SaleEvent::Released(Err(e)) if self.kind == SaleKind::Counter => {
                self.error = Some(e.friendly());
                Vec::new()
            }
            SaleEvent::Released(_) => Vec::new(),
            SaleEvent::HoldExpired => {
                if self.held().is_some() {
                    self.start_over();
                    self.error = Some(
                        match self.kind {
                            SaleKind::Counter => {
                                "The hold expired and the seats were released. Select them again."
                            }
                            SaleKind::Kiosk => "Time ran out and the seats were released.",
                        }
                        .into(),
                    );
                }
                Vec::new()
            }
            SaleEvent::PayPressed {
                payment,
                cash_tendered,
            } => {
                let Some(hold) = self.held().cloned() else {
                    return Vec::new(); // a second press while paying, or nothing to pay
                };
                let effect = Effect::Checkout {
                    hold: hold.hold_id,
                    payment,
                    cash_tendered,
                    customer: self.customer.as_ref().map(|c| c.id),
                    ticket_types: self.ticket_types.clone(),
                    coupon: self.coupon.as_ref().map(|c| c.code.clone()),
                };
                self.state = SaleState::Paying { hold, payment };
                vec![effect]
            }
            SaleEvent::CheckoutAnswered(answer) => {
                let SaleState::Paying { hold, .. } = &self.state else {
                    return Vec::new();
                };
                match answer {
                    Ok(done) => {
                        self.error = None;
                        self.state = SaleState::Following {
                            booking: done.booking,
                            change_due: done.change_due,
                        };
                        let mut effects = vec![Effect::ClearSelection];
                        effects.extend(self.follow_up(map));
                        effects
                    }
                    Err(e) => {
                        if e.code == Some(ErrorCode::HoldExpired) {
                            self.start_over();
                        } else {
                            self.state = SaleState::Held { hold: hold.clone() };
                        }
                        self.error = Some(e.friendly());
                        Vec::new()
                    }
                }
            }
            SaleEvent::SeatsChanged => self.follow_up(map),
            SaleEvent::CheckDue { booking } => match &self.state {
                SaleState::Following { booking: b, .. } if b.id == booking => {
                    vec![Effect::FetchBooking { booking }]
                }
                _ => Vec::new(),
            },
            SaleEvent::BookingAnswered(answer) => self.booking_answered(answer),
            SaleEvent::PrintPressed => match &self.state {
                SaleState::Done { booking, .. } => vec![Effect::Print {
                    booking: booking.id,
                }],
                _ => Vec::new(),
            },
            SaleEvent::Printed(answer) => {
                if let SaleState::Done { tickets, .. } = &mut self.state {
                    match (self.kind, answer) {
                        (SaleKind::Counter, Err(e)) => self.error = Some(e.friendly()),
                        (_, answer) => *tickets = Some(answer),
                    }
                }
                Vec::new()
            }
            SaleEvent::HoldUsed => {
                if self.held().is_some() {
                    self.start_over();
                }
                Vec::new()
            }
            SaleEvent::NewSale => {
                if matches!(
                    self.state,
                    SaleState::Done { .. } | SaleState::Failed { .. }
                ) {
                    self.start_over();
                    self.customer = None;
                    self.coupon = None;
                }
                Vec::new()
            }
            SaleEvent::Reset => {
                let effects = match self.held() {
                    Some(hold) => vec![Effect::Release { hold: hold.hold_id }],
                    None => Vec::new(),
                };
                self.start_over();
                self.error = None;
                self.customer = None;
                self.coupon = None;
                effects
            }
        }
    }

    fn hold_answered(&mut self, answer: Result<HoldResponse, CommandError>) -> Vec<Effect> {
        if !matches!(self.state, SaleState::Holding { .. }) {
            // The sale moved on (reset) while the hold was asked for: let go of it.
            return match answer {
                Ok(hold) => vec![Effect::Release { hold: hold.hold_id }],
                Err(_) => Vec::new(),
            };
        }
        match answer {
            Ok(hold) => {
                self.error = None;
                self.state = SaleState::Held { hold };
            }
            Err(e) => {
                let taken = if e.code == Some(ErrorCode::SeatsTaken) {
                    e.seats.clone()
                } else {
                    Vec::new()
                };
                self.error = Some(e.friendly());
                self.state = SaleState::Selecting { taken };
            }
        }
        Vec::new()
    }

    /// The payment follow-up, on entering `Following` and on every change of the live map:
    /// once every seat of the booking is sold (or available again) the booking is fetched at
    /// once (the feed says when: no polling); otherwise it is checked [`LATE_CHECK`] later.
    fn follow_up(&self, map: Option<&LiveMap>) -> Vec<Effect> {
        let SaleState::Following { booking, .. } = &self.state else {
            return Vec::new();
        };
        let all = |state: SeatState| {
            map.is_some_and(|m| {
                !booking.seats.is_empty() && booking.seats.iter().all(|s| m.state(s) == state)
            })
        };
        if all(SeatState::Sold) || all(SeatState::Available) {
            vec![Effect::FetchBooking {
                booking: booking.id,
            }]
        } else {
            vec![Effect::CheckLater {
                booking: booking.id,
                after: LATE_CHECK,
            }]
        }
    }

    fn booking_answered(&mut self, answer: Result<Booking, CommandError>) -> Vec<Effect> {
        let SaleState::Following {
            booking,
            change_due,
        } = &self.state
        else {
            return Vec::new(); // a late answer: the sale already has its outcome
        };
        match answer {
            Ok(b) if b.id != booking.id => {}
            Ok(b) if b.status == BookingStatus::Confirmed => {
                let id = b.id;
                self.state = SaleState::Done {
                    booking: b,
                    change_due: *change_due,
                    tickets: None,
                };
                if self.kind == SaleKind::Kiosk {
                    return vec![Effect::Print { booking: id }];
                }
            }
            Ok(b) if b.status.is_final() => {
                self.error = Some(match self.kind {
                    SaleKind::Counter => format!(
                        "Payment failed: booking {} is {:?}. The seats are for sale again.",
                        b.code, b.status
                    ),
                    SaleKind::Kiosk => {
                        "The card was declined. Nothing was charged; please try again.".into()
                    }
                });
                self.state = SaleState::Failed { booking: b };
            }
            Ok(_) => {} // still pending: the next change or the late check tells
            Err(e) => self.error = Some(e.friendly()),
        }
        Vec::new()
    }
}
