//! The values of the commands that are the desktop's own (not API bodies of the shared crate).

use serde::{Deserialize, Serialize};

/// How this device is set up (kept in the platform config dir by the native side).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct DeviceSettings {
    /// "http://127.0.0.1:8080"
    pub server_url: String,
    /// A kiosk device starts in kiosk mode, full screen, whoever signs in.
    pub kiosk: bool,
    /// Whether a staff PIN to leave kiosk mode is configured.
    pub kiosk_pin_set: bool,
    /// Why a PIN file exists but is not used (e.g. the kiosk account could rewrite it).
    #[serde(default)]
    pub pin_problem: Option<String>,
    /// Plain HTTP to another machine (allowed by `insecure_http` in device.toml): every screen
    /// says the connection is not encrypted.
    #[serde(default)]
    pub unencrypted: bool,
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
