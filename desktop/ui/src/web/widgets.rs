//! Small pieces every mode uses: the top bar, error boxes, the hold countdown.

use chrono::{DateTime, Utc};
use dioxus::prelude::*;

use super::app::{sign_out, Ctx};
use crate::countdown::HoldCountdown;

#[component]
pub fn TopBar(title: String, children: Element) -> Element {
    let ctx = use_context::<Ctx>();
    let user = ctx.user.read().clone();
    let connected = *ctx.connected.read();
    rsx! {
        header { class: "topbar",
            span { class: "brand", "Eventory" }
            span { class: "mode", id: "mode-title", "{title}" }
            div { class: "actions", {children} }
            span { class: if connected { "conn up" } else { "conn down" },
                if connected { "● live" } else { "○ offline" }
            }
            if let Some(user) = user {
                span { class: "who", "{user.display_name} ({user.role})" }
            }
            button { class: "secondary", id: "sign-out", onclick: move |_| sign_out(ctx), "Sign out" }
        }
    }
}

/// An error message in words, or nothing.
#[component]
pub fn ErrorBox(message: Option<String>) -> Element {
    rsx! {
        if let Some(message) = message {
            div { class: "error-box", role: "alert", "{message}" }
        }
    }
}

/// "Hold expires in 4:59", ticking; calls `on_expired` once at zero.
#[component]
pub fn Countdown(expires_at: DateTime<Utc>, on_expired: EventHandler<()>) -> Element {
    let mut now = use_signal(Utc::now);
    let mut fired = use_signal(|| false);
    use_future(move || async move {
        loop {
            gloo_timers::future::TimeoutFuture::new(250).await;
            now.set(Utc::now());
        }
    });
    let countdown = HoldCountdown { expires_at };
    let current = now();
    if countdown.is_expired(current) && !fired() {
        fired.set(true);
        on_expired.call(());
    }
    let class = if countdown.is_warning(current) {
        "countdown warning"
    } else {
        "countdown"
    };
    rsx! {
        div { class: "{class}", id: "countdown", role: "timer",
            "Seats held for "
            strong { "{countdown.label(current)}" }
            if countdown.is_warning(current) { " — finish payment now" }
        }
    }
}

/// A time in the device's time zone ("%H:%M" etc.).
pub fn local_time(at: &DateTime<Utc>, format: &str) -> String {
    at.with_timezone(&chrono::Local).format(format).to_string()
}
