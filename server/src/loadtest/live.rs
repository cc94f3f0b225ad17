//! `eventory-server loadtest live`: live fan-out latency to many websocket subscribers of one
//! show. The server runs in this process; the subscribers run in a child process (its own file
//! descriptor budget: 10,000 subscribers are 20,000 sockets on one machine). The parent makes
//! seat changes and tells the child, over stdin, when each was published; the child timestamps
//! each delivery and reports the percentiles.

use std::collections::HashMap;
use std::process::Stdio;
use std::sync::Arc;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use anyhow::{bail, Context};
use eventory_shared::live::ClientMessage;
use eventory_shared::{Role, SeatId, ShowId, UserId};
use futures::{SinkExt, StreamExt};
use hdrhistogram::Histogram;
use tokio::io::{AsyncBufReadExt, AsyncWriteExt, BufReader};
use tokio::sync::mpsc;
use tokio_tungstenite::tungstenite::Message;
use uuid::Uuid;

use crate::app::LocalServer;
use crate::auth::Caller;
use crate::Config;

/// Options of `loadtest live`.
#[derive(Clone, Debug, clap::Args)]
pub struct LiveLoad {
    #[arg(long, default_value_t = 10_000)]
    pub subscribers: usize,
    /// Seat changes to publish (one every `interval_ms`).
    #[arg(long, default_value_t = 20)]
    pub changes: usize,
    #[arg(long, default_value_t = 250)]
    pub interval_ms: u64,
}

/// Options of the child (internal).
#[derive(Clone, Debug, clap::Args)]
pub struct LiveSubscribers {
    #[arg(long)]
    pub url: String,
    /// Access token, sent in the `Authorization` header of every connection.
    #[arg(long)]
    pub token: String,
    #[arg(long)]
    pub show: ShowId,
    #[arg(long)]
    pub subscribers: usize,
    #[arg(long)]
    pub changes: usize,
}

fn now_nanos() -> u128 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .unwrap_or_default()
        .as_nanos()
}

/// The parent: server, changes, report.
pub async fn run(options: LiveLoad, mut config: Config) -> anyhow::Result<()> {
    // One caller makes every change: the per-account caps are not what this measures.
    config.limits.max_seats_held_per_show = 10_000;
    config.limits.holds_per_minute_per_account = 1_000_000;
    config.limits.live_connections_per_account = 1_000_000;
    let server = LocalServer::start(config).await?;
    let state = server.state.clone();
    let show = crate::store::test_support::show_on_sale(state.store.as_ref(), 10, 10).await;
    crate::seats::rebuild::rebuild_show(state.store.as_ref(), state.ledger.as_ref(), show).await?;
    let address = server.address;
    let token = state
        .tokens
        .issue(UserId::from_uuid(Uuid::new_v4()), Role::Customer)
        .0;

    let mut child = tokio::process::Command::new(std::env::current_exe()?)
        .args(["loadtest", "live-subscribers"])
        .arg("--url")
        .arg(format!("ws://{address}/api/live"))
        .arg("--token")
        .arg(&token)
        .arg("--show")
        .arg(show.to_string())
        .arg("--subscribers")
        .arg(options.subscribers.to_string())
        .arg("--changes")
        .arg(options.changes.to_string())
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .kill_on_drop(true)
        .spawn()
        .context("cannot start the subscriber process")?;
    let mut stdin = child.stdin.take().context("child stdin")?;
    let mut lines = BufReader::new(child.stdout.take().context("child stdout")?).lines();

    let started = std::time::Instant::now();
    loop {
        let line = lines
            .next_line()
            .await?
            .context("subscribers exited before READY")?;
        if line == "READY" {
            break;
        }
        println!("  {line}");
    }
    println!(
        "  {} subscribers joined in {:.1} s",
        options.subscribers,
        started.elapsed().as_secs_f64()
    );

    let caller = Caller {
        user_id: UserId::from_uuid(Uuid::new_v4()),
        role: Role::Customer,
    };
    let seats: Vec<SeatId> = crate::admin::seed::grid(10, 10);
    for i in 0..options.changes {
        tokio::time::sleep(Duration::from_millis(options.interval_ms)).await;
        // Publish time is taken right before the hold, whose change the desk announces.
        let sent = now_nanos();
        let hold = state
            .holds
            .hold(
                &caller,
                None,
                show,
                vec![seats[i % seats.len()].clone()],
                None,
            )
            .await?;
        let version = state.ledger.snapshot(show).await?.version;
        stdin
            .write_all(format!("{version} {sent} {}\n", hold.id).as_bytes())
            .await?;
    }
    stdin.write_all(b"DONE\n").await?;
    stdin.flush().await?;
    let mut report = Vec::new();
    while let Some(line) = lines.next_line().await? {
        report.push(line);
    }
    let status = child.wait().await?;
    server.shutdown().await?;
    println!(
        "loadtest live: {} subscribers on one show, {} changes, one every {} ms",
        options.subscribers, options.changes, options.interval_ms
    );
    for line in &report {
        println!("  {line}");
    }
    if !status.success() {
        bail!("the subscriber process failed");
    }
    Ok(())
}

/// The version of a delta message, read without a full parse.
fn delta_version(text: &str) -> Option<u64> {
    let rest = &text[text.find(r#""version":"#)? + 10..];
    let end = rest
        .find(|c: char| !c.is_ascii_digit())
        .unwrap_or(rest.len());
    rest[..end].parse().ok()
}

/// The child: connects, joins, timestamps deliveries, reports.
pub async fn subscribers(options: LiveSubscribers) -> anyhow::Result<()> {
    let (received_tx, mut received) = mpsc::unbounded_channel::<(u64, u128)>();
    let (joined_tx, mut joined) = mpsc::unbounded_channel::<()>();
    let url = Arc::new(options.url.clone());
    let token = Arc::new(options.token.clone());
    let connect_limit = Arc::new(tokio::sync::Semaphore::new(256));
    for _ in 0..options.subscribers {
        let (url, token, received_tx, joined_tx, limit) = (
            url.clone(),
            token.clone(),
            received_tx.clone(),
            joined_tx.clone(),
            connect_limit.clone(),
        );
        let show = options.show;
        tokio::spawn(async move {
            let permit = limit.acquire_owned().await;
            let Ok(request) = crate::loadtest::live_request(&url, &token) else {
                return;
            };
            let Ok((mut socket, _)) = tokio_tungstenite::connect_async(request).await else {
                return;
            };
            let join = serde_json::to_string(&ClientMessage::JoinShow { show_id: show })
                .expect("serialises");
            if socket.send(Message::Text(join.into())).await.is_err() {
                return;
            }
            drop(permit);
            while let Some(Ok(message)) = socket.next().await {
                let Message::Text(text) = message else {
                    continue;
                };
                let at = now_nanos();
                // Lean on purpose: the generator shares the cores with the server it measures,
                // so it reads only the version (tested against a real message below).
                if text.starts_with(r#"{"type":"initial_seat_status""#) {
                    let _ = joined_tx.send(());
                } else if let Some(version) = delta_version(&text) {
                    let _ = received_tx.send((version, at));
                }
            }
        });
    }
    drop(received_tx);
    drop(joined_tx);
    let mut count = 0;
    let deadline = tokio::time::Instant::now() + Duration::from_secs(120);
    while count < options.subscribers {
        match tokio::time::timeout_at(deadline, joined.recv()).await {
            Ok(Some(())) => count += 1,
            _ => break,
        }
    }
    println!("joined {count} of {}", options.subscribers);
    println!("READY");

    // Publish times from the parent, as they come.
    let mut sent: HashMap<u64, u128> = HashMap::new();
    let mut stdin = BufReader::new(tokio::io::stdin()).lines();
    while let Some(line) = stdin.next_line().await? {
        if line == "DONE" {
            break;
        }
        let mut parts = line.split_whitespace();
        if let (Some(v), Some(t)) = (parts.next(), parts.next()) {
            sent.insert(v.parse()?, t.parse()?);
        }
    }
    // Collect deliveries until everything expected arrived or two seconds pass quietly.
    let expected = count * options.changes;
    let mut deliveries = Vec::with_capacity(expected);
    while deliveries.len() < expected {
        match tokio::time::timeout(Duration::from_secs(2), received.recv()).await {
            Ok(Some(d)) => deliveries.push(d),
            _ => break,
        }
    }
    let mut latencies = Histogram::<u64>::new(3)?;
    for (version, at) in &deliveries {
        if let Some(sent_at) = sent.get(version) {
            latencies.record((at.saturating_sub(*sent_at) / 1000).max(1) as u64)?;
        }
    }
    let ms = |q: f64| latencies.value_at_quantile(q) as f64 / 1000.0;
    println!(
        "deliveries         {} of {expected} ({} subscribers x {} changes)",
        deliveries.len(),
        count,
        options.changes
    );
    println!(
        "delivery latency   p50 {:.1} ms  p99 {:.1} ms  max {:.1} ms",
        ms(0.5),
        ms(0.99),
        latencies.max() as f64 / 1000.0
    );
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use eventory_shared::live::{SeatDelta, ServerMessage};

    #[test]
    fn reads_the_version_of_a_real_delta() {
        let message = ServerMessage::SeatLocked(SeatDelta {
            show_id: ShowId::from_uuid(Uuid::from_u128(1)),
            version: 1_764_000_000_000_123,
            seats: vec!["A1".parse().unwrap()],
            hold_id: None,
        });
        let text = serde_json::to_string(&message).unwrap();
        assert_eq!(delta_version(&text), Some(1_764_000_000_000_123));
        assert_eq!(delta_version(r#"{"type":"error"}"#), None);
    }
}
