//! Authentication and authorisation: access tokens, role extractors, sign-in rate limits.

pub mod accounts;
pub mod client_address;
pub mod extract;
pub mod password;
pub mod rate_limit;
pub mod tokens;
