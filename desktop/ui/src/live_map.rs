//! The seat map a screen shows, kept in step with the live feed.
//!
//! It starts from an `initial_seat_status` snapshot and applies deltas only in version order.
//! A delta that is not the next version means something was missed: the map asks for a re-sync
//! and is shown greyed out (stale) until a fresh snapshot arrives. So is it while the connection
//! is down. Nothing is ever sold from a stale map: the server decides; this only keeps the
//! picture honest.

use eventory_shared::live::ServerMessage;
use eventory_shared::{SeatId, SeatMap, SeatState, ShowId, Version};

/// What the screen should do after a message.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum MapEvent {
    /// Nothing visible changed (an old delta, another show).
    Unchanged,
    /// Seats changed; redraw them.
    Changed(Vec<SeatId>),
    /// A snapshot replaced the map.
    Replaced,
    /// A version gap: send `join_show` again to get a snapshot.
    ResyncNeeded,
    /// The server reported an error for this show.
    Error(String),
    /// The show was cancelled: nothing more is sold from this map.
    Cancelled,
}

/// The live map of one show.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct LiveMap {
    show: ShowId,
    map: Option<SeatMap>,
    connected: bool,
    awaiting_snapshot: bool,
    cancelled: bool,
}

impl LiveMap {
    /// A map of `show` waiting for its first snapshot.
    pub fn new(show: ShowId) -> Self {
        Self {
            show,
            map: None,
            connected: false,
            awaiting_snapshot: true,
            cancelled: false,
        }
    }

    /// Whether the server said the show was cancelled (no more sales).
    pub fn is_cancelled(&self) -> bool {
        self.cancelled
    }

    pub fn show(&self) -> ShowId {
        self.show
    }

    /// The map, if a snapshot arrived.
    pub fn map(&self) -> Option<&SeatMap> {
        self.map.as_ref()
    }

    /// Whether the map may be out of date (disconnected, or waiting for a re-sync): the
    /// screen greys it out and disables selling from it.
    pub fn is_stale(&self) -> bool {
        !self.connected || self.awaiting_snapshot || self.map.is_none()
    }

    /// The connection came back or went away.
    pub fn set_connected(&mut self, connected: bool) {
        self.connected = connected;
        if !connected {
            // Whatever happens while disconnected is unknown: re-sync on reconnect.
            self.awaiting_snapshot = true;
        }
    }

    /// The state of a seat (available if unknown).
    pub fn state(&self, seat: &SeatId) -> SeatState {
        self.map
            .as_ref()
            .map_or(SeatState::Available, |m| m.state(seat))
    }

    /// Applies a message from the live feed.
    pub fn apply(&mut self, message: &ServerMessage) -> MapEvent {
        match message {
            ServerMessage::InitialSeatStatus { seat_map } if seat_map.show_id == self.show => {
                self.map = Some(seat_map.clone());
                self.awaiting_snapshot = false;
                MapEvent::Replaced
            }
            ServerMessage::Error { message, .. } => MapEvent::Error(message.clone()),
            ServerMessage::ShowCancelled { show_id } if *show_id == self.show => {
                self.cancelled = true;
                MapEvent::Cancelled
            }
            other => match other.as_delta() {
                Some((state, delta)) if delta.show_id == self.show => {
                    let Some(map) = self.map.as_mut() else {
                        return MapEvent::Unchanged;
                    };
                    if self.awaiting_snapshot || delta.version <= map.version {
                        return MapEvent::Unchanged;
                    }
                    if map.apply(delta.version, &delta.seats, state) {
                        MapEvent::Changed(delta.seats.clone())
                    } else {
                        self.awaiting_snapshot = true;
                        MapEvent::ResyncNeeded
                    }
                }
                _ => MapEvent::Unchanged,
            },
        }
    }

    /// The version the map is at.
    pub fn version(&self) -> Option<Version> {
        self.map.as_ref().map(|m| m.version)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use eventory_shared::live::SeatDelta;
    use eventory_shared::{CategoryId, VenueLayout};
    use std::collections::BTreeMap;

    #[test]
    fn a_cancelled_show_says_so_and_other_shows_do_not() {
        let show = ShowId::from_uuid(uuid::Uuid::new_v4());
        let mut map = LiveMap::new(show);
        let other = ServerMessage::ShowCancelled {
            show_id: ShowId::from_uuid(uuid::Uuid::new_v4()),
        };
        assert_eq!(map.apply(&other), MapEvent::Unchanged);
        assert!(!map.is_cancelled());
        let this = ServerMessage::ShowCancelled { show_id: show };
        assert_eq!(map.apply(&this), MapEvent::Cancelled);
        assert!(map.is_cancelled());
    }

    fn show() -> ShowId {
        "6f9619ff-8b86-d011-b42d-00cf4fc964ff".parse().unwrap()
    }

    fn snapshot(version: Version) -> ServerMessage {
        ServerMessage::InitialSeatStatus {
            seat_map: SeatMap {
                show_id: show(),
                version,
                layout: VenueLayout::grid(2, 5, &CategoryId::new("standard"), None),
                states: BTreeMap::new(),
            },
        }
    }

    fn locked(version: Version, seats: &[&str]) -> ServerMessage {
        ServerMessage::SeatLocked(SeatDelta {
            show_id: show(),
            version,
            seats: seats.iter().map(|s| s.parse().unwrap()).collect(),
            hold_id: None,
        })
    }

    #[test]
    fn applies_deltas_in_order_and_asks_for_a_resync_on_a_gap() {
        let mut map = LiveMap::new(show());
        map.set_connected(true);
        assert!(map.is_stale(), "no snapshot yet");
        assert_eq!(
            map.apply(&locked(11, &["A1"])),
            MapEvent::Unchanged,
            "deltas before the snapshot are ignored"
        );
        assert_eq!(map.apply(&snapshot(10)), MapEvent::Replaced);
        assert!(!map.is_stale());
        assert_eq!(
            map.apply(&locked(11, &["A1"])),
            MapEvent::Changed(vec!["A1".parse().unwrap()])
        );
        assert_eq!(map.state(&"A1".parse().unwrap()), SeatState::Held);
        assert_eq!(
            map.apply(&locked(11, &["A1"])),
            MapEvent::Unchanged,
            "replay"
        );
        assert_eq!(
            map.apply(&locked(13, &["A3"])),
            MapEvent::ResyncNeeded,
            "version 12 was missed"
        );
        assert!(map.is_stale());
        assert_eq!(
            map.apply(&locked(14, &["A4"])),
            MapEvent::Unchanged,
            "nothing applies until re-synced"
        );
        assert_eq!(map.apply(&snapshot(14)), MapEvent::Replaced);
        assert!(!map.is_stale());
    }

    #[test]
    fn a_lost_connection_greys_the_map_until_a_new_snapshot() {
        let mut map = LiveMap::new(show());
        map.set_connected(true);
        map.apply(&snapshot(1));
        map.set_connected(false);
        assert!(map.is_stale());
        map.set_connected(true);
        assert!(map.is_stale(), "still stale until re-synced");
        assert_eq!(map.apply(&locked(2, &["A1"])), MapEvent::Unchanged);
        map.apply(&snapshot(5));
        assert!(!map.is_stale());
    }
}
