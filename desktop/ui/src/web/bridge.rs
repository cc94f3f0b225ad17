//! The screens' only way out: Tauri commands (`window.__TAURI__.core.invoke`) and the live
//! event (`window.__TAURI__.event.listen`). Values cross as JSON, typed on both sides by the
//! shared crate and [`crate::protocol`].

use chrono::NaiveDate;
use eventory_shared::api::{
    AnalyticsResponse, AuditView, CheckoutResponse, HoldResponse, RewardView, ScratchResponse,
    ShowDetail, UserProfile,
};
use eventory_shared::{
    Booking, BookingId, HoldId, Money, PaymentMethod, SeatId, Show, ShowId, Venue,
};
use futures::channel::mpsc::UnboundedSender;
use serde::de::DeserializeOwned;
use serde::Serialize;
use serde_json::json;
use wasm_bindgen::prelude::*;

use crate::protocol::{
    BookingQuery, CommandError, DeviceSettings, LiveUpdate, TicketOutput, LIVE_EVENT,
};

#[wasm_bindgen]
extern "C" {
    #[wasm_bindgen(js_namespace = ["window", "__TAURI__", "core"], js_name = invoke, catch)]
    async fn tauri_invoke(cmd: &str, args: JsValue) -> Result<JsValue, JsValue>;

    #[wasm_bindgen(js_namespace = ["window", "__TAURI__", "event"], js_name = listen, catch)]
    async fn tauri_listen(
        event: &str,
        handler: &Closure<dyn FnMut(JsValue)>,
    ) -> Result<JsValue, JsValue>;
}

fn to_js<A: Serialize>(value: &A) -> JsValue {
    let text = serde_json::to_string(value).expect("command arguments serialise");
    js_sys::JSON::parse(&text).unwrap_or(JsValue::NULL)
}

fn from_js<T: DeserializeOwned>(value: &JsValue) -> Result<T, String> {
    if value.is_undefined() || value.is_null() {
        return serde_json::from_str("null").map_err(|e| e.to_string());
    }
    let text: String = js_sys::JSON::stringify(value)
        .map_err(|e| format!("{e:?}"))?
        .into();
    serde_json::from_str(&text).map_err(|e| e.to_string())
}

/// Calls a command; its error arrives as a [`CommandError`].
pub async fn call<A: Serialize, T: DeserializeOwned>(
    command: &str,
    args: &A,
) -> Result<T, CommandError> {
    match tauri_invoke(command, to_js(args)).await {
        Ok(value) => from_js(&value)
            .map_err(|e| CommandError::local(format!("unexpected answer to {command}: {e}"))),
        Err(error) => Err(from_js::<CommandError>(&error).unwrap_or_else(|_| {
            CommandError::local(
                error
                    .as_string()
                    .unwrap_or_else(|| format!("{command} failed: {error:?}")),
            )
        })),
    }
}

/// Forwards every live update to `sink` for the life of the app.
pub async fn listen_live(sink: UnboundedSender<LiveUpdate>) -> Result<(), CommandError> {
    let handler = Closure::<dyn FnMut(JsValue)>::new(move |event: JsValue| {
        let payload =
            js_sys::Reflect::get(&event, &JsValue::from_str("payload")).unwrap_or(JsValue::NULL);
        if let Ok(update) = from_js::<LiveUpdate>(&payload) {
            let _ = sink.unbounded_send(update);
        }
    });
    tauri_listen(LIVE_EVENT, &handler)
        .await
        .map_err(|e| CommandError::local(format!("cannot listen to the live feed: {e:?}")))?;
    handler.forget(); // lives as long as the window
    Ok(())
}

// ---- typed commands ------------------------------------------------------------------------

pub async fn device_settings() -> Result<DeviceSettings, CommandError> {
    call("device_settings", &json!({})).await
}

pub async fn save_device_settings(
    server_url: &str,
    kiosk: bool,
) -> Result<DeviceSettings, CommandError> {
    call(
        "save_device_settings",
        &json!({"server_url": server_url, "kiosk": kiosk}),
    )
    .await
}

pub async fn restore_session() -> Result<Option<UserProfile>, CommandError> {
    call("restore_session", &json!({})).await
}

pub async fn sign_in(email: &str, password: &str) -> Result<UserProfile, CommandError> {
    call("sign_in", &json!({"email": email, "password": password})).await
}

pub async fn sign_out() -> Result<(), CommandError> {
    call("sign_out", &json!({})).await
}

pub async fn shows(date: Option<NaiveDate>) -> Result<Vec<Show>, CommandError> {
    call("shows", &json!({ "date": date })).await
}

pub async fn show(show_id: ShowId) -> Result<ShowDetail, CommandError> {
    call("show", &json!({ "show_id": show_id })).await
}

pub async fn join_show(show_id: ShowId) -> Result<(), CommandError> {
    call("join_show", &json!({ "show_id": show_id })).await
}

pub async fn leave_show(show_id: ShowId) -> Result<(), CommandError> {
    call("leave_show", &json!({ "show_id": show_id })).await
}

pub async fn resync_show(show_id: ShowId) -> Result<(), CommandError> {
    call("resync_show", &json!({ "show_id": show_id })).await
}

pub async fn hold(show_id: ShowId, seats: Vec<SeatId>) -> Result<HoldResponse, CommandError> {
    call("hold", &json!({ "show_id": show_id, "seats": seats })).await
}

pub async fn release(hold_id: HoldId) -> Result<(), CommandError> {
    call("release", &json!({ "hold_id": hold_id })).await
}

pub async fn checkout(
    hold_id: HoldId,
    payment: PaymentMethod,
    cash_tendered: Option<Money>,
) -> Result<CheckoutResponse, CommandError> {
    call(
        "checkout",
        &json!({ "hold_id": hold_id, "payment": payment, "cash_tendered": cash_tendered }),
    )
    .await
}

pub async fn booking(booking_id: BookingId) -> Result<Booking, CommandError> {
    call("booking", &json!({ "booking_id": booking_id })).await
}

pub async fn booking_by_code(code: &str) -> Result<Booking, CommandError> {
    call("booking_by_code", &json!({ "code": code })).await
}

pub async fn my_bookings() -> Result<Vec<Booking>, CommandError> {
    call("my_bookings", &json!({})).await
}

pub async fn refund(booking_id: BookingId, reason: &str) -> Result<Booking, CommandError> {
    call(
        "refund",
        &json!({ "booking_id": booking_id, "reason": reason }),
    )
    .await
}

pub async fn exchange(booking_id: BookingId, hold_id: HoldId) -> Result<Booking, CommandError> {
    call(
        "exchange",
        &json!({ "booking_id": booking_id, "hold_id": hold_id }),
    )
    .await
}

pub async fn print_tickets(booking_id: BookingId) -> Result<TicketOutput, CommandError> {
    call("print_tickets", &json!({ "booking_id": booking_id })).await
}

pub async fn reward(booking_id: BookingId) -> Result<RewardView, CommandError> {
    call("reward", &json!({ "booking_id": booking_id })).await
}

pub async fn scratch(booking_id: BookingId) -> Result<ScratchResponse, CommandError> {
    call("scratch", &json!({ "booking_id": booking_id })).await
}

pub async fn admin_bookings(query: &BookingQuery) -> Result<Vec<Booking>, CommandError> {
    call("admin_bookings", &json!({ "query": query })).await
}

pub async fn admin_analytics() -> Result<AnalyticsResponse, CommandError> {
    call("admin_analytics", &json!({})).await
}

pub async fn admin_audit() -> Result<Vec<AuditView>, CommandError> {
    call("admin_audit", &json!({})).await
}

pub async fn admin_venues() -> Result<Vec<Venue>, CommandError> {
    call("admin_venues", &json!({})).await
}

pub async fn unlock_kiosk(pin: &str) -> Result<(), CommandError> {
    call("unlock_kiosk", &json!({ "pin": pin })).await
}

pub async fn set_fullscreen(on: bool) -> Result<(), CommandError> {
    call("set_fullscreen", &json!({ "on": on })).await
}

pub async fn admin_export_csv(query: &BookingQuery) -> Result<String, CommandError> {
    call("admin_export_csv", &json!({ "query": query })).await
}

pub async fn admin_create_show(
    request: &eventory_shared::api::ShowRequest,
) -> Result<Show, CommandError> {
    call("admin_create_show", &json!({ "request": request })).await
}

pub async fn admin_create_venue(
    request: &eventory_shared::api::VenueRequest,
) -> Result<Venue, CommandError> {
    call("admin_create_venue", &json!({ "request": request })).await
}
