//! The native side of the Eventory desktop app: everything that does I/O, in plain modules
//! testable without a window (the Tauri shell only exposes them as commands).
//!
//! - [`client::ApiClient`]: the HTTP API with sign-in and transparent token refresh.
//! - [`live::LiveFeed`]: the live seat-map websocket, reconnecting with backoff and re-joining
//!   (which re-syncs every followed show from a fresh snapshot).

pub mod client;
pub mod live;
