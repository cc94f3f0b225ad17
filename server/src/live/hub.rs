//! `Hub`: the rooms of this instance, one per show with at least one subscriber, and the open
//! sessions per account (capped, and closed at once when the account is disabled).

use std::collections::HashMap;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};

use eventory_shared::{ShowId, UserId};
use tokio::sync::broadcast;
use tokio_util::sync::CancellationToken;

use super::feed::FeedItem;
use super::SeatFeed;
use eventory_shared::live::ServerMessage;
use eventory_shared::Version;

/// Changes buffered per room; a session further behind than this is a slow consumer.
pub const ROOM_CAPACITY: usize = 256;

/// A change as rooms carry it: serialised once for all of the room's sessions (with 10,000
/// subscribers, serialising per session costs more than sending).
#[derive(Debug)]
pub struct RoomChange {
    /// The seat change's version; `None` for a notice about the show (sent to every
    /// follower as it is).
    pub version: Option<Version>,
    pub text: axum::extract::ws::Utf8Bytes,
}

/// Per-show rooms fed from the instance's [`SeatFeed`].
#[derive(Clone)]
pub struct Hub {
    rooms: Arc<Mutex<HashMap<ShowId, broadcast::Sender<Arc<RoomChange>>>>>,
    /// Told when the dispatcher itself fell behind the feed: every session must re-sync.
    resync: broadcast::Sender<()>,
    /// Open sessions per account, each with the token that closes it.
    sessions: Arc<Mutex<OpenSessions>>,
    next_session: Arc<AtomicU64>,
}

/// Per account, its open sessions: an id and the token that closes each.
type OpenSessions = HashMap<UserId, Vec<(u64, CancellationToken)>>;

/// An open session of an account, counted while it lives; `closed` is cancelled when the
/// account's sessions are closed (disabled account).
pub struct SessionGuard {
    hub: Hub,
    user: UserId,
    id: u64,
    pub closed: CancellationToken,
}

impl Drop for SessionGuard {
    fn drop(&mut self) {
        let mut sessions = self.hub.sessions.lock().expect("sessions lock");
        if let Some(open) = sessions.get_mut(&self.user) {
            open.retain(|(id, _)| *id != self.id);
            if open.is_empty() {
                sessions.remove(&self.user);
            }
        }
    }
}

impl Hub {
    /// Starts the dispatcher that moves the feed's changes into rooms, until `stop`.
    pub fn start(feed: &SeatFeed, stop: CancellationToken) -> Self {
        let hub = Self {
            rooms: Arc::new(Mutex::new(HashMap::new())),
            resync: broadcast::channel(4).0,
            sessions: Arc::new(Mutex::new(HashMap::new())),
            next_session: Arc::new(AtomicU64::new(0)),
        };
        let mut changes = feed.subscribe();
        let dispatcher = hub.clone();
        tokio::spawn(async move {
            loop {
                let change = tokio::select! {
                    () = stop.cancelled() => return,
                    change = changes.recv() => change,
                };
                match change {
                    Ok(change) => dispatcher.dispatch(change),
                    Err(broadcast::error::RecvError::Lagged(n)) => {
                        tracing::warn!(missed = n, "live dispatcher fell behind; sessions re-sync");
                        let _ = dispatcher.resync.send(());
                    }
                    Err(broadcast::error::RecvError::Closed) => return,
                }
            }
        });
        hub
    }

    fn dispatch(&self, item: Arc<FeedItem>) {
        let (show, version, message) = match &*item {
            FeedItem::Seats(change) => (change.show_id, Some(change.version), change.to_message()),
            FeedItem::ShowCancelled { show_id } => (
                *show_id,
                None,
                ServerMessage::ShowCancelled { show_id: *show_id },
            ),
        };
        let mut rooms = self.rooms.lock().expect("rooms lock");
        if let Some(room) = rooms.get(&show) {
            let text = match serde_json::to_string(&message) {
                Ok(text) => text.into(),
                Err(e) => return tracing::error!("cannot encode a live message: {e}"),
            };
            if room.send(Arc::new(RoomChange { version, text })).is_err() {
                // Nobody listens any more: drop the room.
                rooms.remove(&show);
            }
        }
    }

    /// Joins a show's room: changes of that show from now on.
    pub fn join(&self, show: ShowId) -> broadcast::Receiver<Arc<RoomChange>> {
        self.rooms
            .lock()
            .expect("rooms lock")
            .entry(show)
            .or_insert_with(|| broadcast::channel(ROOM_CAPACITY).0)
            .subscribe()
    }

    /// A session stopped following `show` (its receiver is dropped): the room goes when it
    /// was the last, so rooms exist only while someone listens.
    pub fn leave(&self, show: ShowId) {
        let mut rooms = self.rooms.lock().expect("rooms lock");
        if rooms
            .get(&show)
            .is_some_and(|room| room.receiver_count() == 0)
        {
            rooms.remove(&show);
        }
    }

    /// Rooms on this instance.
    pub fn rooms(&self) -> usize {
        self.rooms.lock().expect("rooms lock").len()
    }

    /// Opens a session for `user` unless it already has `max` open: `None` then.
    pub fn open_session(&self, user: UserId, max: usize) -> Option<SessionGuard> {
        let mut sessions = self.sessions.lock().expect("sessions lock");
        let open = sessions.entry(user).or_default();
        if open.len() >= max {
            return None;
        }
        let id = self.next_session.fetch_add(1, Ordering::Relaxed);
        let closed = CancellationToken::new();
        open.push((id, closed.clone()));
        Some(SessionGuard {
            hub: self.clone(),
            user,
            id,
            closed,
        })
    }

    /// Closes every open session of `user` on this instance; how many.
    pub fn close_sessions(&self, user: UserId) -> usize {
        let sessions = self.sessions.lock().expect("sessions lock");
        sessions.get(&user).map_or(0, |open| {
            open.iter().for_each(|(_, closed)| closed.cancel());
            open.len()
        })
    }

    /// Told when every session must re-sync (the dispatcher lost changes).
    pub fn resyncs(&self) -> broadcast::Receiver<()> {
        self.resync.subscribe()
    }

    /// Subscribers of a show's room on this instance.
    pub fn subscribers(&self, show: ShowId) -> usize {
        self.rooms
            .lock()
            .expect("rooms lock")
            .get(&show)
            .map_or(0, broadcast::Sender::receiver_count)
    }
}
