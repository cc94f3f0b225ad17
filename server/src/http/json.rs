//! The extractors handlers take for bodies, paths and queries, with their rejections in the
//! API's error shape (`{code, message}`: 400, 413, 415), so a malformed request never gets a
//! plain-text answer: axum's `Path` and `Query` through axum-extra's `WithRejection`, and
//! [`JsonBody`] for bodies.

use axum::body::Bytes;
use axum::extract::{FromRequest, Path, Query, Request};
use axum::http::header::CONTENT_TYPE;
use axum::http::HeaderMap;
use axum::Json;
use axum_extra::extract::WithRejection;
use serde::de::DeserializeOwned;

use super::ApiError;

/// A JSON request body: `JsonBody(body): JsonBody<T>`. Like axum's `Json`, and also turns away
/// a body that is not a JSON object (serde would read a struct from an array, `["x"]`, where the
/// document says an object): every request body of the API is an object.
pub struct JsonBody<T>(pub T);

impl<S, T> FromRequest<S> for JsonBody<T>
where
    T: DeserializeOwned,
    S: Send + Sync,
{
    type Rejection = ApiError;

    async fn from_request(request: Request, state: &S) -> Result<Self, ApiError> {
        if !is_json(request.headers()) {
            return Err(ApiError::UnsupportedMediaType);
        }
        let bytes = Bytes::from_request(request, state)
            .await
            .map_err(|rejection| ApiError::from_status(rejection.status()))?;
        let first = bytes.iter().find(|b| !b.is_ascii_whitespace());
        if first.is_some_and(|b| *b != b'{') {
            return Err(ApiError::BadRequest(
                "the request body must be a JSON object".into(),
            ));
        }
        let Json(body) = Json::<T>::from_bytes(&bytes)?;
        Ok(JsonBody(body))
    }
}

/// `Content-Type: application/json` or `application/<something>+json`, as axum's `Json` takes.
fn is_json(headers: &HeaderMap) -> bool {
    let Some(value) = headers.get(CONTENT_TYPE).and_then(|v| v.to_str().ok()) else {
        return false;
    };
    let essence = value.split(';').next().unwrap_or_default().trim();
    let essence = essence.to_ascii_lowercase();
    essence == "application/json"
        || (essence.starts_with("application/") && essence.ends_with("+json"))
}

/// Path parameters: `WithRejection(Path(id), _): PathParam<T>`.
pub type PathParam<T> = WithRejection<Path<T>, ApiError>;

/// Query parameters: `WithRejection(Query(q), _): QueryParams<T>`.
pub type QueryParams<T> = WithRejection<Query<T>, ApiError>;

#[cfg(test)]
mod tests {
    use super::*;
    use axum::body::Body;
    use axum::http::StatusCode;
    use axum::response::IntoResponse;
    use eventory_shared::api::RefreshRequest;

    async fn parse(content_type: Option<&str>, body: &str) -> Result<RefreshRequest, StatusCode> {
        let mut request = axum::http::Request::builder().method("POST").uri("/");
        if let Some(content_type) = content_type {
            request = request.header(CONTENT_TYPE, content_type);
        }
        let request = request.body(Body::from(body.to_owned())).unwrap();
        JsonBody::<RefreshRequest>::from_request(request, &())
            .await
            .map(|JsonBody(body)| body)
            .map_err(|e| e.into_response().status())
    }

    #[tokio::test]
    async fn takes_json_objects_only() {
        let json = Some("application/json");
        let ok = parse(json, r#" {"refresh_token":"t"}"#).await.unwrap();
        assert_eq!(ok.refresh_token, "t");
        assert!(parse(
            Some("application/vnd.x+json; charset=utf-8"),
            r#"{"refresh_token":"t"}"#
        )
        .await
        .is_ok());
        assert_eq!(
            parse(json, r#"["t"]"#).await.unwrap_err(),
            StatusCode::BAD_REQUEST
        );
        assert_eq!(parse(json, "").await.unwrap_err(), StatusCode::BAD_REQUEST);
        assert_eq!(parse(json, "{").await.unwrap_err(), StatusCode::BAD_REQUEST);
        assert_eq!(
            parse(json, r#"{"refresh_token":1}"#).await.unwrap_err(),
            StatusCode::BAD_REQUEST
        );
        assert_eq!(
            parse(Some("text/plain"), "{}").await.unwrap_err(),
            StatusCode::UNSUPPORTED_MEDIA_TYPE
        );
        assert_eq!(
            parse(None, "{}").await.unwrap_err(),
            StatusCode::UNSUPPORTED_MEDIA_TYPE
        );
    }
}
