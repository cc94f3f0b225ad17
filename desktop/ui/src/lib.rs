//! The Eventory desktop UI: Dioxus screens for the box office, kiosk and admin modes, compiled
//! to wasm32 and served by the Tauri shell, which does all I/O behind typed commands.
//!
//! The state logic is plain Rust, free of any window, and tested natively: the live seat map,
//! seat selection, best-available picks, the sale flow the box office and the kiosk share
//! (`sale`), the hold countdown, cash and change, the kiosk's inactivity reset, the shift
//! report, chart scaling and the command protocol (`protocol`: one typed request per Tauri
//! command). The screens (`web`) exist only in the wasm build.

pub mod admin_forms;
pub mod best_available;
pub mod cash;
pub mod chart;
pub mod countdown;
pub mod kiosk;
pub mod live_map;
pub mod mode;
pub mod pricing;
pub mod protocol;
pub mod sale;
pub mod selection;
pub mod shift_report;

#[cfg(target_arch = "wasm32")]
mod web;
