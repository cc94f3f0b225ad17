//! One HTTP request: JSON in and out, the server's error body as [`ClientError::Api`], the
//! bearer token, the `Idempotency-Key`, and one refresh and retry on 401.

use eventory_shared::ApiErrorBody;
use reqwest::{Method, StatusCode};
use serde::de::DeserializeOwned;
use serde::Serialize;

use super::{ApiClient, ClientError};

impl ApiClient {
    /// An authenticated call, refreshing once on 401.
    pub(super) async fn authed<B: Serialize, T: DeserializeOwned>(
        &self,
        method: Method,
        path: &str,
        body: Option<&B>,
    ) -> Result<T, ClientError> {
        self.authed_once(method, path, body, None).await
    }

    /// An authenticated call that changes something once: it carries an `Idempotency-Key`
    /// (the same on the retry after a refresh, and on every retry of the same user action),
    /// so a repeat is answered with the first result instead of acting twice.
    pub(super) async fn authed_once<B: Serialize, T: DeserializeOwned>(
        &self,
        method: Method,
        path: &str,
        body: Option<&B>,
        key: Option<&str>,
    ) -> Result<T, ClientError> {
        let token = self.access_token().await?;
        match self
            .send_keyed(method.clone(), path, Some(&token), body, key)
            .await
        {
            Err(ClientError::Api { status, .. }) if status == StatusCode::UNAUTHORIZED => {
                self.refresh().await?;
                let token = self.access_token().await?;
                self.send_keyed(method, path, Some(&token), body, key).await
            }
            other => other,
        }
    }

    pub(super) async fn request<B: Serialize>(
        &self,
        method: Method,
        path: &str,
        token: Option<&str>,
        body: Option<&B>,
        key: Option<&str>,
    ) -> Result<reqwest::Response, ClientError> {
        let mut request = self.http.request(method, self.url(path)?);
        if let Some(token) = token {
            request = request.bearer_auth(token);
        }
        if let Some(key) = key {
            request = request.header("Idempotency-Key", key);
        }
        if let Some(body) = body {
            request = request.json(body);
        }
        let response = request.send().await?;
        if response.status().is_success() {
            return Ok(response);
        }
        let status = response.status();
        let body = response
            .json::<ApiErrorBody>()
            .await
            .unwrap_or(ApiErrorBody {
                code: eventory_shared::ErrorCode::Internal,
                message: format!("the server answered {status}"),
                seats: Vec::new(),
            });
        Err(ClientError::Api { status, body })
    }

    pub(super) async fn send<B: Serialize, T: DeserializeOwned>(
        &self,
        method: Method,
        path: &str,
        token: Option<&str>,
        body: Option<&B>,
    ) -> Result<T, ClientError> {
        self.send_keyed(method, path, token, body, None).await
    }

    pub(super) async fn send_keyed<B: Serialize, T: DeserializeOwned>(
        &self,
        method: Method,
        path: &str,
        token: Option<&str>,
        body: Option<&B>,
        key: Option<&str>,
    ) -> Result<T, ClientError> {
        Ok(self
            .request(method, path, token, body, key)
            .await?
            .json()
            .await?)
    }

    pub(super) async fn send_empty<B: Serialize>(
        &self,
        method: Method,
        path: &str,
        token: Option<&str>,
        body: Option<&B>,
    ) -> Result<(), ClientError> {
        self.request(method, path, token, body, None)
            .await
            .map(|_| ())
    }
}
