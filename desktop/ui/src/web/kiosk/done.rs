//! The kiosk's end of a sale: the booking, the tickets (printed as soon as it is paid), and the
//! scratch card when one was earned.

use dioxus::prelude::*;
use eventory_shared::api::RewardState;
use eventory_shared::Booking;

use super::super::app::Ctx;
use super::super::bridge;
use super::super::sale_flow::dispatch;
use super::Step;
use crate::protocol::{CommandError, GetReward, Scratch, TicketOutput};
use crate::sale::{Sale, SaleEvent};

#[component]
pub fn KioskDone(
    booking: Booking,
    tickets: Option<Result<TicketOutput, CommandError>>,
    step: Signal<Step>,
    sale: Signal<Sale>,
) -> Element {
    let ctx = use_context::<Ctx>();
    let id = booking.id;
    let reward =
        use_resource(
            move || async move { bridge::invoke(&GetReward { booking_id: id }).await.ok() },
        );
    let mut prize = use_signal(|| None::<String>);
    let printed = tickets.map(|answer| match answer {
        Ok(out) if out.printed => "Your tickets are printing.".to_string(),
        Ok(out) => format!("Tickets saved: {}", out.path),
        Err(e) => e.friendly(),
    });
    let has_card = matches!(&*reward.read(), Some(Some(r)) if r.state != RewardState::Voided);
    rsx! {
        div { class: "kiosk-panel", id: "kiosk-done",
            h2 { "Enjoy the show!" }
            p { class: "big", "Booking {booking.code} · seats {booking.seats.iter().map(|s| s.to_string()).collect::<Vec<_>>().join(\", \")}" }
            if let Some(p) = printed { p { "{p}" } }
            if has_card {
                div { class: "scratch",
                    if let Some(p) = prize() {
                        p { class: "prize", id: "prize", "You won: " {p.replace('_', " ")} }
                    } else {
                        button { class: "scratch-card", id: "scratch", onclick: move |_| {
                            spawn(async move {
                                if let Ok(r) = bridge::invoke(&Scratch { booking_id: id }).await { prize.set(Some(r.prize)); }
                            });
                        }, "You earned a scratch card — touch to scratch!" }
                    }
                }
            }
            button { class: "primary huge", onclick: move |_| { ctx.unfollow(); dispatch(ctx, sale, SaleEvent::NewSale); step.set(Step::Attract); }, "Done" }
        }
    }
}
