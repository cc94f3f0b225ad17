//! Kiosk (self-service): full screen, large targets, an attract screen, card only, the
//! scratch card when earned; back to the attract screen after 60 s without a touch; leaving
//! kiosk mode needs the staff PIN.

use chrono::{Local, Utc};
use dioxus::prelude::*;
use eventory_shared::api::{HoldResponse, RewardState, ShowDetail};
use eventory_shared::{Booking, BookingStatus, PaymentMethod, SeatState};

use super::app::{all_in_state, sign_out, Ctx};
use super::bridge;
use super::seat_map::SeatMapView;
use super::widgets::{local_time, Countdown, ErrorBox};
use crate::best_available::best_available;
use crate::kiosk::{Inactivity, IDLE_RESET};

#[derive(Clone, Debug, PartialEq)]
enum Step {
    Attract,
    Shows,
    Seats(ShowDetail),
    Held(ShowDetail, HoldResponse),
    Paying(Booking),
    Done(Booking),
}

#[component]
pub fn Kiosk() -> Element {
    let mut ctx = use_context::<Ctx>();
    let mut step = use_signal(|| Step::Attract);
    let mut error = use_signal(|| None::<String>);
    let mut idle = use_signal(|| Inactivity::new(Utc::now(), IDLE_RESET));
    let mut pin_open = use_signal(|| false);

    use_hook(|| {
        spawn(async {
            let _ = bridge::set_fullscreen(true).await;
        });
    });

    // Back to the attract screen after a minute without a touch, letting go of any hold.
    use_future(move || async move {
        loop {
            gloo_timers::future::TimeoutFuture::new(1000).await;
            if idle.read().should_reset(Utc::now()) && *step.peek() != Step::Attract {
                if let Step::Held(_, h) = step.peek().clone() {
                    let _ = bridge::release(h.hold_id).await;
                }
                ctx.unfollow();
                error.set(None);
                pin_open.set(false);
                step.set(Step::Attract);
            }
        }
    });

    // A payment's outcome arrives on the live map; one late check covers an outcome missed
    // while reconnecting.
    use_effect(move || {
        let _ = ctx.last_change.read();
        let Step::Paying(booking) = step.read().clone() else {
            return;
        };
        let settled = all_in_state(&ctx, &booking.seats, SeatState::Sold)
            || all_in_state(&ctx, &booking.seats, SeatState::Available);
        spawn(async move {
            if !settled {
                gloo_timers::future::TimeoutFuture::new(8_000).await;
            }
            if !matches!(*step.peek(), Step::Paying(_)) {
                return;
            }
            match bridge::booking(booking.id).await {
                Ok(b) if b.status == BookingStatus::Confirmed => {
                    if matches!(*step.peek(), Step::Paying(_)) {
                        step.set(Step::Done(b));
                    }
                }
                Ok(b) if b.status.is_final() => {
                    error.set(Some(
                        "The card was declined. Nothing was charged; please try again.".into(),
                    ));
                    ctx.unfollow();
                    step.set(Step::Shows);
                }
                Ok(_) => {}
                Err(e) => error.set(Some(e.friendly())),
            }
        });
    });

    let seconds_left = idle.read().seconds_left(Utc::now());
    rsx! {
        div { class: "kiosk", id: "kiosk", onpointerdown: move |_| idle.write().touch(Utc::now()), onkeydown: move |_| idle.write().touch(Utc::now()),
            button { class: "staff-corner", id: "staff-exit", "aria-label": "Staff", onclick: move |_| pin_open.set(true), "Staff" }
            if pin_open() { PinDialog { open: pin_open } }
            ErrorBox { message: error() }
            match step() {
                Step::Attract => rsx! {
                    button { class: "attract", id: "attract", onclick: move |_| step.set(Step::Shows),
                        h1 { "Tickets" }
                        p { "Touch anywhere to start" }
                    }
                },
                Step::Shows => rsx! { KioskShows { step, error } },
                Step::Seats(detail) => rsx! { KioskSeats { detail, step, error } },
                Step::Held(detail, hold) => {
                    let hold_id = hold.hold_id;
                    let price = ctx.live.read().as_ref().and_then(|m| m.map().cloned())
                        .and_then(|m| crate::pricing::total(&detail.show, &m, &hold.seats));
                    rsx! {
                        div { class: "kiosk-panel",
                            h2 { "{detail.show.title}" }
                            p { class: "big", "Seats {hold.seats.iter().map(|s| s.to_string()).collect::<Vec<_>>().join(\", \")}" }
                            if let Some(p) = price { p { class: "big total", "Total {p}" } }
                            Countdown { expires_at: hold.expires_at, on_expired: move |_| {
                                error.set(Some("Time ran out and the seats were released.".into()));
                                step.set(Step::Seats(detail.clone()));
                            } }
                            p { "Payment by card only." }
                            div { class: "inline",
                                button { class: "primary huge", id: "kiosk-pay", onclick: move |_| {
                                    spawn(async move {
                                        match bridge::checkout(hold_id, PaymentMethod::Card, None).await {
                                            Ok(done) => { error.set(None); step.set(Step::Paying(done.booking)); }
                                            Err(e) => error.set(Some(e.friendly())),
                                        }
                                    });
                                }, "Pay by card" }
                                button { class: "secondary huge", onclick: move |_| {
                                    spawn(async move {
                                        let _ = bridge::release(hold_id).await;
                                    });
                                    ctx.selection.write().clear();
                                    step.set(Step::Shows);
                                }, "Cancel" }
                            }
                        }
                    }
                }
                Step::Paying(booking) => rsx! {
                    div { class: "kiosk-panel",
                        h2 { "Follow the card terminal…" }
                        p { class: "big", "{booking.amount}" }
                    }
                },
                Step::Done(booking) => rsx! { KioskDone { booking, step } },
            }
            if step() != Step::Attract && seconds_left <= 15 {
                p { class: "idle-hint", role: "status", "Still there? Returning to the start in {seconds_left} s." }
            }
        }
    }
}

/// "20:45" today, "Thu 09:30" tomorrow.
fn kiosk_time(at: &chrono::DateTime<Utc>) -> String {
    let same_day = at.with_timezone(&Local).date_naive() == Local::now().date_naive();
    local_time(at, if same_day { "%H:%M" } else { "%a %H:%M" })
}

#[component]
fn KioskShows(step: Signal<Step>, error: Signal<Option<String>>) -> Element {
    let ctx = use_context::<Ctx>();
    // The next 24 hours: today's shows, and after late evening the next morning's too.
    let shows = use_resource(move || async move {
        let now = Utc::now();
        let today = Local::now().date_naive();
        let mut list = bridge::shows(Some(today)).await?;
        list.extend(bridge::shows(today.succ_opt()).await?);
        list.retain(|s| s.starts_at > now && s.starts_at < now + chrono::Duration::hours(24));
        list.sort_by_key(|s| s.starts_at);
        list.dedup_by_key(|s| s.id);
        Ok::<_, crate::protocol::CommandError>(list)
    });
    rsx! {
        div { class: "kiosk-panel",
            h2 { "Next shows" }
            match &*shows.read() {
                None => rsx! { p { "Loading…" } },
                Some(Err(e)) => rsx! { ErrorBox { message: Some(e.friendly()) } },
                Some(Ok(list)) if list.is_empty() => rsx! { p { class: "big", "No more shows in the next 24 hours." } },
                Some(Ok(list)) => rsx! {
                    div { class: "tiles",
                        for show in list.iter().cloned() {
                            button { class: "tile", key: "{show.id}", "data-show": "{show.id}", onclick: move |_| {
                                let id = show.id;
                                spawn(async move {
                                    match bridge::show(id).await {
                                        Ok(d) => { ctx.follow(id); error.set(None); step.set(Step::Seats(d)); }
                                        Err(e) => error.set(Some(e.friendly())),
                                    }
                                });
                            },
                                span { class: "time", {kiosk_time(&show.starts_at)} }
                                span { class: "title", "{show.title}" }
                            }
                        }
                    }
                },
            }
        }
    }
}

#[component]
fn KioskSeats(detail: ShowDetail, step: Signal<Step>, error: Signal<Option<String>>) -> Element {
    let ctx = use_context::<Ctx>();
    let mut selection = ctx.selection;
    let seats = selection.read().seats();
    let stale = ctx.live.read().as_ref().is_none_or(|m| m.is_stale());
    let show_id = detail.show.id;
    let back_detail = detail.clone();
    rsx! {
        div { class: "kiosk-panel wide",
            h2 { "{detail.show.title} · " {local_time(&detail.show.starts_at, "%H:%M")} }
            div { class: "inline",
                span { class: "big", "How many? " }
                for n in 1..=6usize {
                    button { class: "choice big", key: "{n}", disabled: stale, onclick: move |_| {
                        let live = ctx.live.read();
                        match live.as_ref().and_then(|m| m.map()).and_then(|m| best_available(m, n)) {
                            Some(best) => { selection.write().set(best); error.set(None); }
                            None => error.set(Some(format!("Sorry, {n} seats together are not free."))),
                        }
                    }, "{n}" }
                }
            }
            div { class: "inline kiosk-actions",
                button { class: "primary huge", id: "kiosk-hold", disabled: seats.is_empty() || stale, onclick: move |_| {
                    let seats = selection.read().seats();
                    let detail = back_detail.clone();
                    spawn(async move {
                        match bridge::hold(show_id, seats).await {
                            Ok(h) => { error.set(None); step.set(Step::Held(detail, h)); }
                            Err(e) => error.set(Some(e.friendly())),
                        }
                    });
                }, "Continue with {seats.len()} seat(s)" }
                button { class: "secondary huge", onclick: move |_| step.set(Step::Shows), "Back" }
            }
            SeatMapView { large: true, locked: false }
        }
    }
}

#[component]
fn KioskDone(booking: Booking, step: Signal<Step>) -> Element {
    let ctx = use_context::<Ctx>();
    let id = booking.id;
    let reward = use_resource(move || async move { bridge::reward(id).await.ok() });
    let mut prize = use_signal(|| None::<String>);
    let mut printed = use_signal(|| None::<String>);
    use_hook(move || {
        spawn(async move {
            match bridge::print_tickets(id).await {
                Ok(out) => printed.set(Some(if out.printed {
                    "Your tickets are printing.".into()
                } else {
                    format!("Tickets saved: {}", out.path)
                })),
                Err(e) => printed.set(Some(e.friendly())),
            }
        });
    });
    let has_card = matches!(&*reward.read(), Some(Some(r)) if r.state != RewardState::Voided);
    rsx! {
        div { class: "kiosk-panel", id: "kiosk-done",
            h2 { "Enjoy the show!" }
            p { class: "big", "Booking {booking.code} · seats {booking.seats.iter().map(|s| s.to_string()).collect::<Vec<_>>().join(\", \")}" }
            if let Some(p) = printed() { p { "{p}" } }
            if has_card {
                div { class: "scratch",
                    if let Some(p) = prize() {
                        p { class: "prize", id: "prize", "You won: " {p.replace('_', " ")} }
                    } else {
                        button { class: "scratch-card", id: "scratch", onclick: move |_| {
                            spawn(async move {
                                if let Ok(r) = bridge::scratch(id).await { prize.set(Some(r.prize)); }
                            });
                        }, "You earned a scratch card — touch to scratch!" }
                    }
                }
            }
            button { class: "primary huge", onclick: move |_| { ctx.unfollow(); step.set(Step::Attract); }, "Done" }
        }
    }
}

#[component]
fn PinDialog(open: Signal<bool>) -> Element {
    let ctx = use_context::<Ctx>();
    let mut pin = use_signal(String::new);
    let mut error = use_signal(|| None::<String>);
    rsx! {
        div { class: "modal", role: "dialog", "aria-label": "Staff PIN",
            div { class: "modal-body",
                h3 { "Leave kiosk mode" }
                input { r#type: "password", inputmode: "numeric", id: "kiosk-pin", placeholder: "Staff PIN", value: "{pin}", oninput: move |e| pin.set(e.value()) }
                ErrorBox { message: error() }
                div { class: "inline",
                    button { class: "primary", id: "kiosk-unlock", onclick: move |_| {
                        spawn(async move {
                            let typed = pin.read().clone();
                            match bridge::unlock_kiosk(&typed).await {
                                Ok(()) => { open.set(false); sign_out(ctx); }
                                Err(e) => { pin.set(String::new()); error.set(Some(e.friendly())); }
                            }
                        });
                    }, "Unlock" }
                    button { class: "secondary", onclick: move |_| open.set(false), "Cancel" }
                }
            }
        }
    }
}
