//! What crosses the Tauri command boundary: one typed request per command, its response bound
//! to it by [`Command`], the error every command answers with, and the live event. The native
//! side (`eventory-desktop`) and the screens both use these types, so none is written twice:
//! the screens call `invoke(&Hold { .. })` and get a `HoldResponse`; the native side registers
//! each command once by its request type.
//!
//! On the wire a command is named [`Command::NAME`] and takes one argument, [`REQUEST_ARG`]:
//! `invoke("hold", { "request": { "show_id": .., "seats": [..] } })`.

mod command;
mod commands;
mod error;
mod live;
mod values;

pub use command::{same_name, Command, REQUEST_ARG};
pub use commands::*;
pub use error::CommandError;
pub use live::{LiveUpdate, CLOSE_REFUSED_EVENT, LIVE_EVENT};
pub use values::{BookingQuery, DeviceSettings, TicketOutput};
