//! Why a call failed, and how that reads on screen (a [`CommandError`]).

use eventory_shared::{ApiErrorBody, ErrorCode};
use eventory_ui::protocol::CommandError;
use reqwest::StatusCode;

/// Why a call failed.
#[derive(Debug, thiserror::Error)]
pub enum ClientError {
    /// The server answered with an error body (`seats_taken`, `hold_expired`, ...).
    #[error("{status}: {} ({})", .body.message, .body.code)]
    Api {
        status: StatusCode,
        body: ApiErrorBody,
    },
    #[error("cannot reach the server: {0}")]
    Network(#[from] reqwest::Error),
    #[error("sign in first")]
    NotSignedIn,
    #[error("bad server address: {0}")]
    BadUrl(String),
    /// Input caught before any call.
    #[error("{0}")]
    Invalid(String),
}

impl From<ClientError> for CommandError {
    fn from(e: ClientError) -> Self {
        match e {
            ClientError::Api { body, .. } => CommandError {
                code: Some(body.code),
                message: body.message,
                seats: body.seats,
                offline: false,
            },
            ClientError::Network(e) => CommandError {
                code: None,
                message: e.to_string(),
                seats: Vec::new(),
                offline: true,
            },
            ClientError::NotSignedIn => CommandError {
                code: Some(ErrorCode::Unauthorized),
                message: "sign in first".into(),
                seats: Vec::new(),
                offline: false,
            },
            other => CommandError::local(other.to_string()),
        }
    }
}
