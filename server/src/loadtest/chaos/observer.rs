//! The observer: one live-feed client keeping its own copy of the show's seat map across
//! server restarts. It joins the show, takes the `initial_seat_status` snapshot, applies each
//! versioned delta, re-joins on a version gap, and reconnects (with backoff) whenever the
//! socket drops, re-joining for a fresh snapshot.

use std::collections::{BTreeMap, BTreeSet};
use std::net::SocketAddr;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use eventory_shared::live::{ClientMessage, ServerMessage};
use eventory_shared::{SeatId, SeatState, ShowId, Version};
use futures::{SinkExt, StreamExt};
use tokio_tungstenite::tungstenite::Message;
use tokio_util::sync::CancellationToken;

/// The observer's map and how it got there.
#[derive(Clone, Debug, Default)]
pub struct Observed {
    /// States of the seats that are not available.
    pub states: BTreeMap<SeatId, SeatState>,
    pub version: Version,
    /// A snapshot arrived since the last (re)connect or gap, and every delta since applied.
    pub synced: bool,
    pub connects: u64,
    pub snapshots: u64,
    pub deltas: u64,
    pub gaps: u64,
    pub errors: u64,
}

/// A handle on the observer's state, shared with the load (which picks seats from it).
#[derive(Clone, Default)]
pub struct ObservedMap(Arc<Mutex<Observed>>);

impl ObservedMap {
    pub fn get(&self) -> Observed {
        self.0.lock().expect("observer lock").clone()
    }

    /// Seats the observer does not see as taken.
    pub fn taken(&self) -> BTreeSet<SeatId> {
        self.0
            .lock()
            .expect("observer lock")
            .states
            .keys()
            .cloned()
            .collect()
    }

    fn update<T>(&self, f: impl FnOnce(&mut Observed) -> T) -> T {
        f(&mut self.0.lock().expect("observer lock"))
    }
}

/// Follows `show` until `stop`; `token` signs the websocket in.
pub async fn run(
    address: SocketAddr,
    token: String,
    show: ShowId,
    map: ObservedMap,
    stop: CancellationToken,
) {
    let url = format!("ws://{address}/api/live");
    let join = serde_json::to_string(&ClientMessage::JoinShow { show_id: show })
        .expect("a join message serialises");
    let mut backoff = Duration::from_millis(100);
    while !stop.is_cancelled() {
        let connected = tokio::select! {
            () = stop.cancelled() => return,
            connected = async {
                match crate::loadtest::live_request(&url, &token) {
                    Ok(request) => tokio_tungstenite::connect_async(request).await.map_err(anyhow::Error::from),
                    Err(e) => Err(e),
                }
            } => connected,
        };
        let Ok((socket, _)) = connected else {
            tokio::select! {
                () = stop.cancelled() => return,
                () = tokio::time::sleep(backoff) => {}
            }
            backoff = (backoff * 2).min(Duration::from_secs(2));
            continue;
        };
        backoff = Duration::from_millis(100);
        map.update(|m| {
            m.connects += 1;
            m.synced = false;
        });
        let (mut sink, mut stream) = socket.split();
        if sink.send(Message::Text(join.clone().into())).await.is_err() {
            continue;
        }
        loop {
            let message = tokio::select! {
                () = stop.cancelled() => {
                    let _ = sink.send(Message::Close(None)).await;
                    return;
                }
                message = stream.next() => message,
            };
            let text = match message {
                Some(Ok(Message::Text(text))) => text,
                Some(Ok(Message::Close(_))) | Some(Err(_)) | None => break,
                Some(Ok(_)) => continue,
            };
            let Ok(message) = serde_json::from_str::<ServerMessage>(&text) else {
                map.update(|m| m.errors += 1);
                continue;
            };
            let next = apply(&map, message);
            if next == Next::RejoinLater {
                // e.g. "seat map unavailable" while a backing service recovers.
                tokio::time::sleep(Duration::from_millis(500)).await;
            }
            if next != Next::Continue
                && sink.send(Message::Text(join.clone().into())).await.is_err()
            {
                break;
            }
        }
        map.update(|m| m.synced = false);
    }
}

#[derive(Debug, PartialEq, Eq)]
enum Next {
    Continue,
    /// Ask for a fresh snapshot (a version gap).
    Rejoin,
    /// Ask again in a moment (the server could not build the snapshot).
    RejoinLater,
}

/// Applies one message to the map; says whether to ask for a fresh snapshot.
fn apply(map: &ObservedMap, message: ServerMessage) -> Next {
    map.update(|m| match message {
        ServerMessage::InitialSeatStatus { seat_map } => {
            m.states = seat_map.states;
            m.version = seat_map.version;
            m.synced = true;
            m.snapshots += 1;
            Next::Continue
        }
        ServerMessage::Error { .. } => {
            m.errors += 1;
            if m.synced {
                Next::Continue
            } else {
                Next::RejoinLater
            }
        }
        other => {
            let Some((state, delta)) = other.as_delta() else {
                return Next::Continue;
            };
            if !m.synced {
                return Next::Continue; // waiting for the snapshot asked for
            }
            if delta.version <= m.version {
                return Next::Continue; // already in the snapshot
            }
            if delta.version != m.version + 1 {
                m.gaps += 1;
                m.synced = false;
                return Next::Rejoin;
            }
            for seat in &delta.seats {
                if state == SeatState::Available {
                    m.states.remove(seat);
                } else {
                    m.states.insert(seat.clone(), state);
                }
            }
            m.version = delta.version;
            m.deltas += 1;
            Next::Continue
        }
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use eventory_shared::live::SeatDelta;
    use eventory_shared::{CategoryId, SeatMap, VenueLayout};
    use uuid::Uuid;

    #[test]
    fn applies_deltas_in_order_and_rejoins_on_a_gap() {
        let show = ShowId::from_uuid(Uuid::from_u128(3));
        let map = ObservedMap::default();
        let a1: SeatId = "A1".parse().unwrap();
        let delta = |version, state| {
            ServerMessage::delta(
                state,
                SeatDelta {
                    show_id: show,
                    version,
                    seats: vec![a1.clone()],
                    hold_id: None,
                },
            )
        };
        assert_eq!(apply(&map, delta(1, SeatState::Held)), Next::Continue);
        assert!(map.get().states.is_empty(), "no delta before the snapshot");
        let snapshot = ServerMessage::InitialSeatStatus {
            seat_map: SeatMap {
                show_id: show,
                version: 4,
                layout: VenueLayout::grid(1, 2, &CategoryId::new("standard"), None),
                states: BTreeMap::new(),
            },
        };
        assert_eq!(apply(&map, snapshot), Next::Continue);
        assert_eq!(apply(&map, delta(4, SeatState::Held)), Next::Continue);
        assert_eq!(apply(&map, delta(5, SeatState::Sold)), Next::Continue);
        assert_eq!(map.get().states.get(&a1), Some(&SeatState::Sold));
        assert_eq!(apply(&map, delta(7, SeatState::Available)), Next::Rejoin);
        let seen = map.get();
        assert!(!seen.synced && seen.gaps == 1 && seen.version == 5);
    }
}
