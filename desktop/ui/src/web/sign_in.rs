//! Sign-in, with the device settings (server address, kiosk device) one click away.

use chrono::Utc;
use dioxus::prelude::*;

use super::app::Ctx;
use super::bridge;
use super::kiosk::PinPurpose;
use super::widgets::ErrorBox;
use crate::protocol::{self, SaveDeviceSettings};

#[component]
pub fn SignIn(refused: Option<String>) -> Element {
    let mut ctx = use_context::<Ctx>();
    let mut email = use_signal(String::new);
    let mut password = use_signal(String::new);
    let mut busy = use_signal(|| false);
    let mut error = use_signal(|| refused.clone());
    let mut show_settings = ctx.settings_open;
    let settings = ctx.settings.read().clone();
    let mut server_url = use_signal(|| {
        settings
            .as_ref()
            .map(|s| s.server_url.clone())
            .unwrap_or_default()
    });
    let mut kiosk = use_signal(|| settings.as_ref().is_some_and(|s| s.kiosk));

    let submit = move |e: FormEvent| {
        e.prevent_default();
        if busy() {
            return;
        }
        busy.set(true);
        error.set(None);
        spawn(async move {
            let (typed_email, typed_password) =
                (email.read().trim().to_owned(), password.read().clone());
            match bridge::invoke(&protocol::SignIn {
                email: typed_email,
                password: typed_password,
            })
            .await
            {
                Ok(user) => {
                    password.set(String::new());
                    ctx.staff_unlocked.set(false);
                    ctx.settings_open.set(false);
                    ctx.signed_in_at.set(Utc::now());
                    ctx.user.set(Some(user));
                }
                Err(e) if e.code == Some(eventory_shared::ErrorCode::Unauthorized) => error.set(
                    Some("Wrong email or password, or the account is disabled.".into()),
                ),
                Err(e) => error.set(Some(e.friendly())),
            }
            busy.set(false);
        });
    };
    let save_settings = move |_| {
        spawn(async move {
            match bridge::invoke(&SaveDeviceSettings {
                server_url: server_url.read().trim().to_owned(),
                kiosk: kiosk(),
            })
            .await
            {
                Ok(saved) => {
                    ctx.settings.set(Some(saved));
                    show_settings.set(false);
                    error.set(None);
                }
                Err(e) => error.set(Some(e.friendly())),
            }
        });
    };
    // A kiosk's settings need the staff PIN (or an admin) first.
    let locked = settings.as_ref().is_some_and(|s| s.kiosk) && !*ctx.staff_unlocked.read();
    let open_settings = move |_| match locked {
        true => ctx.pin_prompt.set(Some(PinPurpose::Settings)),
        false => show_settings.toggle(),
    };
    let pin_problem = settings.as_ref().and_then(|s| s.pin_problem.clone());
    let server = settings.map(|s| s.server_url).unwrap_or_default();
    rsx! {
        main { class: "signin",
            h1 { "Eventory" }
            p { class: "muted", "Box office · Kiosk · Admin" }
            form { onsubmit: submit, id: "sign-in-form",
                label { "Email"
                    input { id: "email", r#type: "email", autocomplete: "username", required: true,
                        value: "{email}", oninput: move |e| email.set(e.value()) }
                }
                label { "Password"
                    input { id: "password", r#type: "password", autocomplete: "current-password", required: true,
                        value: "{password}", oninput: move |e| password.set(e.value()) }
                }
                button { r#type: "submit", id: "sign-in", disabled: busy(),
                    if busy() { "Signing in…" } else { "Sign in" }
                }
            }
            ErrorBox { message: error() }
            p { class: "muted small", "Server: {server} "
                button { class: "link", id: "device-settings", onclick: open_settings, "Device settings" }
            }
            if show_settings() {
                div { class: "panel", id: "settings-panel",
                    label { "Server address"
                        input { id: "server-url", value: "{server_url}", oninput: move |e| server_url.set(e.value()) }
                    }
                    label { class: "check",
                        input { r#type: "checkbox", id: "kiosk-device", checked: kiosk(), onchange: move |e| kiosk.set(e.checked()) }
                        " This device is a self-service kiosk"
                    }
                    if let Some(why) = pin_problem { p { class: "muted small", "The staff PIN is not used: {why}." } }
                    button { id: "save-settings", onclick: save_settings, "Save" }
                }
            }
        }
    }
}
