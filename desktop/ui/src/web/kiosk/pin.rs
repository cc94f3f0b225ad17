//! The staff PIN that leaves kiosk mode.

use dioxus::prelude::*;

use super::super::app::{sign_out, Ctx};
use super::super::bridge;
use super::super::widgets::ErrorBox;
use crate::protocol::UnlockKiosk;

#[component]
pub fn PinDialog(open: Signal<bool>) -> Element {
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
                            match bridge::invoke(&UnlockKiosk { pin: typed }).await {
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
