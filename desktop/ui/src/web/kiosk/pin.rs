//! The staff PIN screen: what leaves kiosk mode (also after a close request on a kiosk) and
//! opens a kiosk's device settings. An admin's email and password do instead of the PIN.

use dioxus::prelude::*;

use super::super::app::{sign_out, Ctx};
use super::super::bridge;
use super::super::widgets::ErrorBox;
use crate::protocol::{UnlockKiosk, UnlockWithAdmin};

/// What the PIN is asked for.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum PinPurpose {
    /// Leave kiosk mode (the staff corner, or the window was asked to close).
    LeaveKiosk,
    /// Change a kiosk's device settings.
    Settings,
}

#[component]
pub fn PinDialog(purpose: PinPurpose) -> Element {
    let mut ctx = use_context::<Ctx>();
    let mut pin = use_signal(String::new);
    let mut with_admin = use_signal(|| false);
    let mut email = use_signal(String::new);
    let mut password = use_signal(String::new);
    let mut error = use_signal(|| None::<String>);
    let mut busy = use_signal(|| false);
    let title = match purpose {
        PinPurpose::LeaveKiosk => "Staff: leave kiosk mode",
        PinPurpose::Settings => "Staff: device settings",
    };
    let problem = ctx
        .settings
        .read()
        .as_ref()
        .and_then(|s| s.pin_problem.clone());
    let submit = move |e: FormEvent| {
        e.prevent_default();
        if busy() {
            return;
        }
        busy.set(true);
        spawn(async move {
            let answer = if with_admin() {
                let request = UnlockWithAdmin {
                    email: email.read().trim().to_owned(),
                    password: password.read().clone(),
                };
                bridge::invoke(&request).await
            } else {
                let typed = pin.read().clone();
                bridge::invoke(&UnlockKiosk { pin: typed }).await
            };
            busy.set(false);
            match answer {
                Ok(()) => {
                    ctx.pin_prompt.set(None);
                    ctx.staff_unlocked.set(true);
                    match purpose {
                        PinPurpose::LeaveKiosk if ctx.user.peek().is_some() => sign_out(ctx),
                        PinPurpose::LeaveKiosk => {}
                        PinPurpose::Settings => ctx.settings_open.set(true),
                    }
                }
                Err(e) => {
                    pin.set(String::new());
                    password.set(String::new());
                    error.set(Some(e.friendly()));
                }
            }
        });
    };
    rsx! {
        div { class: "modal", role: "dialog", "aria-label": "Staff PIN", id: "pin-dialog",
            form { class: "modal-body", onsubmit: submit,
                h3 { "{title}" }
                if with_admin() {
                    input { r#type: "email", id: "admin-email", placeholder: "Admin email", autocomplete: "off", value: "{email}", oninput: move |e| email.set(e.value()) }
                    input { r#type: "password", id: "admin-password", placeholder: "Password", value: "{password}", oninput: move |e| password.set(e.value()) }
                } else {
                    input { r#type: "password", inputmode: "numeric", id: "kiosk-pin", placeholder: "Staff PIN", autofocus: true, value: "{pin}", oninput: move |e| pin.set(e.value()) }
                }
                if let Some(why) = problem { p { class: "muted small", id: "pin-problem", "The staff PIN is not used: {why}." } }
                ErrorBox { message: error() }
                div { class: "inline",
                    button { r#type: "submit", class: "primary", id: "kiosk-unlock", disabled: busy(), if busy() { "Checking…" } else { "Unlock" } }
                    button { r#type: "button", class: "secondary", id: "pin-cancel", onclick: move |_| ctx.pin_prompt.set(None), "Cancel" }
                }
                button { r#type: "button", class: "link", id: "use-admin", onclick: move |_| { error.set(None); with_admin.toggle() },
                    if with_admin() { "Use the staff PIN" } else { "Use an admin account instead" }
                }
            }
        }
    }
}
