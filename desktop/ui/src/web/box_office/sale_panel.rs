//! The box office's "Sell" tab: drawn from the state of its [`Sale`]: pick seats (by click or
//! best available) and hold them, take cash (with the change due) or card, follow the
//! payment, print the tickets.

use dioxus::prelude::*;
use eventory_shared::api::ShowDetail;
use eventory_shared::PaymentMethod;

use super::super::app::Ctx;
use super::super::customer::CustomerBox;
use super::super::sale_flow::dispatch;
use super::super::widgets::Countdown;
use crate::best_available::best_available;
use crate::cash::{change_due, parse_amount};
use crate::sale::{Sale, SaleEvent, SaleState};

#[component]
pub fn SalePanel(detail: Option<ShowDetail>, sale: Signal<Sale>) -> Element {
    let ctx = use_context::<Ctx>();
    let mut selection = ctx.selection;
    let mut want = use_signal(|| 2usize);
    let mut method = use_signal(|| PaymentMethod::Cash);
    let mut tendered = use_signal(String::new);
    // A paid sale starts the next one with an empty "amount tendered".
    use_effect(move || {
        if matches!(sale.read().state(), SaleState::Following { .. }) && !tendered.peek().is_empty()
        {
            tendered.set(String::new());
        }
    });
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
                sale.write().clear_error();
            }
            None => sale
                .write()
                .report(format!("No {} seats together are free.", want())),
        }
    };
    let hold = move |_| {
        let seats = selection.read().seats();
        dispatch(
            ctx,
            sale,
            SaleEvent::HoldPressed {
                show: show_id,
                seats,
            },
        );
    };

    let state = sale.read().state().clone();
    let holding = matches!(state, SaleState::Holding { .. });
    let paying = matches!(state, SaleState::Paying { .. });
    match state {
        SaleState::Selecting { .. } | SaleState::Holding { .. } | SaleState::Failed { .. } => {
            rsx! {
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
                    button { id: "hold", class: "primary", disabled: seats.is_empty() || stale || holding, onclick: hold,
                        "Hold {seats.len()} seat(s)" }
                    if stale { p { class: "muted small", "Waiting for a current seat map…" } }
                    CustomerBox { sale, kiosk: false }
                }
            }
        }
        SaleState::Held { hold: h } | SaleState::Paying { hold: h, .. } => {
            let due = ctx
                .live
                .read()
                .as_ref()
                .and_then(|m| m.map().cloned())
                .and_then(|map| {
                    crate::pricing::sale_total(&detail.show, &map, &h.seats, &sale.read())
                });
            let offered = detail.show.offered_types();
            let picked = sale.read().ticket_types().clone();
            let cash_check = due.map(|due| {
                parse_amount(&tendered.read(), due.currency).and_then(|t| change_due(t, due))
            });
            let can_pay = match method() {
                PaymentMethod::Card => true,
                PaymentMethod::Cash => matches!(cash_check, Some(Ok(_))),
            };
            let pay = move |_| {
                let cash = match (method(), due) {
                    (PaymentMethod::Cash, Some(due)) => {
                        parse_amount(&tendered.read(), due.currency).ok()
                    }
                    _ => None,
                };
                dispatch(
                    ctx,
                    sale,
                    SaleEvent::PayPressed {
                        payment: method(),
                        cash_tendered: cash,
                    },
                );
            };
            rsx! {
                div { class: "panel",
                    h3 { "Held: {h.seats.iter().map(|s| s.to_string()).collect::<Vec<_>>().join(\", \")}" }
                    Countdown { expires_at: h.expires_at, on_expired: move |_| dispatch(ctx, sale, SaleEvent::HoldExpired) }
                    if offered.len() > 1 {
                        div { class: "ticket-types", id: "ticket-types",
                            for seat in h.seats.iter().cloned() {
                                label { class: "ticket-type", key: "{seat}", "{seat} "
                                    select { "data-seat-type": "{seat}",
                                        onchange: move |e| sale.write().set_ticket_type(seat.clone(), &e.value()),
                                        for kind in offered.iter() {
                                            option { value: "{kind.id}", selected: picked.get(&seat).map_or(kind.id == eventory_shared::DEFAULT_TICKET_TYPE, |p| *p == kind.id), "{kind.name}" }
                                        }
                                    }
                                }
                            }
                        }
                    }
                    if let Some(due) = due { p { class: "total", id: "to-pay", "To pay: {due}" } }
                    CustomerBox { sale, kiosk: false }
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
                        button { id: "take-payment", class: "primary", disabled: !can_pay || paying, onclick: pay, "Take payment" }
                        button { id: "release", class: "secondary", onclick: move |_| dispatch(ctx, sale, SaleEvent::ReleasePressed), "Release" }
                    }
                }
            }
        }
        SaleState::Following {
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
        SaleState::Done {
            booking,
            change_due,
            tickets,
        } => {
            let ticket_note = match tickets {
                Some(Ok(out)) if out.printed => {
                    Some(format!("Sent to the printer; saved as {}", out.path))
                }
                Some(Ok(out)) => Some(format!("Saved as {}", out.path)),
                _ => None,
            };
            rsx! {
                div { class: "panel done", id: "sold",
                    h3 { "Sold ✓" }
                    p { "Booking " strong { id: "booking-code", "{booking.code}" } " · {booking.seats.len()} seat(s) · {booking.amount} · {booking.payment_method:?}" }
                    if let Some(change) = change_due { p { class: "change", "Change due: {change}" } }
                    div { class: "inline",
                        button { id: "print", class: "primary", onclick: move |_| dispatch(ctx, sale, SaleEvent::PrintPressed), "Print tickets" }
                        button { id: "new-sale", class: "secondary", onclick: move |_| dispatch(ctx, sale, SaleEvent::NewSale), "New sale" }
                    }
                    if let Some(note) = ticket_note { p { class: "muted small", id: "ticket-note", "{note}" } }
                }
            }
        }
    }
}
