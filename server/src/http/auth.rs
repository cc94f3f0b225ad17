//! Accounts: `POST /api/auth/sign-up|sign-in|refresh|sign-out`, `GET /api/me`.

use axum::extract::State;
use axum::http::StatusCode;
use axum::Json;
use eventory_shared::api::{RefreshRequest, SignInRequest, SignUpRequest, TokenPair, UserProfile};
#[allow(unused_imports)] // named in the OpenAPI annotations
use eventory_shared::ApiErrorBody;

use super::json::JsonBody;
#[allow(unused_imports)] // named in the OpenAPI annotations
use super::openapi::{BodyErrors, RateLimited, SignedIn};
use super::ApiError;
use crate::http::extract::{AnyUser, ClientIp};
use crate::http::AppState;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

pub fn routes() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(sign_up))
        .routes(routes!(sign_in))
        .routes(routes!(refresh))
        .routes(routes!(sign_out))
        .routes(routes!(me))
}

/// Creates a customer account and signs it in.
#[utoipa::path(post, path = "/api/auth/sign-up", tag = "auth", request_body = SignUpRequest,
    responses(BodyErrors, RateLimited,
        (status = 201, body = TokenPair),
        (status = 409, body = ApiErrorBody, description = "conflict: an account with this email exists"),
        (status = 422, body = ApiErrorBody, description = "validation_failed: an email, password or display name out of bounds")))]
pub(crate) async fn sign_up(
    State(state): State<AppState>,
    ClientIp(ip): ClientIp,
    JsonBody(body): JsonBody<SignUpRequest>,
) -> Result<(StatusCode, Json<TokenPair>), ApiError> {
    let pair = state
        .accounts
        .sign_up(&body.email, &body.password, &body.display_name, ip)
        .await?;
    Ok((StatusCode::CREATED, Json(pair)))
}

/// Signs in with email and password.
#[utoipa::path(post, path = "/api/auth/sign-in", tag = "auth", request_body = SignInRequest,
    responses(BodyErrors, RateLimited,
        (status = 200, body = TokenPair),
        (status = 401, body = ApiErrorBody, description = "unauthorized: wrong email or password, or a disabled account")))]
pub(crate) async fn sign_in(
    State(state): State<AppState>,
    ClientIp(ip): ClientIp,
    JsonBody(body): JsonBody<SignInRequest>,
) -> Result<Json<TokenPair>, ApiError> {
    Ok(Json(
        state
            .accounts
            .sign_in(&body.email, &body.password, ip)
            .await?,
    ))
}

/// Exchanges a refresh token for a new pair (the old one stops working).
#[utoipa::path(post, path = "/api/auth/refresh", tag = "auth", request_body = RefreshRequest,
    responses(BodyErrors, RateLimited,
        (status = 200, body = TokenPair),
        (status = 401, body = ApiErrorBody, description = "unauthorized: an unknown, used or expired refresh token")))]
pub(crate) async fn refresh(
    State(state): State<AppState>,
    ClientIp(ip): ClientIp,
    JsonBody(body): JsonBody<RefreshRequest>,
) -> Result<Json<TokenPair>, ApiError> {
    Ok(Json(state.accounts.refresh(&body.refresh_token, ip).await?))
}

/// Revokes a refresh token.
#[utoipa::path(post, path = "/api/auth/sign-out", tag = "auth", request_body = RefreshRequest,
    responses(BodyErrors, (status = 204, description = "the refresh token no longer works (also when it never did)")))]
pub(crate) async fn sign_out(
    State(state): State<AppState>,
    JsonBody(body): JsonBody<RefreshRequest>,
) -> Result<StatusCode, ApiError> {
    state.accounts.sign_out(&body.refresh_token).await?;
    Ok(StatusCode::NO_CONTENT)
}

/// The signed-in account.
#[utoipa::path(get, path = "/api/me", tag = "auth",
    responses(SignedIn, (status = 200, body = UserProfile)),
    security(("bearer" = [])))]
pub(crate) async fn me(
    State(state): State<AppState>,
    AnyUser(caller): AnyUser,
) -> Result<Json<UserProfile>, ApiError> {
    Ok(Json(state.accounts.me(caller.user_id).await?))
}
