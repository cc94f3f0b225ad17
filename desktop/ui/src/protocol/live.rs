//! The live feed as the screens receive it: one Tauri event per update; and the window's
//! close request on a locked kiosk.

use eventory_shared::live::ServerMessage;
use serde::{Deserialize, Serialize};

/// The name of the Tauri event that carries [`LiveUpdate`]s to the screens.
pub const LIVE_EVENT: &str = "eventory://live";

/// The Tauri event (no payload) telling the screens that the window was asked to close on a
/// locked kiosk: it stays open and the staff PIN screen appears instead.
pub const CLOSE_REFUSED_EVENT: &str = "eventory://close-refused";

/// A live-feed event forwarded to the screens.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum LiveUpdate {
    Connected,
    Disconnected { reason: String },
    Message { message: ServerMessage },
}

#[cfg(test)]
mod tests {
    use super::*;

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
