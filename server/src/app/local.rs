//! An instance of the whole server inside the current process, on a port of its own: what the
//! load tests and the integration tests (server and desktop) start, so none of them wires the
//! app by hand.

use std::net::SocketAddr;

use eventory_shared::{Role, UserId};
use tokio::net::TcpListener;
use tokio::sync::oneshot;
use tokio::task::JoinHandle;

use super::{serve_on, AppState};
use crate::config::Config;

/// A running in-process server; stop it with [`LocalServer::shutdown`].
pub struct LocalServer {
    /// `http://127.0.0.1:<port>` (`https://localhost:<port>` with a TLS certificate configured).
    pub base: String,
    pub address: SocketAddr,
    /// Its services (ports and desks), for tests and load generators that look behind the API.
    pub state: AppState,
    stop: Option<oneshot::Sender<()>>,
    task: JoinHandle<anyhow::Result<()>>,
}

impl LocalServer {
    /// Connects `config`'s services and serves on a free loopback port (the configured bind
    /// address is ignored).
    pub async fn start(config: Config) -> anyhow::Result<Self> {
        Self::start_at(config, SocketAddr::from(([127, 0, 0, 1], 0))).await
    }

    /// Like [`LocalServer::start`], on `address` (a test that restarts a server "at the same
    /// place", so that its clients reconnect).
    pub async fn start_at(config: Config, address: SocketAddr) -> anyhow::Result<Self> {
        let state = AppState::connect(config).await?;
        let listener = TcpListener::bind(address).await?;
        let address = listener.local_addr()?;
        let (stop, stopped) = oneshot::channel::<()>();
        let task = tokio::spawn(serve_on(listener, state.clone(), async {
            let _ = stopped.await;
        }));
        Ok(Self {
            base: match state.config.http.tls_cert_file {
                Some(_) => format!("https://localhost:{}", address.port()),
                None => format!("http://{address}"),
            },
            address,
            state,
            stop: Some(stop),
            task,
        })
    }

    /// `base` + `path`.
    pub fn url(&self, path: &str) -> String {
        format!("{}{path}", self.base)
    }

    /// A valid access token for a new account of `role`, signed by this server's keys (the
    /// account is not in the store: enough for routes that check the token only).
    pub fn token(&self, role: Role) -> String {
        let user = UserId::from_uuid(uuid::Uuid::new_v4());
        self.state.tokens.issue(user, role).0
    }

    /// Stops taking requests, drains the background work, and returns how serving ended.
    pub async fn shutdown(mut self) -> anyhow::Result<()> {
        if let Some(stop) = self.stop.take() {
            let _ = stop.send(());
        }
        self.task.await?
    }
}
