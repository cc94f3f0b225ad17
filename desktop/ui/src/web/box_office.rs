//! Box office (cashier): today's shows, the live map, hold with a countdown, cash or card,
//! tickets; find a booking by code to refund, exchange or reprint; the end-of-shift report.

use chrono::{Duration, Local};
use dioxus::prelude::*;
use eventory_shared::api::{HoldResponse, ShowDetail};
use eventory_shared::{Booking, BookingStatus, Money, PaymentMethod, SeatState, Show};

use super::app::{all_in_state, Ctx};
use super::bridge;
use super::seat_map::SeatMapView;
use super::widgets::{local_time, Countdown, ErrorBox, TopBar};
use crate::best_available::best_available;
use crate::cash::{change_due, parse_amount};
use crate::shift_report::shift_report;

/// Where the current sale is.
#[derive(Clone, Debug, PartialEq)]
pub enum Stage {
    Selecting,
    Held(HoldResponse),
    Paying {
        booking: Booking,
        change_due: Option<Money>,
    },
    Done {
        booking: Booking,
        change_due: Option<Money>,
    },
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Panel {
    Sell,
    Find,
    Shift,
}

/// Learns the outcome of the payment of the current sale from the server.
fn settle(mut stage: Signal<Stage>, mut error: Signal<Option<String>>) {
    let Stage::Paying {
        booking,
        change_due,
    } = stage.peek().clone()
    else {
        return;
    };
    spawn(async move {
        match bridge::booking(booking.id).await {
            Ok(b) if b.status == BookingStatus::Confirmed => {
                if matches!(*stage.peek(), Stage::Paying { .. }) {
                    stage.set(Stage::Done {
                        booking: b,
                        change_due,
                    });
                }
            }
            Ok(b) if b.status.is_final() => {
                error.set(Some(format!(
                    "Payment failed: booking {} is {:?}. The seats are for sale again.",
                    b.code, b.status
                )));
                stage.set(Stage::Selecting);
            }
            Ok(_) => {}
            Err(e) => error.set(Some(e.friendly())),
        }
    });
}

/// Follows the payment of the current sale: when its seats reach an outcome on the live map
/// (sold, or available again), the booking is fetched (no polling: the feed says when). One
/// late check covers an outcome missed while reconnecting.
pub fn follow_payment(ctx: Ctx, stage: Signal<Stage>, error: Signal<Option<String>>) {
    use_effect(move || {
        let _ = ctx.last_change.read();
        let Stage::Paying { booking, .. } = stage.read().clone() else {
            return;
        };
        let settled = all_in_state(&ctx, &booking.seats, SeatState::Sold)
            || all_in_state(&ctx, &booking.seats, SeatState::Available);
        if settled {
            settle(stage, error);
        } else {
            spawn(async move {
                gloo_timers::future::TimeoutFuture::new(8_000).await;
                settle(stage, error);
            });
        }
    });
}

#[component]
pub fn BoxOffice() -> Element {
    let ctx = use_context::<Ctx>();
    let mut panel = use_signal(|| Panel::Sell);
    let mut day = use_signal(|| Local::now().date_naive());
    let mut detail = use_signal(|| None::<ShowDetail>);
    let stage = use_signal(|| Stage::Selecting);
    let mut error = use_signal(|| None::<String>);
    let shows = use_resource(move || async move { bridge::shows(Some(day())).await });
    follow_payment(ctx, stage, error);

    let mut pick_show = move |show: Show| {
        error.set(None);
        spawn(async move {
            match bridge::show(show.id).await {
                Ok(d) => {
                    ctx.follow(d.show.id);
                    detail.set(Some(d));
                }
                Err(e) => error.set(Some(e.friendly())),
            }
        });
    };
    let today = Local::now().date_naive();
    let selected_show = detail.read().as_ref().map(|d| d.show.id);
    rsx! {
        TopBar { title: "Box office",
            button { class: if panel() == Panel::Sell { "tab active" } else { "tab" }, id: "tab-sell", onclick: move |_| panel.set(Panel::Sell), "Sell" }
            button { class: if panel() == Panel::Find { "tab active" } else { "tab" }, id: "tab-find", onclick: move |_| panel.set(Panel::Find), "Find booking" }
            button { class: if panel() == Panel::Shift { "tab active" } else { "tab" }, id: "tab-shift", onclick: move |_| panel.set(Panel::Shift), "End of shift" }
        }
        div { class: "layout",
            aside { class: "shows",
                div { class: "days",
                    for offset in 0..3i64 {
                        {
                            let d = today + Duration::days(offset);
                            let label = match offset { 0 => "Today".to_string(), 1 => "Tomorrow".to_string(), _ => d.format("%a %d").to_string() };
                            rsx! { button { key: "{d}", class: if day() == d { "day active" } else { "day" }, onclick: move |_| day.set(d), "{label}" } }
                        }
                    }
                }
                match &*shows.read() {
                    None => rsx! { p { class: "muted", "Loading shows…" } },
                    Some(Err(e)) => rsx! { ErrorBox { message: Some(e.friendly()) } },
                    Some(Ok(list)) if list.is_empty() => rsx! { p { class: "muted", "No shows on {day}." } },
                    Some(Ok(list)) => rsx! {
                        ul { class: "show-list",
                            for show in list.iter().cloned() {
                                li { key: "{show.id}",
                                    button {
                                        class: if selected_show == Some(show.id) { "show active" } else { "show" },
                                        "data-show": "{show.id}",
                                        onclick: move |_| pick_show(show.clone()),
                                        span { class: "time", {local_time(&show.starts_at, "%H:%M")} }
                                        span { class: "title", "{show.title}" }
                                    }
                                }
                            }
                        }
                    },
                }
            }
            section { class: "map",
                if let Some(d) = detail() {
                    h2 { "{d.show.title} " span { class: "muted", "{d.venue_name} · " {local_time(&d.show.starts_at, "%a %d %b %H:%M")} } }
                }
                SeatMapView { large: false, locked: !matches!(stage(), Stage::Selecting) }
            }
            aside { class: "side",
                ErrorBox { message: error() }
                match panel() {
                    Panel::Sell => rsx! { SalePanel { detail: detail(), stage, error } },
                    Panel::Find => rsx! { FindPanel { stage } },
                    Panel::Shift => rsx! { ShiftPanel {} },
                }
            }
        }
    }
}

#[component]
fn SalePanel(
    detail: Option<ShowDetail>,
    stage: Signal<Stage>,
    error: Signal<Option<String>>,
) -> Element {
    let ctx = use_context::<Ctx>();
    let mut selection = ctx.selection;
    let mut want = use_signal(|| 2usize);
    let mut method = use_signal(|| PaymentMethod::Cash);
    let mut tendered = use_signal(String::new);
    let mut busy = use_signal(|| false);
    let mut ticket_note = use_signal(|| None::<String>);
    let Some(detail) = detail else {
        return rsx! { p { class: "muted", "Choose a show on the left." } };
    };
    let stale = ctx.live.read().as_ref().is_none_or(|m| m.is_stale());
    let seats = selection.read().seats();
    let preview = ctx
        .live
        .read()
        .as_ref()
        .and_then(|m| m.map().cloned())
        .and_then(|map| crate::pricing::total(&detail.show, &map, &seats));
    let show_id = detail.show.id;

    let best = move |_| {
        let live = ctx.live.read();
        let Some(map) = live.as_ref().and_then(|m| m.map()) else {
            return;
        };
        match best_available(map, want()) {
            Some(seats) => {
                selection.write().set(seats);
                error.set(None);
            }
            None => error.set(Some(format!("No {} seats together are free.", want()))),
        }
    };
    let hold = move |_| {
        let seats = selection.read().seats();
        if seats.is_empty() {
            return;
        }
        busy.set(true);
        spawn(async move {
            match bridge::hold(show_id, seats).await {
                Ok(h) => {
                    error.set(None);
                    stage.set(Stage::Held(h));
                }
                Err(e) => error.set(Some(e.friendly())),
            }
            busy.set(false);
        });
    };

    match stage() {
        Stage::Selecting => rsx! {
            div { class: "panel",
                h3 { "New sale" }
                div { class: "inline",
                    label { "Seats together "
                        input { r#type: "number", min: "1", max: "10", id: "best-count", value: "{want}",
                            oninput: move |e| want.set(e.value().parse().unwrap_or(1).clamp(1, 10)) }
                    }
                    button { class: "secondary", id: "best-available", disabled: stale, onclick: best, "Best available" }
                }
                p { id: "selected-seats",
                    if seats.is_empty() { "No seats selected: click seats or use best available." }
                    else { "Selected: {seats.iter().map(|s| s.to_string()).collect::<Vec<_>>().join(\", \")}" }
                }
                if let Some(total) = preview { p { class: "total", "Total {total}" } }
                button { id: "hold", class: "primary", disabled: seats.is_empty() || stale || busy(), onclick: hold,
                    "Hold {seats.len()} seat(s)" }
                if stale { p { class: "muted small", "Waiting for a current seat map…" } }
            }
        },
        Stage::Held(h) => {
            let due = ctx
                .live
                .read()
                .as_ref()
                .and_then(|m| m.map().cloned())
                .and_then(|map| crate::pricing::total(&detail.show, &map, &h.seats));
            let cash_check = due.map(|due| {
                parse_amount(&tendered.read(), due.currency).and_then(|t| change_due(t, due))
            });
            let can_pay = match method() {
                PaymentMethod::Card => true,
                PaymentMethod::Cash => matches!(cash_check, Some(Ok(_))),
            };
            let hold_id = h.hold_id;
            let release = move |_| {
                spawn(async move {
                    if let Err(e) = bridge::release(hold_id).await {
                        error.set(Some(e.friendly()));
                    }
                    selection.write().clear();
                    stage.set(Stage::Selecting);
                });
            };
            let pay = move |_| {
                let cash = match (method(), due) {
                    (PaymentMethod::Cash, Some(due)) => {
                        parse_amount(&tendered.read(), due.currency).ok()
                    }
                    _ => None,
                };
                busy.set(true);
                spawn(async move {
                    match bridge::checkout(hold_id, method(), cash).await {
                        Ok(done) => {
                            error.set(None);
                            tendered.set(String::new());
                            selection.write().clear();
                            stage.set(Stage::Paying {
                                booking: done.booking,
                                change_due: done.change_due,
                            });
                        }
                        Err(e) => error.set(Some(e.friendly())),
                    }
                    busy.set(false);
                });
            };
            rsx! {
                div { class: "panel",
                    h3 { "Held: {h.seats.iter().map(|s| s.to_string()).collect::<Vec<_>>().join(\", \")}" }
                    Countdown { expires_at: h.expires_at, on_expired: move |_| {
                        error.set(Some("The hold expired and the seats were released. Select them again.".into()));
                        stage.set(Stage::Selecting);
                    } }
                    if let Some(due) = due { p { class: "total", "To pay: {due}" } }
                    div { class: "choice", role: "radiogroup",
                        button { id: "pay-cash", class: if method() == PaymentMethod::Cash { "choice active" } else { "choice" },
                            onclick: move |_| method.set(PaymentMethod::Cash), "Cash" }
                        button { id: "pay-card", class: if method() == PaymentMethod::Card { "choice active" } else { "choice" },
                            onclick: move |_| method.set(PaymentMethod::Card), "Card" }
                    }
                    if method() == PaymentMethod::Cash {
                        label { "Amount tendered"
                            input { id: "tendered", inputmode: "decimal", value: "{tendered}", oninput: move |e| tendered.set(e.value()) }
                        }
                        match cash_check {
                            Some(Ok(change)) => rsx! { p { class: "change", id: "change-due", "Change due: {change}" } },
                            Some(Err(e)) if !tendered.read().is_empty() => rsx! { p { class: "hint", "{e}" } },
                            _ => rsx! {},
                        }
                    } else {
                        p { class: "muted", "Ask the customer to use the card terminal." }
                    }
                    div { class: "inline",
                        button { id: "take-payment", class: "primary", disabled: !can_pay || busy(), onclick: pay, "Take payment" }
                        button { id: "release", class: "secondary", onclick: release, "Release" }
                    }
                }
            }
        }
        Stage::Paying {
            booking,
            change_due,
        } => rsx! {
            div { class: "panel", id: "paying",
                h3 { "Payment in progress…" }
                p { "Booking " strong { "{booking.code}" } " · {booking.amount}" }
                if let Some(change) = change_due { p { class: "change", "Change due: {change}" } }
                p { class: "muted", "The seats turn sold when the payment is confirmed." }
            }
        },
        Stage::Done {
            booking,
            change_due,
        } => {
            let id = booking.id;
            let print = move |_| {
                spawn(async move {
                    match bridge::print_tickets(id).await {
                        Ok(out) => ticket_note.set(Some(if out.printed {
                            format!("Sent to the printer; saved as {}", out.path)
                        } else {
                            format!("Saved as {}", out.path)
                        })),
                        Err(e) => error.set(Some(e.friendly())),
                    }
                });
            };
            rsx! {
                div { class: "panel done", id: "sold",
                    h3 { "Sold ✓" }
                    p { "Booking " strong { id: "booking-code", "{booking.code}" } " · {booking.seats.len()} seat(s) · {booking.amount} · {booking.payment_method:?}" }
                    if let Some(change) = change_due { p { class: "change", "Change due: {change}" } }
                    div { class: "inline",
                        button { id: "print", class: "primary", onclick: print, "Print tickets" }
                        button { id: "new-sale", class: "secondary", onclick: move |_| { ticket_note.set(None); stage.set(Stage::Selecting); }, "New sale" }
                    }
                    if let Some(note) = ticket_note() { p { class: "muted small", id: "ticket-note", "{note}" } }
                }
            }
        }
    }
}

#[component]
fn FindPanel(stage: Signal<Stage>) -> Element {
    let mut code = use_signal(String::new);
    let mut found = use_signal(|| None::<Booking>);
    let mut error = use_signal(|| None::<String>);
    let mut note = use_signal(|| None::<String>);
    let mut reason = use_signal(String::new);
    let find = move |e: FormEvent| {
        e.prevent_default();
        note.set(None);
        spawn(async move {
            match bridge::booking_by_code(code.read().trim()).await {
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
    let held = match stage() {
        Stage::Held(h) => Some(h),
        _ => None,
    };
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
                                        match bridge::refund(id, reason.read().trim()).await {
                                            Ok(b) => { note.set(Some(format!("Refunded {} — seats are for sale again.", b.amount))); found.set(Some(b)); }
                                            Err(e) => error.set(Some(e.friendly())),
                                        }
                                    });
                                }, "Refund" }
                                button { class: "secondary", onclick: move |_| {
                                    spawn(async move {
                                        match bridge::print_tickets(id).await {
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
                                        match bridge::exchange(id, hold_id).await {
                                            Ok(b) => { note.set(Some(format!("Exchanged: new booking {} on {}.", b.code, b.seats.iter().map(|s| s.to_string()).collect::<Vec<_>>().join(", ")))); stage.set(Stage::Selecting); found.set(Some(b)); }
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

#[component]
fn ShiftPanel() -> Element {
    let ctx = use_context::<Ctx>();
    let since = *ctx.signed_in_at.read();
    let report = use_resource(move || async move { bridge::my_bookings().await });
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
