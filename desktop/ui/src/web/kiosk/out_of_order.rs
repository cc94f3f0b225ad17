//! What a kiosk device shows when nobody can buy at it: not the sign-in screen (that is for
//! staff, after the PIN) but "out of order", trying the server again every few seconds.

use chrono::Utc;
use dioxus::prelude::*;

use super::super::app::Ctx;
use super::super::bridge;
use super::PinPurpose;
use crate::kiosk::OutOfOrder;
use crate::protocol::RestoreSession;

/// How often an unreachable kiosk tries to resume its session.
const RETRY_MS: u32 = 5_000;

#[component]
pub fn OutOfOrderScreen(why: OutOfOrder, unreachable: Signal<bool>) -> Element {
    let mut ctx = use_context::<Ctx>();
    use_future(move || async move {
        loop {
            gloo_timers::future::TimeoutFuture::new(RETRY_MS).await;
            if !*unreachable.peek() {
                continue;
            }
            match bridge::invoke(&RestoreSession {}).await {
                Ok(Some(user)) => {
                    unreachable.set(false);
                    ctx.signed_in_at.set(Utc::now());
                    ctx.user.set(Some(user));
                }
                Ok(None) => unreachable.set(false),
                Err(_) => {}
            }
        }
    });
    let detail = match why {
        OutOfOrder::Unreachable => {
            "This kiosk cannot reach the ticket server right now. It keeps trying."
        }
        OutOfOrder::NotSignedIn => "This kiosk is not set up for sales.",
    };
    rsx! {
        div { class: "kiosk out-of-order", id: "out-of-order", role: "alert",
            button { class: "staff-corner", id: "staff-exit", "aria-label": "Staff", onclick: move |_| ctx.pin_prompt.set(Some(PinPurpose::LeaveKiosk)), "Staff" }
            h1 { "Out of order" }
            p { class: "big", "{detail}" }
            p { "Please buy your tickets at the box office. Sorry for the inconvenience." }
        }
    }
}
