//! Extractors: who is calling, and may their role do this?
//!
//! Every protected handler takes one of these as an argument, so the route's rule is written in
//! its signature: `AnyUser` for any signed-in account, `Staff` for cashiers and admins,
//! `AdminOnly`, `Seller` for the roles that may hold and buy seats. A missing, forged or
//! expired token is 401; a valid token of the wrong role is 403.

use axum::extract::FromRequestParts;
use axum::http::header::AUTHORIZATION;
use axum::http::request::Parts;
use eventory_shared::Role;

use std::net::{IpAddr, SocketAddr};

use axum::extract::ConnectInfo;

use crate::auth::Caller;
use crate::http::ApiError;
use crate::http::AppState;

/// The client's address for per-address limits: the TCP peer, or behind a trusted proxy the
/// right-most untrusted `X-Forwarded-For` entry (see [`crate::auth::client_address`]). `None`
/// only where the server runs without connect info (unit tests of the router).
#[derive(Clone, Copy, Debug)]
pub struct ClientIp(pub Option<IpAddr>);

impl FromRequestParts<AppState> for ClientIp {
    type Rejection = std::convert::Infallible;

    async fn from_request_parts(
        parts: &mut Parts,
        state: &AppState,
    ) -> Result<Self, Self::Rejection> {
        let peer = parts
            .extensions
            .get::<ConnectInfo<SocketAddr>>()
            .map(|ConnectInfo(addr)| addr.ip());
        Ok(ClientIp(peer.map(|peer| {
            crate::auth::client_address::client_address(
                peer,
                parts.headers.get_all("x-forwarded-for"),
                &state.config.http.trusted_proxies,
            )
        })))
    }
}

/// The bearer token of a request: `Authorization: Bearer …` only. Never a query parameter:
/// URLs end up in proxy and server logs (the websocket opens with a single-use ticket, see
/// `http::live`).
fn bearer(parts: &Parts) -> Option<&str> {
    let value = parts.headers.get(AUTHORIZATION)?.to_str().ok()?;
    let (scheme, token) = value.split_once(' ')?;
    scheme
        .eq_ignore_ascii_case("bearer")
        .then_some(token.trim())
}

impl FromRequestParts<AppState> for Caller {
    type Rejection = ApiError;

    async fn from_request_parts(
        parts: &mut Parts,
        state: &AppState,
    ) -> Result<Self, Self::Rejection> {
        let token = bearer(parts).ok_or(ApiError::Unauthorized)?;
        let claims = state
            .tokens
            .verify(token)
            .map_err(|_| ApiError::Unauthorized)?;
        Ok(Caller {
            user_id: claims.sub,
            role: claims.role,
        })
    }
}

macro_rules! role_extractor {
    ($(#[$doc:meta])* $name:ident: $($role:ident)|+) => {
        $(#[$doc])*
        #[derive(Clone, Copy, Debug)]
        pub struct $name(pub Caller);

        impl $name {
            pub const ROLES: &'static [Role] = &[$(Role::$role),+];
        }

        impl FromRequestParts<AppState> for $name {
            type Rejection = ApiError;

            async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, Self::Rejection> {
                let caller = Caller::from_request_parts(parts, state).await?;
                if Self::ROLES.contains(&caller.role) {
                    Ok(Self(caller))
                } else {
                    Err(ApiError::Forbidden)
                }
            }
        }
    };
}

role_extractor!(
    /// Any signed-in account.
    AnyUser: Customer | Cashier | Kiosk | Admin
);
role_extractor!(
    /// Roles that hold and buy seats.
    Seller: Customer | Cashier | Kiosk | Admin
);
role_extractor!(
    /// The point of sale: counter staff and kiosks (attaching a customer to a sale).
    PointOfSale: Cashier | Kiosk | Admin
);
role_extractor!(
    /// Box-office staff: counter sales, cash, refunds, exchanges.
    Staff: Cashier | Admin
);
role_extractor!(
    /// Administrators only.
    AdminOnly: Admin
);

#[cfg(test)]
mod tests {
    use super::*;
    use axum::http::Request;

    fn parts(auth: Option<&str>, uri: &str) -> Parts {
        let mut builder = Request::builder().uri(uri);
        if let Some(auth) = auth {
            builder = builder.header(AUTHORIZATION, auth);
        }
        builder.body(()).unwrap().into_parts().0
    }

    #[test]
    fn finds_the_bearer_token() {
        assert_eq!(bearer(&parts(Some("Bearer abc"), "/")), Some("abc"));
        assert_eq!(bearer(&parts(Some("bearer abc"), "/")), Some("abc"));
        assert_eq!(bearer(&parts(Some("Basic abc"), "/")), None);
        assert_eq!(
            bearer(&parts(None, "/api/me?x=1&access_token=tok")),
            None,
            "never from the URL"
        );
        assert_eq!(bearer(&parts(None, "/api/live")), None);
    }
}
