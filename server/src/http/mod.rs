//! The HTTP layer: one module per resource, each exporting a `router()`, merged in
//! [`crate::app::router`]. Handlers stay thin: parse, call a capability, map its error.

pub mod admin;
pub mod auth;
pub mod bookings;
pub mod error;
pub mod health;
pub mod holds;
pub mod json;
pub mod live;
pub mod metrics;
pub mod openapi;
pub mod rewards;
pub mod shows;

pub use error::ApiError;
