//! The box office's "End of shift" tab: what this cashier took since signing in, by payment
//! method, refunds netted.

use dioxus::prelude::*;

use super::super::app::Ctx;
use super::super::bridge;
use super::super::widgets::{local_time, ErrorBox};
use crate::protocol::MyBookings;
use crate::shift_report::shift_report;

#[component]
pub fn ShiftPanel() -> Element {
    let ctx = use_context::<Ctx>();
    let since = *ctx.signed_in_at.read();
    let report = use_resource(move || async move { bridge::invoke(&MyBookings {}).await });
    rsx! {
        div { class: "panel", id: "shift-report",
            h3 { "End of shift" }
            p { class: "muted", "Since " {local_time(&since, "%H:%M")} " (sign-in)" }
            match &*report.read() {
                None => rsx! { p { "Loading…" } },
                Some(Err(e)) => rsx! { ErrorBox { message: Some(e.friendly()) } },
                Some(Ok(bookings)) => {
                    let lines = shift_report(bookings, since);
                    rsx! {
                        if lines.is_empty() { p { "No sales yet this shift." } }
                        for line in lines {
                            div { class: "shift-line", key: "{line.method:?}{line.total.currency}",
                                h4 { "{line.method:?}" }
                                dl { class: "booking",
                                    dt { "Sales" } dd { "{line.bookings} booking(s), {line.seats} seat(s)" }
                                    dt { "Taken" } dd { "{line.total}" }
                                    dt { "Refunded" } dd { "{line.refunded} ({line.refunded_bookings})" }
                                    dt { "Net" } dd { strong { "{line.net()}" } }
                                }
                            }
                        }
                    }
                }
            }
        }
    }
}
