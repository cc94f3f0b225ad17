//! Admin: cancelling a show, with the progress of its refunds ("12 of 40 refunded"), which the
//! server goes on with by itself (also after a restart) until every sold booking is refunded.

use dioxus::prelude::*;
use eventory_shared::api::CancellationProgress;
use eventory_shared::ShowId;

use super::bridge;
use super::widgets::ErrorBox;
use crate::protocol::{AdminCancelShow, AdminCancellation};

/// How often the progress is asked for while refunds remain.
const POLL_MS: u32 = 1000;

#[component]
pub fn CancelShow(show_id: ShowId, title: String, on_done: EventHandler<()>) -> Element {
    let mut open = use_signal(|| false);
    let mut reason = use_signal(String::new);
    let mut error = use_signal(|| None::<String>);
    let mut progress = use_signal(|| None::<CancellationProgress>);
    // While refunds remain, follow them.
    use_future(move || async move {
        loop {
            gloo_timers::future::TimeoutFuture::new(POLL_MS).await;
            let remaining = progress.peek().as_ref().map(|p| p.remaining);
            if let Some(remaining) = remaining {
                if remaining == 0 {
                    continue;
                }
                if let Ok(now) = bridge::invoke(&AdminCancellation { show_id }).await {
                    let finished = now.remaining == 0;
                    progress.set(Some(now));
                    if finished {
                        on_done.call(());
                    }
                }
            }
        }
    });
    let confirm = move |e: FormEvent| {
        e.prevent_default();
        spawn(async move {
            let request = AdminCancelShow {
                show_id,
                reason: reason.read().trim().to_owned(),
            };
            match bridge::invoke(&request).await {
                Ok(started) => {
                    error.set(None);
                    progress.set(Some(started));
                }
                Err(e) => error.set(Some(e.friendly())),
            }
        });
    };
    if let Some(p) = progress() {
        return rsx! {
            span { class: "cancel-progress", "data-show": "{show_id}", role: "status",
                "Cancelled: {p.refunded} of {p.bookings} refunded"
                if p.remaining == 0 { " ✓" }
            }
        };
    }
    rsx! {
        if open() {
            form { class: "inline cancel-form", onsubmit: confirm,
                input { class: "cancel-reason", placeholder: "Why is “{title}” cancelled?", value: "{reason}", oninput: move |e| reason.set(e.value()) }
                button { r#type: "submit", class: "danger", "Cancel the show and refund all" }
                button { r#type: "button", class: "link", onclick: move |_| open.set(false), "Keep it" }
                ErrorBox { message: error() }
            }
        } else {
            button { class: "link cancel-show", "data-show": "{show_id}", onclick: move |_| open.set(true), "Cancel show…" }
        }
    }
}
