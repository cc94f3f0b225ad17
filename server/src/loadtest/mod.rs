//! `eventory-server loadtest`: rerunnable benchmarks and chaos runs, not tests.
//!
//! - `ledger`: the seat ledger alone (hot seat, whole show), no HTTP.
//! - `http`: the full stack in this process, with auth, through the real router.
//! - `live`: live seat-map fan-out to many websocket subscribers.
//! - `chaos` / `restart`: real server processes killed and restarted under load, then every
//!   invariant checked.

pub mod chaos;
pub mod http;
pub mod ledger;
pub mod live;

pub use ledger::{run_ledger, LedgerKind, LedgerLoad, Scenario};

/// A websocket request to `url` signed in with `token` in the `Authorization` header (load
/// generators can set headers; browsers use a single-use ticket instead).
pub fn live_request(
    url: &str,
    token: &str,
) -> anyhow::Result<tokio_tungstenite::tungstenite::handshake::client::Request> {
    use tokio_tungstenite::tungstenite::client::IntoClientRequest;
    let mut request = url.into_client_request()?;
    request
        .headers_mut()
        .insert("authorization", format!("Bearer {token}").parse()?);
    Ok(request)
}
