//! Extractors: who is calling, and may their role do this?
//!
//! Every protected handler takes one of these as an argument, so the route's rule is written in
//! its signature: `AnyUser` for any signed-in account, `Staff` for cashiers and admins,
//! `AdminOnly`, `Seller` for the roles that may hold and buy seats. A missing, forged or
//! expired token is 401; a valid token of the wrong role is 403.

use axum::extract::FromRequestParts;
use axum::http::header::AUTHORIZATION;
use axum::http::request::Parts;
use eventory_shared::{Role, UserId};

use crate::app::AppState;
use crate::http::ApiError;

/// The signed-in caller.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Caller {
    pub user_id: UserId,
    pub role: Role,
}

impl Caller {
    /// The owner string used for holds: holds belong to the account that made them.
    pub fn owner(&self) -> String {
        self.user_id.to_string()
    }
}

/// The bearer token of a request: `Authorization: Bearer …`, or for websockets (browsers
/// cannot set headers on them) an `access_token` query parameter.
fn bearer(parts: &Parts) -> Option<&str> {
    if let Some(value) = parts.headers.get(AUTHORIZATION) {
        let value = value.to_str().ok()?;
        let (scheme, token) = value.split_once(' ')?;
        return scheme
            .eq_ignore_ascii_case("bearer")
            .then_some(token.trim());
    }
    parts
        .uri
        .query()?
        .split('&')
        .find_map(|pair| pair.strip_prefix("access_token="))
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
            bearer(&parts(None, "/api/live?x=1&access_token=tok")),
            Some("tok")
        );
        assert_eq!(bearer(&parts(None, "/api/live")), None);
    }
}
