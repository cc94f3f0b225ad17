//! The live seat-map feed: one websocket, reconnected with exponential backoff (and jitter)
//! whenever it drops. On every (re)connection it joins each followed show again, so the server
//! answers with fresh snapshots: a reconnect is always a re-sync. The UI forwards a
//! `ResyncNeeded` from its [`eventory_ui::live_map::LiveMap`] as [`LiveFeed::resync`].

use std::collections::BTreeSet;
use std::future::Future;
use std::pin::Pin;
use std::sync::Arc;
use std::time::Duration;

use eventory_shared::live::{ClientMessage, ServerMessage};
use eventory_shared::ShowId;
use futures::{SinkExt, StreamExt};
use rand::Rng;
use tokio::sync::mpsc;
use tokio_tungstenite::tungstenite::Message;

use crate::tls::{certificate_problem, TlsTrust};

/// What the feed tells the screens.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum LiveEvent {
    Connected,
    /// The connection dropped (or could not be made); maps must grey out.
    Disconnected(String),
    Message(ServerMessage),
}

enum Command {
    Join(ShowId),
    Leave(ShowId),
    Resync(ShowId),
}

/// Provides a fresh single-use live ticket (`POST /api/live/ticket`) for each connection
/// attempt; `None` when not signed in.
pub type TokenSource =
    Arc<dyn Fn() -> Pin<Box<dyn Future<Output = Option<String>> + Send>> + Send + Sync>;

/// First and longest wait between connection attempts.
pub const MIN_BACKOFF: Duration = Duration::from_millis(200);
pub const MAX_BACKOFF: Duration = Duration::from_secs(5);

/// The wait after `current`: doubled, capped, with up to 20% jitter so a hall full of kiosks
/// does not reconnect in lockstep after an outage.
pub fn next_backoff(current: Duration) -> Duration {
    let doubled = (current * 2).min(MAX_BACKOFF);
    let jitter = rand::rng().random_range(0.0..0.2);
    doubled.mul_f64(1.0 - jitter).max(MIN_BACKOFF)
}

/// A running feed. Dropping it stops the connection.
pub struct LiveFeed {
    commands: mpsc::UnboundedSender<Command>,
    task: tokio::task::JoinHandle<()>,
}

impl LiveFeed {
    /// Connects to `ws_url` (e.g. "wss://tickets.example.org/api/live") trusting `trust`'s
    /// certificates, and keeps connecting.
    pub fn spawn(
        ws_url: String,
        trust: TlsTrust,
        token: TokenSource,
        events: mpsc::UnboundedSender<LiveEvent>,
    ) -> Self {
        let (commands, receiver) = mpsc::unbounded_channel();
        let task = tokio::spawn(run(ws_url, trust, token, receiver, events));
        Self { commands, task }
    }

    /// Follow a show: its snapshot, then its changes (again after every reconnection).
    pub fn join(&self, show: ShowId) {
        let _ = self.commands.send(Command::Join(show));
    }

    pub fn leave(&self, show: ShowId) {
        let _ = self.commands.send(Command::Leave(show));
    }

    /// Ask for a fresh snapshot of a followed show (after a version gap).
    pub fn resync(&self, show: ShowId) {
        let _ = self.commands.send(Command::Resync(show));
    }

    pub async fn stop(self) {
        drop(self.commands);
        let _ = self.task.await;
    }
}

fn text(message: &ClientMessage) -> Message {
    Message::Text(
        serde_json::to_string(message)
            .expect("client messages serialise")
            .into(),
    )
}

/// Why a connection attempt failed, in words: a refused certificate says what to fix.
fn connect_failure(e: &tokio_tungstenite::tungstenite::Error) -> String {
    certificate_problem(e).unwrap_or_else(|| e.to_string())
}

async fn run(
    ws_url: String,
    trust: TlsTrust,
    token: TokenSource,
    mut commands: mpsc::UnboundedReceiver<Command>,
    events: mpsc::UnboundedSender<LiveEvent>,
) {
    let mut followed: BTreeSet<ShowId> = BTreeSet::new();
    let mut backoff = MIN_BACKOFF;
    let refused = reqwest::Url::parse(&ws_url)
        .map_err(|e| e.to_string())
        .and_then(|url| trust.check(&url))
        .err();
    loop {
        let reason = match (&refused, token().await) {
            (Some(refused), _) => refused.clone(),
            (None, None) => "not signed in".to_owned(),
            (None, Some(ticket)) => {
                let connected = tokio_tungstenite::connect_async_tls_with_config(
                    format!("{ws_url}?ticket={ticket}"),
                    None,
                    false,
                    Some(trust.ws_connector()),
                )
                .await;
                match connected {
                    Err(e) => connect_failure(&e),
                    Ok((mut socket, _)) => {
                        backoff = MIN_BACKOFF;
                        if events.send(LiveEvent::Connected).is_err() {
                            return;
                        }
                        let mut rejoined = true;
                        for show in &followed {
                            rejoined &= socket
                                .send(text(&ClientMessage::JoinShow { show_id: *show }))
                                .await
                                .is_ok();
                        }
                        let reason = if !rejoined {
                            "could not re-join".to_owned()
                        } else {
                            loop {
                                tokio::select! {
                                    command = commands.recv() => {
                                        let message = match command {
                                            None => {
                                                let _ = socket.close(None).await;
                                                return;
                                            }
                                            Some(Command::Join(show)) => {
                                                followed.insert(show);
                                                ClientMessage::JoinShow { show_id: show }
                                            }
                                            Some(Command::Resync(show)) if followed.contains(&show) => ClientMessage::JoinShow { show_id: show },
                                            Some(Command::Resync(_)) => continue,
                                            Some(Command::Leave(show)) => {
                                                followed.remove(&show);
                                                ClientMessage::LeaveShow { show_id: show }
                                            }
                                        };
                                        if let Err(e) = socket.send(text(&message)).await {
                                            break e.to_string();
                                        }
                                    }
                                    incoming = socket.next() => match incoming {
                                        Some(Ok(Message::Text(body))) => match serde_json::from_str::<ServerMessage>(&body) {
                                            Ok(message) => {
                                                if events.send(LiveEvent::Message(message)).is_err() {
                                                    return;
                                                }
                                            }
                                            Err(e) => tracing::warn!("unreadable live message: {e}"),
                                        },
                                        Some(Ok(Message::Close(frame))) => {
                                            break frame.map_or("closed".to_owned(), |f| format!("closed {}: {}", u16::from(f.code), f.reason));
                                        }
                                        Some(Ok(_)) => {} // pings are answered by the library
                                        Some(Err(e)) => break e.to_string(),
                                        None => break "connection ended".to_owned(),
                                    }
                                }
                            }
                        };
                        reason
                    }
                }
            }
        };
        if events.send(LiveEvent::Disconnected(reason)).is_err() {
            return;
        }
        // Wait before retrying, still taking commands so the followed set stays right.
        let sleep = tokio::time::sleep(backoff);
        tokio::pin!(sleep);
        loop {
            tokio::select! {
                () = &mut sleep => break,
                command = commands.recv() => match command {
                    None => return,
                    Some(Command::Join(show)) => { followed.insert(show); }
                    Some(Command::Leave(show)) => { followed.remove(&show); }
                    Some(Command::Resync(_)) => {} // every reconnection re-syncs
                },
            }
        }
        backoff = next_backoff(backoff);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn backoff_grows_to_a_cap_with_jitter() {
        let mut wait = MIN_BACKOFF;
        for _ in 0..20 {
            let next = next_backoff(wait);
            assert!(next >= MIN_BACKOFF && next <= MAX_BACKOFF, "{next:?}");
            assert!(next >= (wait * 2).min(MAX_BACKOFF).mul_f64(0.8) - Duration::from_millis(1));
            wait = next;
        }
        assert!(wait >= MAX_BACKOFF.mul_f64(0.8));
    }
}
