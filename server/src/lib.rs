//! Eventory server: the HTTP API, the live seat-map feed and the background workers.
//!
//! Organised by capability (see `DESIGN.md`): `seats` (the seat ledger), `store`
//! (persistence), `bus` (events), with the HTTP layer in `http` kept thin on top, and `app`
//! as the one place that wires ports to implementations.

pub mod admin;
pub mod app;
pub mod auth;
pub mod bus;
pub mod config;
pub mod health;
pub mod http;
pub mod layers;
pub mod live;
pub mod loadtest;
pub mod payments;
pub mod rewards;
pub mod sales;
pub mod seats;
pub mod store;
pub mod telemetry;

pub use config::Config;
pub use http::AppState;
