//! The kiosk's seat picking: how many, best available together, the big live map.

use dioxus::prelude::*;
use eventory_shared::api::ShowDetail;

use super::super::app::Ctx;
use super::super::sale_flow::dispatch;
use super::super::seat_map::SeatMapView;
use super::super::widgets::local_time;
use super::Step;
use crate::best_available::best_available;
use crate::sale::{Sale, SaleEvent};

#[component]
pub fn KioskSeats(detail: ShowDetail, step: Signal<Step>, sale: Signal<Sale>) -> Element {
    let ctx = use_context::<Ctx>();
    let mut selection = ctx.selection;
    let seats = selection.read().seats();
    let stale = ctx.live.read().as_ref().is_none_or(|m| m.is_stale());
    let show_id = detail.show.id;
    rsx! {
        div { class: "kiosk-panel wide",
            h2 { "{detail.show.title} · " {local_time(&detail.show.starts_at, "%H:%M")} }
            div { class: "inline",
                span { class: "big", "How many? " }
                for n in 1..=6usize {
                    button { class: "choice big", key: "{n}", disabled: stale, onclick: move |_| {
                        let live = ctx.live.read();
                        match live.as_ref().and_then(|m| m.map()).and_then(|m| best_available(m, n)) {
                            Some(best) => { selection.write().set(best); sale.write().clear_error(); }
                            None => sale.write().report(format!("Sorry, {n} seats together are not free.")),
                        }
                    }, "{n}" }
                }
            }
            div { class: "inline kiosk-actions",
                button { class: "primary huge", id: "kiosk-hold", disabled: seats.is_empty() || stale, onclick: move |_| {
                    let seats = selection.read().seats();
                    dispatch(ctx, sale, SaleEvent::HoldPressed { show: show_id, seats });
                }, "Continue with {seats.len()} seat(s)" }
                button { class: "secondary huge", onclick: move |_| step.set(Step::Shows), "Back" }
            }
            SeatMapView { large: true, locked: false }
        }
    }
}
