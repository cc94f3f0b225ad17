//! Authentication and authorisation: access tokens, role extractors, sign-in rate limits.

pub mod extract;
pub mod rate_limit;
pub mod tokens;
