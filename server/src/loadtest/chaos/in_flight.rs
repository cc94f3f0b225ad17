//! `loadtest restart`: payments in flight across a stop of the server. A cashier starts a few
//! card payments (each charge takes seconds at the simulated terminal), the server gets SIGTERM
//! (a deploy, `systemctl restart`) or SIGKILL in the middle of them, and comes back. Every
//! booking answered 202 must end confirmed, charged exactly once, nothing refunded; with
//! SIGTERM the server must also have finished the charge it was making before it exited
//! (drain: the payment worker takes one event at a time, so the others were not started and
//! are redelivered after the restart), within its shutdown grace.

use std::collections::HashMap;
use std::time::{Duration, Instant};

use anyhow::{bail, Context};
use serde_json::json;

use super::client::Session;
use super::process::{Server, Signal};
use super::{world, BookingView, ChaosLoad, Mode, Tally};
use crate::payments::journal::JournalLine;

/// Options of `loadtest restart`.
#[derive(Clone, Debug, clap::Args)]
pub struct RestartLoad {
    #[arg(long, value_enum, default_value = "embedded")]
    pub mode: Mode,
    /// How the server is stopped: `term` (graceful, drains) or `kill` (SIGKILL).
    #[arg(long, value_enum, default_value = "term")]
    pub signal: StopSignal,
    /// Card payments in flight when the signal goes.
    #[arg(long, default_value_t = 5)]
    pub payments: usize,
    /// How long the simulated card terminal takes per charge.
    #[arg(long, default_value_t = 2000)]
    pub card_latency_ms: u64,
}

/// The signal, as a flag value.
#[derive(Clone, Copy, Debug, PartialEq, Eq, clap::ValueEnum)]
pub enum StopSignal {
    Term,
    Kill,
}

/// Every booking settles within this after the restart.
const SETTLE_WITHIN: Duration = Duration::from_secs(60);

/// Runs it; an error if any promise was broken.
pub async fn run(options: RestartLoad) -> anyhow::Result<()> {
    let base = ChaosLoad {
        mode: options.mode,
        duration: 0,
        buyers: 0,
        cashiers: 1,
        kills: 1,
        rows: 2,
        per_row: options.payments.max(1) as u16,
        broker_restart_cmd: None,
        keep: false,
    };
    let mut world = world::prepare(&base).await?;
    for (key, value) in [
        (
            "EVENTORY_CARD_LATENCY_MS",
            options.card_latency_ms.to_string(),
        ),
        ("EVENTORY_CARD_DECLINE_RATE", "0".to_owned()),
        ("EVENTORY_SHUTDOWN_GRACE_SECS", "10".to_owned()),
    ] {
        world.env.insert(key.into(), Some(value));
    }
    let outcome = drive(&options, &world).await;
    let _ = world::clean_up(&world, outcome.is_err()).await;
    if outcome.is_err() {
        println!(
            "  kept {} (server.log, payments.jsonl)",
            world.dir.display()
        );
    }
    outcome
}

async fn drive(options: &RestartLoad, world: &world::World) -> anyhow::Result<()> {
    let signal = match options.signal {
        StopSignal::Term => Signal::Term,
        StopSignal::Kill => Signal::Kill,
    };
    println!(
        "loadtest restart: {:?} mode, {} card payments of {} ms in flight, then {signal}",
        options.mode, options.payments, options.card_latency_ms
    );
    let mut server = Server::start(world.env.clone(), world.log.clone(), world.address).await?;
    let tally = Tally::default();
    let mut cashier =
        Session::sign_in(world.address, world.cashiers[0].clone(), tally.clone()).await?;
    let mut bookings = Vec::new();
    for seat in world.seats.iter().take(options.payments) {
        let path = format!("/api/shows/{}/holds", world.show);
        let held = cashier
            .request("POST", &path, Some(&json!({ "seats": [seat] })), None)
            .await?;
        anyhow::ensure!(
            held.status == 201,
            "hold {seat}: {} {}",
            held.status,
            held.body
        );
        let hold = held.body["hold_id"].as_str().context("hold_id")?.to_owned();
        let paid = cashier
            .request(
                "POST",
                &format!("/api/holds/{hold}/checkout"),
                Some(&json!({ "payment": "card" })),
                Some(&format!("restart-{hold}")),
            )
            .await?;
        anyhow::ensure!(
            paid.status == 202,
            "checkout: {} {}",
            paid.status,
            paid.body
        );
        bookings.push(
            paid.body["booking"]["id"]
                .as_str()
                .context("booking id")?
                .to_owned(),
        );
    }
    // Mid-charge: wait until the payment worker has taken one (a Kafka consumer may need a
    // few seconds to join its group), then stop the server while the terminal thinks.
    let mut admin = Session::sign_in(world.address, world.admin.clone(), tally.clone()).await?;
    let waiting = Instant::now();
    'charging: while waiting.elapsed() < SETTLE_WITHIN {
        for id in &bookings {
            let reply = admin.get(&format!("/api/bookings/{id}")).await?;
            if reply.body["status"] == "processing" {
                break 'charging;
            }
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    tokio::time::sleep(Duration::from_millis(200)).await;
    let stopped = server.stop(signal).await?;
    let charged_before = charges(world)?.len();
    println!(
        "  {signal}: exited in {:.2} s ({}); {charged_before} of {} charges decided before the exit",
        stopped.took.as_secs_f64(),
        stopped.exit,
        bookings.len()
    );
    let mut failures = Vec::new();
    if signal == Signal::Term {
        if stopped.drain_timed_out {
            failures.push("SIGTERM: the server did not drain in time".to_owned());
        }
        if charged_before == 0 {
            failures
                .push("SIGTERM: the charge in progress was dropped instead of finished".to_owned());
        }
        if !stopped.exit.contains("exit status: 0") {
            failures.push(format!("SIGTERM: the server exited with {}", stopped.exit));
        }
    }
    let restarted = server.restart().await?;
    println!("  restarted, ready in {:.2} s", restarted.as_secs_f64());

    let started = Instant::now();
    let mut statuses: HashMap<String, String> = HashMap::new();
    loop {
        for id in &bookings {
            let reply = admin.get(&format!("/api/bookings/{id}")).await?;
            let view: BookingView = serde_json::from_value(reply.body)
                .with_context(|| format!("booking {id} answered {}", reply.status))?;
            statuses.insert(id.clone(), view.status);
        }
        if statuses.values().all(|s| s == "confirmed") || started.elapsed() > SETTLE_WITHIN {
            break;
        }
        tokio::time::sleep(Duration::from_millis(250)).await;
    }
    let confirmed = statuses.values().filter(|s| *s == "confirmed").count();
    println!(
        "  {confirmed} of {} confirmed {:.1} s after the restart",
        bookings.len(),
        started.elapsed().as_secs_f64()
    );
    if confirmed != bookings.len() {
        failures.push(format!("not all confirmed: {statuses:?}"));
    }
    let decided = charges(world)?;
    let refunds = refunds(world)?;
    for id in &bookings {
        match decided.get(id.as_str()) {
            Some(1) => {}
            n => failures.push(format!("booking {id} charged {n:?} times")),
        }
    }
    if refunds > 0 {
        failures.push(format!(
            "{refunds} refunds; nothing should have been refunded"
        ));
    }
    println!(
        "  payments: {} charges for {} bookings, {refunds} refunds",
        decided.values().sum::<usize>(),
        bookings.len()
    );
    server.stop(Signal::Term).await?;
    if failures.is_empty() {
        println!("  PASSED: every booking confirmed, each charged once, none refunded");
        return Ok(());
    }
    for failure in &failures {
        println!("  FAIL: {failure}");
    }
    bail!("{} restart checks failed", failures.len())
}

/// The journal's lines.
fn journal(world: &world::World) -> anyhow::Result<Vec<JournalLine>> {
    let text = std::fs::read_to_string(&world.journal).unwrap_or_default();
    Ok(text
        .lines()
        .filter_map(|l| serde_json::from_str::<JournalLine>(l).ok())
        .collect())
}

/// Approved charges per booking id.
fn charges(world: &world::World) -> anyhow::Result<HashMap<String, usize>> {
    let mut by_booking = HashMap::new();
    for line in journal(world)? {
        if let JournalLine::Charge {
            booking_id,
            approved: true,
            ..
        } = line
        {
            *by_booking.entry(booking_id.to_string()).or_insert(0) += 1;
        }
    }
    Ok(by_booking)
}

fn refunds(world: &world::World) -> anyhow::Result<usize> {
    Ok(journal(world)?
        .iter()
        .filter(|l| matches!(l, JournalLine::Refund { .. }))
        .count())
}
