//! Kiosk (self-service): full screen, large targets, an attract screen, card only, the
//! scratch card when earned; back to the attract screen after 60 s without a touch; leaving
//! kiosk mode (or closing the window) needs the staff PIN; "out of order" when it cannot sell. The sale itself is a [`crate::sale::Sale`], as at the box
//! office; the screens here draw its state.

mod done;
mod out_of_order;
mod pin;
mod seats;
mod shows;

pub use out_of_order::OutOfOrderScreen;
pub use pin::{PinDialog, PinPurpose};

use chrono::Utc;
use dioxus::prelude::*;
use eventory_shared::api::ShowDetail;
use eventory_shared::PaymentMethod;

use super::app::Ctx;
use super::bridge;
use super::sale_flow::{dispatch, follow_live};
use super::widgets::{Countdown, ErrorBox};
use crate::kiosk::{Inactivity, IDLE_RESET};
use crate::protocol::SetFullscreen;
use crate::sale::{Sale, SaleEvent, SaleKind, SaleState};
use done::KioskDone;
use seats::KioskSeats;
use shows::KioskShows;

/// Which screen the kiosk shows; within a show, the sale's state decides.
#[derive(Clone, Debug, PartialEq)]
pub enum Step {
    Attract,
    Shows,
    Sale(ShowDetail),
}

#[component]
pub fn Kiosk() -> Element {
    let ctx = use_context::<Ctx>();
    let mut step = use_signal(|| Step::Attract);
    let sale = use_signal(|| Sale::new(SaleKind::Kiosk));
    let mut idle = use_signal(|| Inactivity::new(Utc::now(), IDLE_RESET));
    let mut pin_prompt = ctx.pin_prompt;
    follow_live(ctx, sale);

    use_hook(|| {
        spawn(async {
            let _ = bridge::invoke(&SetFullscreen { on: true }).await;
        });
    });

    // Back to the attract screen after a minute without a touch, letting go of any hold.
    use_future(move || async move {
        loop {
            gloo_timers::future::TimeoutFuture::new(1000).await;
            if idle.read().should_reset(Utc::now()) && *step.peek() != Step::Attract {
                dispatch(ctx, sale, SaleEvent::Reset);
                ctx.unfollow();
                pin_prompt.set(None);
                step.set(Step::Attract);
            }
        }
    });

    // A failed payment: back to the list of shows, the message stays.
    use_effect(move || {
        if matches!(sale.read().state(), SaleState::Failed { .. })
            && matches!(*step.peek(), Step::Sale(_))
        {
            ctx.unfollow();
            step.set(Step::Shows);
        }
    });

    let seconds_left = idle.read().seconds_left(Utc::now());
    let state = sale.read().state().clone();
    rsx! {
        div { class: "kiosk", id: "kiosk", onpointerdown: move |_| idle.write().touch(Utc::now()), onkeydown: move |_| idle.write().touch(Utc::now()),
            button { class: "staff-corner", id: "staff-exit", "aria-label": "Staff", onclick: move |_| pin_prompt.set(Some(PinPurpose::LeaveKiosk)), "Staff" }
            ErrorBox { message: sale.read().error().map(str::to_owned) }
            match step() {
                Step::Attract => rsx! {
                    button { class: "attract", id: "attract", onclick: move |_| step.set(Step::Shows),
                        h1 { "Tickets" }
                        p { "Touch anywhere to start" }
                    }
                },
                Step::Shows => rsx! { KioskShows { step, sale } },
                Step::Sale(detail) => match state {
                    SaleState::Selecting { .. } | SaleState::Holding { .. } => rsx! { KioskSeats { detail, step, sale } },
                    SaleState::Failed { .. } => rsx! { KioskShows { step, sale } },
                    SaleState::Held { hold } | SaleState::Paying { hold, .. } => {
                        let types = sale.read().ticket_types().clone();
                        let price = ctx.live.read().as_ref().and_then(|m| m.map().cloned())
                            .and_then(|m| crate::pricing::sale_total(&detail.show, &m, &hold.seats, &sale.read()));
                        // "How many children?": the first seats become child tickets.
                        let sells_children = detail.show.offered_types().iter().any(|t| t.id == crate::kiosk::CHILD);
                        let children = types.values().filter(|t| t.as_str() == crate::kiosk::CHILD).count();
                        let seats = hold.seats.clone();
                        let set_children = move |n: usize| {
                            let mut sale = sale;
                            for (i, seat) in seats.iter().enumerate() {
                                let kind = if i < n { crate::kiosk::CHILD } else { eventory_shared::DEFAULT_TICKET_TYPE };
                                sale.write().set_ticket_type(seat.clone(), kind);
                            }
                        };
                        let seat_count = hold.seats.len();
                        rsx! {
                            div { class: "kiosk-panel",
                                h2 { "{detail.show.title}" }
                                p { class: "big", "Seats {hold.seats.iter().map(|s| s.to_string()).collect::<Vec<_>>().join(\", \")}" }
                                if sells_children {
                                    div { class: "inline children", id: "kiosk-children",
                                        span { class: "big", "How many children? " }
                                        button { class: "secondary huge", id: "children-less", disabled: children == 0, onclick: {
                                            let set_children = set_children.clone();
                                            move |_| set_children(children.saturating_sub(1))
                                        }, "−" }
                                        span { class: "big", id: "children-count", " {children} " }
                                        button { class: "secondary huge", id: "children-more", disabled: children >= seat_count, onclick: move |_| set_children(children + 1), "+" }
                                    }
                                }
                                if let Some(p) = price { p { class: "big total", id: "kiosk-total", "Total {p}" } }
                                Countdown { expires_at: hold.expires_at, on_expired: move |_| dispatch(ctx, sale, SaleEvent::HoldExpired) }
                                super::customer::CustomerBox { sale, kiosk: true }
                                p { "Payment by card only." }
                                div { class: "inline",
                                    button { class: "primary huge", id: "kiosk-pay", onclick: move |_| {
                                        dispatch(ctx, sale, SaleEvent::PayPressed { payment: PaymentMethod::Card, cash_tendered: None });
                                    }, "Pay by card" }
                                    button { class: "secondary huge", onclick: move |_| {
                                        dispatch(ctx, sale, SaleEvent::ReleasePressed);
                                        step.set(Step::Shows);
                                    }, "Cancel" }
                                }
                            }
                        }
                    }
                    SaleState::Following { booking, .. } => rsx! {
                        div { class: "kiosk-panel",
                            h2 { "Follow the card terminal…" }
                            p { class: "big", "{booking.amount}" }
                        }
                    },
                    SaleState::Done { booking, tickets, .. } => rsx! { KioskDone { booking, tickets, step, sale } },
                },
            }
            if step() != Step::Attract && seconds_left <= 15 {
                p { class: "idle-hint", role: "status", "Still there? Returning to the start in {seconds_left} s." }
            }
        }
    }
}
