//! The error every command answers with, ready to show.

use eventory_shared::{ErrorCode, SeatId};
use serde::{Deserialize, Serialize};

/// An error of a command, ready to show: the server's code (if the server answered), its
/// message, the seats it names, and whether the server could not be reached at all.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct CommandError {
    pub code: Option<ErrorCode>,
    pub message: String,
    #[serde(default)]
    pub seats: Vec<SeatId>,
    #[serde(default)]
    pub offline: bool,
}

impl CommandError {
    /// An error of the app itself (bad input caught before any call).
    pub fn local(message: impl Into<String>) -> Self {
        Self {
            code: None,
            message: message.into(),
            seats: Vec::new(),
            offline: false,
        }
    }

    /// The words a member of staff or a customer sees.
    pub fn friendly(&self) -> String {
        if self.offline {
            return "The server cannot be reached. Check the network; nothing was sold.".into();
        }
        let seats = || {
            self.seats
                .iter()
                .map(ToString::to_string)
                .collect::<Vec<_>>()
                .join(", ")
        };
        match self.code {
            Some(ErrorCode::SeatsTaken) if !self.seats.is_empty() => {
                format!("Just taken by someone else: {}. Pick other seats.", seats())
            }
            Some(ErrorCode::HoldExpired) => {
                "The hold expired and the seats were released. Select them again.".into()
            }
            Some(ErrorCode::HoldLimitReached) => {
                "This account already holds the most seats it may hold for this show. Finish or release a sale first.".into()
            }
            Some(ErrorCode::HoldLifetimeReached) => {
                "This hold cannot be extended again. Take payment now or select the seats again.".into()
            }
            Some(ErrorCode::Unauthorized) => "Your session ended. Sign in again.".into(),
            Some(ErrorCode::Forbidden) => "This account may not do that.".into(),
            Some(ErrorCode::RateLimited) => "Too many attempts. Wait a minute and retry.".into(),
            Some(ErrorCode::ServiceUnavailable) | Some(ErrorCode::Timeout) => {
                format!("The server is busy or degraded: {}", self.message)
            }
            _ => self.message.clone(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn taken_seats_are_named() {
        let e = CommandError {
            code: Some(ErrorCode::SeatsTaken),
            message: "seats taken".into(),
            seats: vec!["C12".parse().unwrap(), "C13".parse().unwrap()],
            offline: false,
        };
        assert_eq!(
            e.friendly(),
            "Just taken by someone else: C12, C13. Pick other seats."
        );
    }

    #[test]
    fn offline_says_nothing_was_sold() {
        let e = CommandError {
            offline: true,
            ..CommandError::local("connection refused")
        };
        assert!(e.friendly().contains("nothing was sold"));
    }
}
