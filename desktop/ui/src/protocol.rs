//! What crosses the Tauri command boundary besides the shared crate's API bodies: the native
//! side (`eventory-desktop`) and the screens both use these types, so none is written twice.

use eventory_shared::live::ServerMessage;
use eventory_shared::{ErrorCode, SeatId};
use serde::{Deserialize, Serialize};

/// The name of the Tauri event that carries [`LiveUpdate`]s to the screens.
pub const LIVE_EVENT: &str = "eventory://live";

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

/// A live-feed event forwarded to the screens.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum LiveUpdate {
    Connected,
    Disconnected { reason: String },
    Message { message: ServerMessage },
}

/// How this device is set up (kept in the platform config dir by the native side).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct DeviceSettings {
    /// "http://127.0.0.1:8080"
    pub server_url: String,
    /// A kiosk device starts in kiosk mode, full screen, whoever signs in.
    pub kiosk: bool,
    /// Whether a staff PIN to leave kiosk mode is configured.
    pub kiosk_pin_set: bool,
}

/// Where a ticket PDF went.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct TicketOutput {
    /// The saved file.
    pub path: String,
    /// Whether it was also sent to the system printer.
    pub printed: bool,
}

/// The admin screen's booking filters (all optional; `days`: created in the last N days).
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct BookingQuery {
    pub show_id: Option<eventory_shared::ShowId>,
    pub status: Option<eventory_shared::BookingStatus>,
    pub channel: Option<eventory_shared::Channel>,
    pub days: Option<u32>,
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

    #[test]
    fn live_updates_are_tagged() {
        let json = serde_json::to_string(&LiveUpdate::Disconnected {
            reason: "eof".into(),
        })
        .unwrap();
        assert_eq!(json, r#"{"kind":"disconnected","reason":"eof"}"#);
        let back: LiveUpdate = serde_json::from_str(&json).unwrap();
        assert_eq!(
            back,
            LiveUpdate::Disconnected {
                reason: "eof".into()
            }
        );
    }
}
