//! The screens (wasm32 only): the root component, the sign-in screen, and one module per mode.

mod admin;
mod app;
mod box_office;
mod bridge;
mod customer;
mod kiosk;
mod sale_flow;
mod seat_map;
mod show_cancel;
mod sign_in;
mod widgets;

use wasm_bindgen::prelude::*;

/// Runs when the webview loads the module: mounts the app on `#main`.
#[wasm_bindgen(start)]
pub fn start() {
    dioxus::launch(app::App);
}
