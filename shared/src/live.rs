//! Live seat-map messages over the websocket.
//!
//! The client joins a show's room with `join_show`; the server answers `initial_seat_status`
//! (the full map and its version) and then one delta per seat change of the show, each with the
//! next version. A client that sees a version that is not its own + 1 re-syncs by joining again.
//! `show_cancelled` tells followers the show left sale (it has no version).

use serde::{Deserialize, Serialize};

use crate::ids::{HoldId, ShowId};
use crate::seat::{SeatId, SeatState};
use crate::seat_map::{SeatMap, Version};

/// Client -> server.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "type", rename_all = "snake_case", deny_unknown_fields)]
pub enum ClientMessage {
    JoinShow { show_id: ShowId },
    LeaveShow { show_id: ShowId },
}

/// Server -> client.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum ServerMessage {
    /// The full map of a show just joined (or re-joined after a gap).
    InitialSeatStatus { seat_map: SeatMap },
    /// Seats were held.
    SeatLocked(SeatDelta),
    /// Payment started for held seats.
    SeatProcessing(SeatDelta),
    /// Seats were sold.
    SeatBooked(SeatDelta),
    /// Seats became available again (release, expiry, failed payment, refund).
    SeatReleased(SeatDelta),
    /// The show was cancelled: no more sales; its bookings are being refunded. Not a seat
    /// change (no version): it comes to every session following the show.
    ShowCancelled { show_id: ShowId },
    /// A request of the client could not be served (e.g. unknown show).
    Error {
        code: crate::ErrorCode,
        message: String,
    },
}

/// Seats of one show that changed together, at one version.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct SeatDelta {
    pub show_id: ShowId,
    pub version: Version,
    pub seats: Vec<SeatId>,
    /// The hold the change belongs to, if any (lets a client recognise its own hold).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub hold_id: Option<HoldId>,
}

impl ServerMessage {
    /// A delta message for seats that moved to `state`.
    pub fn delta(state: SeatState, delta: SeatDelta) -> Self {
        match state {
            SeatState::Available => ServerMessage::SeatReleased(delta),
            SeatState::Held => ServerMessage::SeatLocked(delta),
            SeatState::Processing => ServerMessage::SeatProcessing(delta),
            SeatState::Sold => ServerMessage::SeatBooked(delta),
        }
    }

    /// For a delta message: the state its seats moved to, and the delta.
    pub fn as_delta(&self) -> Option<(SeatState, &SeatDelta)> {
        match self {
            ServerMessage::SeatReleased(d) => Some((SeatState::Available, d)),
            ServerMessage::SeatLocked(d) => Some((SeatState::Held, d)),
            ServerMessage::SeatProcessing(d) => Some((SeatState::Processing, d)),
            ServerMessage::SeatBooked(d) => Some((SeatState::Sold, d)),
            _ => None,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use uuid::Uuid;

    #[test]
    fn client_messages_use_the_seed_protocol() {
        let show = ShowId::from_uuid(Uuid::from_u128(9));
        let json = serde_json::to_string(&ClientMessage::JoinShow { show_id: show }).unwrap();
        assert_eq!(
            json,
            format!(r#"{{"type":"join_show","show_id":"{show}"}}"#)
        );
        assert_eq!(
            serde_json::from_str::<ClientMessage>(&json).unwrap(),
            ClientMessage::JoinShow { show_id: show }
        );
        assert!(serde_json::from_str::<ClientMessage>(r#"{"type":"drop_table"}"#).is_err());
    }

    #[test]
    fn deltas_carry_type_version_and_seats() {
        let delta = SeatDelta {
            show_id: ShowId::from_uuid(Uuid::from_u128(9)),
            version: 42,
            seats: vec!["A1".parse().unwrap()],
            hold_id: None,
        };
        for state in [
            SeatState::Available,
            SeatState::Held,
            SeatState::Processing,
            SeatState::Sold,
        ] {
            let msg = ServerMessage::delta(state, delta.clone());
            assert_eq!(msg.as_delta(), Some((state, &delta)));
            let json = serde_json::to_string(&msg).unwrap();
            assert!(json.contains(r#""version":42"#), "{json}");
            assert_eq!(serde_json::from_str::<ServerMessage>(&json).unwrap(), msg);
        }
        let booked = serde_json::to_string(&ServerMessage::SeatBooked(delta)).unwrap();
        assert!(booked.starts_with(r#"{"type":"seat_booked""#), "{booked}");
    }
}
