//! Accounts: `POST /api/auth/sign-up|sign-in|refresh|sign-out`, `GET /api/me`.

use std::net::SocketAddr;

use axum::extract::{ConnectInfo, State};
use axum::http::StatusCode;
use axum::routing::{get, post};
use axum::{Json, Router};
use eventory_shared::api::{RefreshRequest, SignInRequest, SignUpRequest, TokenPair, UserProfile};
#[allow(unused_imports)] // named in the OpenAPI annotations
use eventory_shared::ApiErrorBody;

use super::json::ApiJson;
use super::ApiError;
use crate::app::AppState;
use crate::auth::extract::AnyUser;

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/api/auth/sign-up", post(sign_up))
        .route("/api/auth/sign-in", post(sign_in))
        .route("/api/auth/refresh", post(refresh))
        .route("/api/auth/sign-out", post(sign_out))
        .route("/api/me", get(me))
}

/// Creates a customer account and signs it in.
#[utoipa::path(post, path = "/api/auth/sign-up", tag = "auth", request_body = SignUpRequest,
    responses((status = 201, body = TokenPair), (status = 409, body = ApiErrorBody), (status = 422, body = ApiErrorBody)))]
pub(crate) async fn sign_up(
    State(state): State<AppState>,
    ApiJson(body): ApiJson<SignUpRequest>,
) -> Result<(StatusCode, Json<TokenPair>), ApiError> {
    let pair = state
        .accounts
        .sign_up(&body.email, &body.password, &body.display_name)
        .await?;
    Ok((StatusCode::CREATED, Json(pair)))
}

/// Signs in with email and password.
#[utoipa::path(post, path = "/api/auth/sign-in", tag = "auth", request_body = SignInRequest,
    responses((status = 200, body = TokenPair), (status = 401, body = ApiErrorBody), (status = 429, body = ApiErrorBody)))]
pub(crate) async fn sign_in(
    State(state): State<AppState>,
    extensions: axum::http::Extensions,
    headers: axum::http::HeaderMap,
    ApiJson(body): ApiJson<SignInRequest>,
) -> Result<Json<TokenPair>, ApiError> {
    // Present when served with connect info (always, outside unit tests of the router).
    let peer = extensions
        .get::<ConnectInfo<SocketAddr>>()
        .map(|ConnectInfo(addr)| addr.ip());
    let ip = peer.map(|peer| {
        crate::auth::client_address::client_address(
            peer,
            headers.get("x-forwarded-for"),
            &state.config.trusted_proxies,
        )
    });
    Ok(Json(
        state
            .accounts
            .sign_in(&body.email, &body.password, ip)
            .await?,
    ))
}

/// Exchanges a refresh token for a new pair (the old one stops working).
#[utoipa::path(post, path = "/api/auth/refresh", tag = "auth", request_body = RefreshRequest,
    responses((status = 200, body = TokenPair), (status = 401, body = ApiErrorBody)))]
pub(crate) async fn refresh(
    State(state): State<AppState>,
    ApiJson(body): ApiJson<RefreshRequest>,
) -> Result<Json<TokenPair>, ApiError> {
    Ok(Json(state.accounts.refresh(&body.refresh_token).await?))
}

/// Revokes a refresh token.
#[utoipa::path(post, path = "/api/auth/sign-out", tag = "auth", request_body = RefreshRequest, responses((status = 204)))]
pub(crate) async fn sign_out(
    State(state): State<AppState>,
    ApiJson(body): ApiJson<RefreshRequest>,
) -> Result<StatusCode, ApiError> {
    state.accounts.sign_out(&body.refresh_token).await?;
    Ok(StatusCode::NO_CONTENT)
}

/// The signed-in account.
#[utoipa::path(get, path = "/api/me", tag = "auth", responses((status = 200, body = UserProfile), (status = 401, body = ApiErrorBody)),
    security(("bearer" = [])))]
pub(crate) async fn me(
    State(state): State<AppState>,
    AnyUser(caller): AnyUser,
) -> Result<Json<UserProfile>, ApiError> {
    Ok(Json(state.accounts.me(caller.user_id).await?))
}
