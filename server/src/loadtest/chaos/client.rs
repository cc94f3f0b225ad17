//! The chaos test's HTTP side: a reqwest client per actor (keep-alive pool, reconnecting after
//! errors) and a signed-in [`Session`] on top that rides out a server that is down or
//! restarting.

use std::net::SocketAddr;
use std::time::{Duration, Instant};

use anyhow::{bail, Context};
use serde_json::{json, Value};

use super::Tally;

/// One whole exchange (connect, write, read) may take this long.
const EXCHANGE_TIMEOUT: Duration = Duration::from_secs(20);
/// A request is retried over network errors, 503s and 408s for this long before giving up.
const RETRY_FOR: Duration = Duration::from_secs(45);
/// Pause between retries.
const RETRY_PAUSE: Duration = Duration::from_millis(200);

/// An answer: status and JSON body (`Null` when empty or not JSON).
#[derive(Debug)]
pub struct Reply {
    pub status: u16,
    pub body: Value,
}

impl Reply {
    /// The `code` of an error answer, or "".
    pub fn code(&self) -> &str {
        match self.status {
            400.. => self.body.get("code").and_then(Value::as_str).unwrap_or(""),
            _ => "",
        }
    }
}

/// The server at one address.
pub struct Http {
    base: String,
    client: reqwest::Client,
}

impl Http {
    pub fn new(address: SocketAddr) -> Self {
        Self {
            base: format!("http://{address}"),
            client: reqwest::Client::builder()
                .timeout(EXCHANGE_TIMEOUT)
                .tcp_nodelay(true)
                .build()
                .expect("an HTTP client"),
        }
    }

    /// One request.
    pub async fn send(
        &mut self,
        method: &str,
        path: &str,
        token: Option<&str>,
        body: Option<&Value>,
        idempotency_key: Option<&str>,
    ) -> anyhow::Result<Reply> {
        let method = reqwest::Method::from_bytes(method.as_bytes())?;
        let mut request = self
            .client
            .request(method.clone(), format!("{}{path}", self.base));
        if let Some(token) = token {
            request = request.bearer_auth(token);
        }
        if let Some(key) = idempotency_key {
            request = request.header("Idempotency-Key", key);
        }
        if let Some(body) = body {
            request = request.json(body);
        }
        let response = request
            .send()
            .await
            .with_context(|| format!("{method} {path}"))?;
        let status = response.status().as_u16();
        let bytes = response
            .bytes()
            .await
            .with_context(|| format!("{method} {path}: reading the answer"))?;
        let body = serde_json::from_slice(&bytes).unwrap_or(Value::Null);
        Ok(Reply { status, body })
    }
}

/// Email and password of an account.
#[derive(Clone, Debug)]
pub struct Credentials {
    pub email: String,
    pub password: String,
}

/// A signed-in account: requests with its token, retried over a server that is down or
/// starting (network errors, 503), signing in again on 401.
pub struct Session {
    http: Http,
    credentials: Credentials,
    token: String,
    tally: Tally,
}

impl Session {
    /// Signs in (retrying while the server is unreachable or rate-limits).
    pub async fn sign_in(
        address: SocketAddr,
        credentials: Credentials,
        tally: Tally,
    ) -> anyhow::Result<Self> {
        let mut session = Self {
            http: Http::new(address),
            credentials,
            token: String::new(),
            tally,
        };
        session.authenticate().await?;
        Ok(session)
    }

    /// Creates a customer account and signs it in.
    pub async fn sign_up(
        address: SocketAddr,
        credentials: Credentials,
        display_name: &str,
        tally: Tally,
    ) -> anyhow::Result<Self> {
        let mut http = Http::new(address);
        let body = json!({
            "email": credentials.email,
            "password": credentials.password,
            "display_name": display_name,
        });
        let reply = http
            .send_retrying(&tally, "POST", "/api/auth/sign-up", None, Some(&body), None)
            .await?;
        let token = match reply.status {
            201 => access_token(&reply)?,
            // A sign-up answered by a server killed before we read it: the account exists.
            409 => {
                return Self::sign_in(address, credentials, tally).await;
            }
            other => bail!("sign-up answered {other}: {}", reply.body),
        };
        Ok(Self {
            http,
            credentials,
            token,
            tally,
        })
    }

    /// A second connection of the same account (for concurrent "double clicks").
    pub fn fork(&self, address: SocketAddr) -> Self {
        Self {
            http: Http::new(address),
            credentials: self.credentials.clone(),
            token: self.token.clone(),
            tally: self.tally.clone(),
        }
    }

    pub fn token(&self) -> &str {
        &self.token
    }

    async fn authenticate(&mut self) -> anyhow::Result<()> {
        let body = json!({
            "email": self.credentials.email,
            "password": self.credentials.password,
        });
        let started = Instant::now();
        loop {
            let reply = self
                .http
                .send_retrying(
                    &self.tally,
                    "POST",
                    "/api/auth/sign-in",
                    None,
                    Some(&body),
                    None,
                )
                .await?;
            match reply.status {
                200 => {
                    self.token = access_token(&reply)?;
                    self.tally.add("sign-in 200");
                    return Ok(());
                }
                429 if started.elapsed() < Duration::from_secs(90) => {
                    self.tally.add("sign-in 429");
                    tokio::time::sleep(Duration::from_secs(2)).await;
                }
                other => bail!(
                    "sign-in of {} answered {other}: {}",
                    self.credentials.email,
                    reply.body
                ),
            }
        }
    }

    /// A request as this account; retried over network errors, 503 and 408, re-signed-in on 401.
    pub async fn request(
        &mut self,
        method: &str,
        path: &str,
        body: Option<&Value>,
        idempotency_key: Option<&str>,
    ) -> anyhow::Result<Reply> {
        for _ in 0..3 {
            let reply = self
                .http
                .send_retrying(
                    &self.tally,
                    method,
                    path,
                    Some(&self.token),
                    body,
                    idempotency_key,
                )
                .await?;
            if reply.status != 401 {
                return Ok(reply);
            }
            self.tally.add("401, signing in again");
            self.authenticate().await?;
        }
        bail!("{method} {path}: still 401 after signing in again")
    }

    pub async fn get(&mut self, path: &str) -> anyhow::Result<Reply> {
        self.request("GET", path, None, None).await
    }
}

fn access_token(reply: &Reply) -> anyhow::Result<String> {
    reply
        .body
        .get("access_token")
        .and_then(Value::as_str)
        .map(str::to_owned)
        .context("no access_token in the token pair")
}

impl Http {
    /// [`Http::send`] until it gets an answer other than 503 or 408, pausing over network errors (the
    /// server is being killed and restarted: that is the point), for at most [`RETRY_FOR`].
    pub async fn send_retrying(
        &mut self,
        tally: &Tally,
        method: &str,
        path: &str,
        token: Option<&str>,
        body: Option<&Value>,
        idempotency_key: Option<&str>,
    ) -> anyhow::Result<Reply> {
        let started = Instant::now();
        loop {
            let error = match self.send(method, path, token, body, idempotency_key).await {
                // 503: a backing service is down; 408: the server was too busy to answer in
                // time (both pass). Requests that change something carry idempotency keys or
                // are refused when repeated, so a retry is safe.
                Ok(reply) if !matches!(reply.status, 408 | 503) => return Ok(reply),
                Ok(reply) => {
                    tally.add(&format!("{} (retried)", reply.status));
                    anyhow::anyhow!("{}: {}", reply.status, reply.body)
                }
                Err(e) => {
                    tally.add("network error (retried)");
                    e
                }
            };
            if started.elapsed() > RETRY_FOR {
                return Err(error.context(format!(
                    "{method} {path}: no answer for {} s",
                    RETRY_FOR.as_secs()
                )));
            }
            tokio::time::sleep(RETRY_PAUSE).await;
        }
    }
}
