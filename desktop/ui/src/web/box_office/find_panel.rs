//! The box office's "Find booking" tab: a booking by its code, to refund, reprint, or exchange
//! onto the seats the sale holds.

use dioxus::prelude::*;
use eventory_shared::{Booking, BookingStatus};

use super::super::app::Ctx;
use super::super::bridge;
use super::super::sale_flow::dispatch;
use super::super::widgets::{local_time, ErrorBox};
use crate::protocol::{Exchange, FindBooking, PrintTickets, Refund};
use crate::sale::{Sale, SaleEvent};

#[component]
pub fn FindPanel(sale: Signal<Sale>) -> Element {
    let ctx = use_context::<Ctx>();
    let mut code = use_signal(String::new);
    let mut found = use_signal(|| None::<Booking>);
    let mut error = use_signal(|| None::<String>);
    let mut note = use_signal(|| None::<String>);
    let mut reason = use_signal(String::new);
    let find = move |e: FormEvent| {
        e.prevent_default();
        note.set(None);
        spawn(async move {
            match bridge::invoke(&FindBooking {
                code: code.read().trim().to_owned(),
            })
            .await
            {
                Ok(b) => {
                    error.set(None);
                    found.set(Some(b));
                }
                Err(e) => {
                    found.set(None);
                    error.set(Some(e.friendly()));
                }
            }
        });
    };
    let held = sale.read().held().cloned();
    rsx! {
        div { class: "panel",
            h3 { "Find a booking" }
            form { onsubmit: find, class: "inline",
                input { id: "find-code", placeholder: "Booking code", value: "{code}", oninput: move |e| code.set(e.value()) }
                button { r#type: "submit", id: "find", "Find" }
            }
            ErrorBox { message: error() }
            if let Some(b) = found() {
                {
                    let id = b.id;
                    let refundable = b.status == BookingStatus::Confirmed;
                    rsx! {
                        dl { class: "booking",
                            dt { "Code" } dd { "{b.code}" }
                            dt { "Status" } dd { id: "found-status", "{b.status:?}" }
                            dt { "Seats" } dd { "{b.seats.iter().map(|s| s.to_string()).collect::<Vec<_>>().join(\", \")}" }
                            dt { "Amount" } dd { "{b.amount} ({b.payment_method:?}, {b.channel:?})" }
                            dt { "Sold" } dd { {local_time(&b.created_at, "%d %b %H:%M")} }
                        }
                        if refundable {
                            label { "Refund reason" input { id: "refund-reason", value: "{reason}", oninput: move |e| reason.set(e.value()) } }
                            div { class: "inline",
                                button { class: "danger", id: "refund", disabled: reason.read().trim().is_empty(), onclick: move |_| {
                                    spawn(async move {
                                        match bridge::invoke(&Refund { booking_id: id, reason: reason.read().trim().to_owned() }).await {
                                            Ok(b) => { note.set(Some(format!("Refunded {} — seats are for sale again.", b.amount))); found.set(Some(b)); }
                                            Err(e) => error.set(Some(e.friendly())),
                                        }
                                    });
                                }, "Refund" }
                                button { class: "secondary", onclick: move |_| {
                                    spawn(async move {
                                        match bridge::invoke(&PrintTickets { booking_id: id }).await {
                                            Ok(out) => note.set(Some(format!("Saved as {}", out.path))),
                                            Err(e) => error.set(Some(e.friendly())),
                                        }
                                    });
                                }, "Reprint" }
                            }
                            if let Some(h) = held {
                                button { class: "secondary", id: "exchange", onclick: move |_| {
                                    let hold_id = h.hold_id;
                                    spawn(async move {
                                        match bridge::invoke(&Exchange { booking_id: id, hold_id }).await {
                                            Ok(b) => { note.set(Some(format!("Exchanged: new booking {} on {}.", b.code, b.seats.iter().map(|s| s.to_string()).collect::<Vec<_>>().join(", ")))); dispatch(ctx, sale, SaleEvent::HoldUsed); found.set(Some(b)); }
                                            Err(e) => error.set(Some(e.friendly())),
                                        }
                                    });
                                }, "Exchange onto the held seats" }
                            } else {
                                p { class: "muted small", "To exchange: hold the new seats (Sell tab), then come back here." }
                            }
                        }
                    }
                }
            }
            if let Some(n) = note() { p { class: "ok", id: "find-note", "{n}" } }
        }
    }
}
