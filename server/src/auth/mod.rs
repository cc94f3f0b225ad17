//! Accounts and authentication: who is calling ([`Caller`]), passwords, access and refresh
//! tokens, sign-in rate limits. The axum extractors that read a caller from a request live in
//! `http::extract`.

pub mod accounts;
pub mod caller;
pub mod client_address;
pub mod live_ticket;
pub mod password;
pub mod rate_limit;
pub mod tokens;
pub mod visibility;

pub use caller::Caller;
pub use visibility::may_see;
