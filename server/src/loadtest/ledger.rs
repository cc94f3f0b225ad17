//! `eventory-server loadtest`: a rerunnable benchmark, not a test. It hammers the seat ledger
//! with concurrent hold attempts and reports throughput, latency percentiles and winners, and
//! checks afterwards that no seat was sold twice.
//!
//! Scenarios:
//! - `hot-seat`: every client tries to hold the same single seat, again and again.
//! - `show`: clients buy 1-4 adjacent seats of a 500-seat show (hold, then confirm) until the
//!   show is sold out or time is up.

use std::collections::HashMap;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

use anyhow::{bail, Context};
use eventory_shared::{BookingId, SeatId, SeatState, ShowId};
use hdrhistogram::Histogram;
use rand::{Rng, SeedableRng};
use uuid::Uuid;

use crate::seats::{
    FastRejectLedger, HoldLimits, HoldOutcome, HoldRequest, MemoryLedger, RedisLedger, SeatLedger,
};

/// What to measure.
#[derive(Clone, Copy, Debug, PartialEq, Eq, clap::ValueEnum)]
pub enum Scenario {
    HotSeat,
    Show,
}

/// Which ledger to measure.
#[derive(Clone, Copy, Debug, PartialEq, Eq, clap::ValueEnum)]
pub enum LedgerKind {
    Redis,
    Memory,
}

/// Options of `loadtest ledger`.
#[derive(Clone, Debug, clap::Args)]
pub struct LedgerLoad {
    #[arg(long, value_enum, default_value = "hot-seat")]
    pub scenario: Scenario,
    #[arg(long, value_enum, default_value = "redis")]
    pub ledger: LedgerKind,
    /// Concurrent clients.
    #[arg(long, default_value_t = 64)]
    pub clients: usize,
    /// How long to run, at most.
    #[arg(long, default_value_t = 10)]
    pub seconds: u64,
    /// Answer repeat attempts on a seat known taken without a ledger round-trip.
    #[arg(long, default_value_t = true, action = clap::ArgAction::Set)]
    pub fast_reject: bool,
    /// Redis for `--ledger redis` (default: REDIS_URL from the configuration).
    #[arg(long)]
    pub redis_url: Option<String>,
}

/// What one client saw.
struct ClientTally {
    attempts: u64,
    latencies: Histogram<u64>,
    sold: Vec<(BookingId, Vec<SeatId>)>,
    won: u64,
}

/// Runs the ledger load test and prints a report.
pub async fn run_ledger(options: LedgerLoad, config_redis: Option<String>) -> anyhow::Result<()> {
    let inner: Arc<dyn SeatLedger> = match options.ledger {
        LedgerKind::Memory => wrap(MemoryLedger::new(), options.fast_reject),
        LedgerKind::Redis => {
            let url = options
                .redis_url
                .clone()
                .or(config_redis)
                .context("--ledger redis needs --redis-url or REDIS_URL")?;
            let namespace = format!("eventory-loadtest:{}", Uuid::new_v4().simple());
            wrap(
                RedisLedger::connect(&url, namespace).await?,
                options.fast_reject,
            )
        }
    };
    let ledger = inner;
    let show = ShowId::from_uuid(Uuid::new_v4());
    let layout: Vec<SeatId> = match options.scenario {
        Scenario::HotSeat => vec!["A1".parse()?],
        Scenario::Show => (0..20u32)
            .flat_map(|r| {
                let row = eventory_shared::seat::row_label(r);
                (1..=25u16).map(move |n| SeatId::new(&row, n).expect("seat"))
            })
            .collect(),
    };
    ledger.register_show(show, &layout).await?;

    let stop = Arc::new(AtomicBool::new(false));
    let deadline = Instant::now() + Duration::from_secs(options.seconds);
    let started = Instant::now();
    let layout = Arc::new(layout);
    let tasks: Vec<_> = (0..options.clients)
        .map(|client| {
            let ledger = ledger.clone();
            let stop = stop.clone();
            let layout = layout.clone();
            let scenario = options.scenario;
            tokio::spawn(async move {
                client_loop(ledger, show, scenario, client, layout, stop, deadline).await
            })
        })
        .collect();
    let mut tallies = Vec::new();
    for task in tasks {
        tallies.push(task.await??);
    }
    let elapsed = started.elapsed();

    let mut latencies = Histogram::<u64>::new(3)?;
    let mut attempts = 0;
    let mut won = 0;
    let mut sold_to: HashMap<SeatId, BookingId> = HashMap::new();
    for tally in &tallies {
        attempts += tally.attempts;
        won += tally.won;
        latencies.add(&tally.latencies)?;
        for (booking, seats) in &tally.sold {
            for seat in seats {
                if let Some(other) = sold_to.insert(seat.clone(), *booking) {
                    bail!("OVERSOLD: seat {seat} sold to {other} and {booking}");
                }
            }
        }
    }
    let snapshot = ledger.snapshot(show).await?;
    let sold_in_ledger = snapshot
        .seats
        .values()
        .filter(|s| **s == SeatState::Sold)
        .count();
    let held_in_ledger = snapshot
        .seats
        .values()
        .filter(|s| **s == SeatState::Held)
        .count();
    if options.scenario == Scenario::Show && sold_in_ledger != sold_to.len() {
        bail!(
            "ledger has {sold_in_ledger} sold seats, clients bought {}",
            sold_to.len()
        );
    }

    let us = |q: f64| latencies.value_at_quantile(q) as f64 / 1000.0;
    println!(
        "loadtest ledger: scenario {:?}, ledger {} (fast reject {}), {} clients, {:.1} s",
        options.scenario,
        ledger.backend(),
        options.fast_reject,
        options.clients,
        elapsed.as_secs_f64()
    );
    println!("  hold attempts      {attempts}");
    println!(
        "  attempts/s         {:.0}",
        attempts as f64 / elapsed.as_secs_f64()
    );
    println!(
        "  latency ms         p50 {:.3}  p99 {:.3}  p99.9 {:.3}  max {:.3}",
        us(0.5),
        us(0.99),
        us(0.999),
        latencies.max() as f64 / 1000.0
    );
    println!("  successful holds   {won}");
    match options.scenario {
        Scenario::HotSeat => {
            println!("  seat state         {held_in_ledger} held of 1");
            if won != 1 {
                bail!("hot seat: expected exactly one winner, got {won}");
            }
        }
        Scenario::Show => println!(
            "  seats sold         {} of {} (each exactly once)",
            sold_to.len(),
            layout.len()
        ),
    }
    Ok(())
}

fn wrap<L: SeatLedger>(ledger: L, fast_reject: bool) -> Arc<dyn SeatLedger> {
    if fast_reject {
        Arc::new(FastRejectLedger::new(ledger, Duration::from_millis(250)))
    } else {
        Arc::new(ledger)
    }
}

async fn client_loop(
    ledger: Arc<dyn SeatLedger>,
    show: ShowId,
    scenario: Scenario,
    client: usize,
    layout: Arc<Vec<SeatId>>,
    stop: Arc<AtomicBool>,
    deadline: Instant,
) -> anyhow::Result<ClientTally> {
    let mut rng = rand::rngs::StdRng::seed_from_u64(client as u64);
    let mut tally = ClientTally {
        attempts: 0,
        latencies: Histogram::new(3)?,
        sold: Vec::new(),
        won: 0,
    };
    let owner = format!("client-{client}");
    while !stop.load(Ordering::Relaxed) && Instant::now() < deadline {
        let seats = match scenario {
            Scenario::HotSeat => vec![layout[0].clone()],
            Scenario::Show => {
                let n = rng.random_range(1..=4).min(layout.len());
                let start = rng.random_range(0..=layout.len() - n);
                layout[start..start + n].to_vec()
            }
        };
        let started = Instant::now();
        let outcome = ledger
            .hold(HoldRequest {
                show_id: show,
                seats,
                owner: owner.clone(),
                ttl: Duration::from_secs(300),
                idempotency_key: None,
                limits: HoldLimits::GENEROUS,
            })
            .await?;
        tally
            .latencies
            .record(started.elapsed().as_micros().max(1) as u64)?;
        tally.attempts += 1;
        if let HoldOutcome::Held { hold, .. } = outcome {
            tally.won += 1;
            if scenario == Scenario::Show {
                let booking = BookingId::from_uuid(Uuid::new_v4());
                ledger.mark_processing(hold.id, booking).await?;
                ledger.confirm(show, hold.id, booking, &hold.seats).await?;
                tally.sold.push((booking, hold.seats));
            }
        }
        if scenario == Scenario::Show && tally.attempts % 64 == 0 {
            let snap = ledger.snapshot(show).await?;
            if snap.seats.len() == layout.len() {
                stop.store(true, Ordering::Relaxed);
            }
        }
        // Keep the hot-seat loop from starving the other clients on a busy runtime.
        if tally.attempts % 256 == 0 {
            tokio::task::yield_now().await;
        }
    }
    Ok(tally)
}
