//! The native side of the Eventory desktop app: everything that does I/O, in plain modules
//! testable without a window; the Tauri shell (`main.rs`, `commands.rs`) exposes them to the
//! Dioxus screens as typed commands and forwards the live feed as events.
//!
//! - [`client::ApiClient`]: the HTTP API with sign-in and transparent token refresh.
//! - [`live::LiveFeed`]: the live seat-map websocket, reconnecting with backoff and re-joining
//!   (which re-syncs every followed show from a fresh snapshot).
//! - [`credentials::Credentials`]: the refresh token in the OS keyring.
//! - [`device::DeviceConfig`]: server address, kiosk mode, printer, where the PIN and the
//!   session are kept.
//! - [`staff_pin`], [`pin_guard`], [`staff_access`]: the kiosk's staff PIN (in a file the
//!   kiosk account cannot rewrite), its backoff, and what a locked kiosk allows.
//! - [`tickets`]: ticket PDFs with QR codes, saved and printed.
//! - [`tls::TlsTrust`]: which servers are trusted (OS store, venue CA), plain HTTP only to
//!   loopback.
//! - [`app_core::AppCore`]: what the commands do, wired together.

pub mod app_core;
pub mod client;
pub mod commands;
pub mod credentials;
pub mod device;
pub mod live;
pub mod pin_guard;
pub mod staff_access;
pub mod staff_pin;
pub mod tickets;
pub mod tls;
