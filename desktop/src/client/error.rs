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
    Network(reqwest::Error),
    /// The server's certificate was refused: what is wrong and what to do.
    #[error("{0}")]
    Untrusted(String),
    /// The address is not encrypted and the device does not allow that.
    #[error("{0}")]
    Insecure(String),
    #[error("sign in first")]
    NotSignedIn,
    #[error("bad server address: {0}")]
    BadUrl(String),
    /// Input caught before any call.
    #[error("{0}")]
    Invalid(String),
}

impl From<reqwest::Error> for ClientError {
    fn from(e: reqwest::Error) -> Self {
        match crate::tls::certificate_problem(&e) {
            Some(problem) => ClientError::Untrusted(problem),
            None => ClientError::Network(e),
        }
    }
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
            // Not "offline": the words say what to fix (nothing was sent either way).
            ClientError::Untrusted(message) => CommandError::local(message),
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
