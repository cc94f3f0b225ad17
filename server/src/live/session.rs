//! One websocket connection of the live seat-map protocol.
//!
//! Bounded per session: how many shows it follows at once, how many `join_show` messages it
//! may send per minute (each answers a full snapshot), and how long it lives (one access
//! token's lifetime: then the client reconnects with a fresh ticket, which a disabled account
//! cannot get). A show that does not exist leaves nothing behind: its room stream is dropped
//! and the hub forgets a room nobody listens to.

use std::collections::HashMap;
use std::sync::Arc;
use std::time::{Duration, Instant};

use axum::extract::ws::{CloseFrame, Message, WebSocket};
use eventory_shared::live::{ClientMessage, ServerMessage};
use eventory_shared::{ErrorCode, ShowId, Version};
use futures::stream::StreamExt;
use futures::SinkExt;
use tokio::sync::broadcast;
use tokio_stream::wrappers::errors::BroadcastStreamRecvError;
use tokio_stream::wrappers::BroadcastStream;
use tokio_stream::StreamMap;

use super::hub::RoomChange;
use super::{Hub, SeatMaps, CLOSE_NO_HEARTBEAT, CLOSE_SLOW_CONSUMER};

/// How often the server pings; a client that has not answered two pings is dropped.
pub const PING_EVERY: Duration = Duration::from_secs(15);
/// A send that takes longer than this means the client is not reading: drop it.
pub const SEND_TIMEOUT: Duration = Duration::from_secs(5);
/// Close code when the session's credentials expired or its account was disabled: reconnect
/// with a fresh ticket (or sign in again).
pub const CLOSE_SESSION_ENDED: u16 = 4001;

/// What one session may do.
#[derive(Clone, Copy, Debug)]
pub struct SessionLimits {
    /// Shows followed at once.
    pub shows: usize,
    /// `join_show` messages per minute.
    pub joins_per_minute: u32,
    /// Longest the session lives.
    pub lifetime: Duration,
}

impl Default for SessionLimits {
    fn default() -> Self {
        Self {
            shows: 8,
            joins_per_minute: 60,
            lifetime: Duration::from_secs(900),
        }
    }
}

/// Joins counted in fixed one-minute windows.
struct JoinBudget {
    window_start: Instant,
    used: u32,
    per_minute: u32,
}

impl JoinBudget {
    fn take(&mut self) -> bool {
        if self.window_start.elapsed() >= Duration::from_secs(60) {
            self.window_start = Instant::now();
            self.used = 0;
        }
        self.used = self.used.saturating_add(1);
        self.used <= self.per_minute
    }
}

type RoomStream = futures::stream::Map<
    BroadcastStream<Arc<RoomChange>>,
    fn(Result<Arc<RoomChange>, BroadcastStreamRecvError>) -> RoomEvent,
>;

enum RoomEvent {
    Change(Arc<RoomChange>),
    Lagged,
}

/// What a session sends: a message to serialise, or a change serialised once by the hub.
enum Outgoing {
    Message(ServerMessage),
    Shared(axum::extract::ws::Utf8Bytes),
}

impl From<ServerMessage> for Outgoing {
    fn from(message: ServerMessage) -> Self {
        Outgoing::Message(message)
    }
}

enum Closing {
    Normal,
    With(u16, &'static str),
}

/// Close code when the server shuts down: clients reconnect (to another instance).
pub const CLOSE_GOING_AWAY: u16 = 1001;

/// Serves one connection with the default limits until the client leaves, stops answering,
/// falls behind, or the server shuts down (`stop`).
pub async fn run(
    socket: WebSocket,
    hub: Hub,
    maps: Arc<dyn SeatMaps>,
    stop: tokio_util::sync::CancellationToken,
) {
    let never = tokio_util::sync::CancellationToken::new();
    run_with(socket, hub, maps, stop, never, SessionLimits::default()).await
}

/// Serves one connection within `limits`, until also `closed` (the account's sessions were
/// closed: disabled).
pub async fn run_with(
    socket: WebSocket,
    hub: Hub,
    maps: Arc<dyn SeatMaps>,
    stop: tokio_util::sync::CancellationToken,
    closed: tokio_util::sync::CancellationToken,
    limits: SessionLimits,
) {
    let (mut sink, mut stream) = socket.split();
    // The room streams of the joined shows, by show: leaving (or a show that does not
    // exist) drops the stream, and with it this session's place in the room.
    let mut rooms: StreamMap<ShowId, RoomStream> = StreamMap::new();
    let mut joined: HashMap<ShowId, Version> = HashMap::new();
    let mut budget = JoinBudget {
        window_start: Instant::now(),
        used: 0,
        per_minute: limits.joins_per_minute,
    };
    let ends = tokio::time::sleep(limits.lifetime);
    tokio::pin!(ends);
    let mut resyncs = hub.resyncs();
    let mut ping = tokio::time::interval(PING_EVERY);
    ping.tick().await;
    let mut unanswered_pings = 0u8;

    let closing = loop {
        let outgoing: Vec<Outgoing> = tokio::select! {
            () = stop.cancelled() => break Closing::With(CLOSE_GOING_AWAY, "server shutting down"),
            () = &mut ends => break Closing::With(CLOSE_SESSION_ENDED, "session ended: reconnect with a new ticket"),
            () = closed.cancelled() => break Closing::With(CLOSE_SESSION_ENDED, "signed out"),
            incoming = stream.next() => match incoming {
                None | Some(Err(_)) | Some(Ok(Message::Close(_))) => break Closing::Normal,
                Some(Ok(Message::Pong(_))) => { unanswered_pings = 0; continue }
                Some(Ok(Message::Ping(_))) | Some(Ok(Message::Binary(_))) => continue,
                Some(Ok(Message::Text(text))) => {
                    match serde_json::from_str::<ClientMessage>(&text) {
                        Ok(ClientMessage::JoinShow { show_id }) => {
                            if !budget.take() {
                                vec![error(ErrorCode::RateLimited, format!("at most {} join_show messages a minute", limits.joins_per_minute)).into()]
                            } else if !rooms.contains_key(&show_id) && rooms.len() >= limits.shows {
                                vec![error(ErrorCode::ValidationFailed, format!("follow at most {} shows at once", limits.shows)).into()]
                            } else {
                                // Join the room before taking the snapshot: a change between the
                                // two is then either in the snapshot or delivered after it.
                                if !rooms.contains_key(&show_id) {
                                    rooms.insert(show_id, room_stream(hub.join(show_id)));
                                }
                                match snapshot(&*maps, show_id).await {
                                    Ok((version, message)) => {
                                        joined.insert(show_id, version);
                                        vec![message.into()]
                                    }
                                    Err(message) => {
                                        joined.remove(&show_id);
                                        rooms.remove(&show_id);
                                        hub.leave(show_id);
                                        vec![message.into()]
                                    }
                                }
                            }
                        }
                        Ok(ClientMessage::LeaveShow { show_id }) => {
                            joined.remove(&show_id);
                            if rooms.remove(&show_id).is_some() {
                                hub.leave(show_id);
                            }
                            continue;
                        }
                        Err(e) => vec![error(ErrorCode::BadRequest, format!("unreadable message: {e}")).into()],
                    }
                }
            },
            Some((show, event)) = rooms.next(), if !rooms.is_empty() => {
                let Some(last) = joined.get(&show).copied() else { continue };
                match event {
                    RoomEvent::Lagged => break Closing::With(CLOSE_SLOW_CONSUMER, "too slow: reconnect and re-sync"),
                    // A notice about the show (cancelled): to every follower, no version.
                    RoomEvent::Change(room) if room.version.is_none() => vec![Outgoing::Shared(room.text.clone())],
                    RoomEvent::Change(room) if room.version <= Some(last) => continue, // already in the snapshot
                    RoomEvent::Change(room) if room.version == Some(last + 1) => {
                        joined.insert(show, last + 1);
                        vec![Outgoing::Shared(room.text.clone())]
                    }
                    RoomEvent::Change(_) => {
                        // A gap: some change never reached this instance. Re-sync.
                        match snapshot(&*maps, show).await {
                            Ok((version, message)) => {
                                joined.insert(show, version);
                                vec![message.into()]
                            }
                            Err(message) => vec![message.into()],
                        }
                    }
                }
            }
            resync = resyncs.recv() => {
                if matches!(resync, Err(broadcast::error::RecvError::Closed)) { break Closing::Normal; }
                let mut messages = Vec::new();
                for show in joined.keys().copied().collect::<Vec<_>>() {
                    match snapshot(&*maps, show).await {
                        Ok((version, message)) => { joined.insert(show, version); messages.push(message.into()); }
                        Err(message) => messages.push(message.into()),
                    }
                }
                messages
            }
            _ = ping.tick() => {
                if unanswered_pings >= 2 {
                    break Closing::With(CLOSE_NO_HEARTBEAT, "no answer to ping");
                }
                unanswered_pings += 1;
                if send(&mut sink, Message::Ping(Vec::new().into())).await.is_err() {
                    break Closing::Normal;
                }
                continue;
            }
        };
        let mut failed = None;
        for item in outgoing {
            let text = match item {
                Outgoing::Shared(text) => text,
                Outgoing::Message(message) => match serde_json::to_string(&message) {
                    Ok(text) => text.into(),
                    Err(e) => {
                        tracing::error!("cannot encode live message: {e}");
                        continue;
                    }
                },
            };
            if let Err(slow) = send(&mut sink, Message::Text(text)).await {
                failed = Some(slow);
                break;
            }
        }
        if let Some(closing) = failed {
            break closing;
        }
    };
    let shows: Vec<ShowId> = rooms.keys().copied().collect();
    drop(rooms);
    for show in shows {
        hub.leave(show);
    }
    if let Closing::With(code, reason) = closing {
        let frame = CloseFrame {
            code,
            reason: reason.into(),
        };
        let _ = tokio::time::timeout(SEND_TIMEOUT, sink.send(Message::Close(Some(frame)))).await;
    }
}

fn room_stream(receiver: broadcast::Receiver<Arc<RoomChange>>) -> RoomStream {
    fn event(item: Result<Arc<RoomChange>, BroadcastStreamRecvError>) -> RoomEvent {
        match item {
            Ok(change) => RoomEvent::Change(change),
            Err(BroadcastStreamRecvError::Lagged(_)) => RoomEvent::Lagged,
        }
    }
    BroadcastStream::new(receiver).map(event as fn(_) -> _)
}

async fn send<S>(sink: &mut S, message: Message) -> Result<(), Closing>
where
    S: futures::Sink<Message> + Unpin,
{
    match tokio::time::timeout(SEND_TIMEOUT, sink.send(message)).await {
        Ok(Ok(())) => Ok(()),
        Ok(Err(_)) => Err(Closing::Normal),
        Err(_) => Err(Closing::With(
            CLOSE_SLOW_CONSUMER,
            "too slow: reconnect and re-sync",
        )),
    }
}

async fn snapshot(
    maps: &dyn SeatMaps,
    show: ShowId,
) -> Result<(Version, ServerMessage), ServerMessage> {
    match maps.seat_map(show).await {
        Ok(Some(seat_map)) => Ok((
            seat_map.version,
            ServerMessage::InitialSeatStatus { seat_map },
        )),
        Ok(None) => Err(error(ErrorCode::NotFound, format!("no show {show}"))),
        Err(e) => {
            tracing::warn!(%show, "cannot build seat map: {e:#}");
            Err(error(
                ErrorCode::ServiceUnavailable,
                "seat map unavailable, try again".into(),
            ))
        }
    }
}

fn error(code: ErrorCode, message: String) -> ServerMessage {
    ServerMessage::Error { code, message }
}
