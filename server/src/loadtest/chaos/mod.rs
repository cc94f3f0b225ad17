//! `eventory-server loadtest chaos`: a rerunnable chaos test of the booking lifecycle.
//!
//! It prepares a show and accounts straight through the store, runs the server as a child
//! process (`serve`), puts buyers, cashiers and a refund/exchange desk on it while killing and
//! restarting the server (and, in cluster mode, deleting its Redis keys and optionally
//! restarting the broker), follows the seat map live the whole time, and afterwards checks
//! that every booking settled, no seat was sold twice, the seat map, tickets and payments agree
//! with the bookings, and the live map matches the server's. Exits non-zero on any failure.
//!
//! Sections: [`world`] (set-up), [`process`] (the child server), [`faults`] (kills and
//! outages), [`actors`] (the load), [`observer`] (the live map), [`checks`] and [`payments`]
//! (the verdict), [`client`] (HTTP).

mod actors;
mod checks;
mod client;
mod faults;
mod in_flight;
mod observer;
mod payments;
mod process;
mod world;

pub use in_flight::{run as run_restart, RestartLoad, StopSignal};

use std::collections::BTreeMap;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use anyhow::bail;
use serde::Deserialize;
use tokio_util::sync::CancellationToken;

use actors::Load;
use client::Session;
use observer::ObservedMap;
use process::{Server, Signal};

/// Options of `loadtest chaos`.
#[derive(Clone, Debug, clap::Args)]
pub struct ChaosLoad {
    /// embedded: in-process ledger and bus, redb store. cluster: REDIS_URL, MONGODB_URI and
    /// KAFKA_BROKERS from the environment (with EVENTORY_JWT_SECRET set, as `serve` needs),
    /// under a Redis namespace, database and topic prefix of this run's own.
    #[arg(long, value_enum, default_value = "embedded")]
    pub mode: Mode,
    /// Seconds of load (longer if the kills take longer).
    #[arg(long, default_value_t = 60)]
    pub duration: u64,
    /// Customers buying by card.
    #[arg(long, default_value_t = 8)]
    pub buyers: usize,
    /// Cashiers selling for cash.
    #[arg(long, default_value_t = 2)]
    pub cashiers: usize,
    /// Times the server is stopped (SIGKILL and SIGTERM in turn) and started again.
    #[arg(long, default_value_t = 6)]
    pub kills: u32,
    #[arg(long, default_value_t = 20)]
    pub rows: u32,
    #[arg(long, default_value_t = 25)]
    pub per_row: u16,
    /// Cluster mode: a shell command (run with `sh -c`) restarting the Kafka broker, run once.
    #[arg(long)]
    pub broker_restart_cmd: Option<String>,
    /// Keep the temp folder (server log, payment journal, redb file) and the run's cluster
    /// data. The folder is also kept when a check fails.
    #[arg(long)]
    pub keep: bool,
}

/// Which backends the server runs with.
#[derive(Clone, Copy, Debug, PartialEq, Eq, clap::ValueEnum)]
pub enum Mode {
    Embedded,
    Cluster,
}

/// Counts of outcomes by label ("hold 201", "checkout 410 hold_expired", ...), shared by all
/// tasks.
#[derive(Clone, Default)]
pub struct Tally(Arc<Mutex<BTreeMap<String, u64>>>);

impl Tally {
    pub fn add(&self, label: &str) {
        *self
            .0
            .lock()
            .expect("tally lock")
            .entry(label.trim_end().to_owned())
            .or_default() += 1;
    }

    pub fn counts(&self) -> BTreeMap<String, u64> {
        self.0.lock().expect("tally lock").clone()
    }
}

/// The fields of a booking the chaos test reads. The status stays a string, so this compiles
/// whichever statuses `BookingStatus` has.
#[derive(Clone, Debug, Deserialize)]
pub struct BookingView {
    pub id: String,
    pub status: String,
    pub seats: Vec<String>,
    pub amount: eventory_shared::Money,
    pub created_at: chrono::DateTime<chrono::Utc>,
}

/// Statuses no later step changes: the booking has settled.
pub fn is_final(status: &str) -> bool {
    matches!(status, "confirmed" | "cancelled" | "refunded" | "exchanged")
}

/// Longest set-up (store, accounts) or clean-up.
const SET_UP_WITHIN: Duration = Duration::from_secs(120);

/// Runs the chaos test; an error when anything is wrong (after printing the report).
pub async fn run(options: ChaosLoad) -> anyhow::Result<()> {
    // A backing service that hangs must not hang the run (nor a CI job).
    let world = tokio::time::timeout(SET_UP_WITHIN, world::prepare(&options))
        .await
        .map_err(|_| anyhow::anyhow!("set-up took over {} s", SET_UP_WITHIN.as_secs()))??;
    println!(
        "loadtest chaos: {:?} mode, {} s of load, {} buyers, {} cashiers, {} kills, {} seats; files in {}",
        options.mode,
        options.duration,
        options.buyers,
        options.cashiers,
        options.kills,
        world.seats.len(),
        world.dir.display()
    );
    let outcome = drive(&options, &world).await;
    let passed = matches!(&outcome, Ok(failures) if failures.is_empty());
    let clean_up = world::clean_up(&world, options.keep || !passed);
    match tokio::time::timeout(SET_UP_WITHIN, clean_up).await {
        Ok(Ok(())) => {}
        Ok(Err(e)) => eprintln!("loadtest chaos: clean-up failed: {e:#}"),
        Err(_) => eprintln!("loadtest chaos: clean-up took too long, left as is"),
    }
    if !passed || options.keep {
        println!(
            "  kept {} (server.log, payments.jsonl, bookings.json)",
            world.dir.display()
        );
    }
    match outcome {
        Ok(failures) if failures.is_empty() => Ok(()),
        Ok(failures) => bail!("{} chaos checks failed", failures.len()),
        Err(e) => Err(e),
    }
}

/// Server, load, chaos, checks. Returns the failed checks.
async fn drive(options: &ChaosLoad, world: &world::World) -> anyhow::Result<Vec<String>> {
    let mut server = Server::start(world.env.clone(), world.log.clone(), world.address).await?;
    let tally = Tally::default();
    let mut admin = Session::sign_in(world.address, world.admin.clone(), tally.clone()).await?;

    let observed = ObservedMap::default();
    let observer_stop = CancellationToken::new();
    let observer = tokio::spawn(observer::run(
        world.address,
        admin.token().to_owned(),
        world.show,
        observed.clone(),
        observer_stop.clone(),
    ));

    let load = Arc::new(Load {
        address: world.address,
        show: world.show,
        seats: world.seats.clone(),
        observed: observed.clone(),
        stop: CancellationToken::new(),
        tally: tally.clone(),
        remembered: Mutex::new(Vec::new()),
        failures: Mutex::new(Vec::new()),
        run: uuid::Uuid::new_v4().simple().to_string()[..8].to_owned(),
    });
    let started = Instant::now();
    let mut tasks = Vec::new();
    for i in 0..options.buyers {
        let name = format!("buyer {}", i + 1);
        tasks.push((name, tokio::spawn(actors::buyer(load.clone(), i + 1))));
    }
    for (i, credentials) in world.cashiers.iter().enumerate() {
        let name = format!("cashier {}", i + 1);
        let task = actors::cashier(load.clone(), credentials.clone());
        tasks.push((name, tokio::spawn(task)));
    }
    let desk = actors::desk(load.clone(), world.desk.clone());
    tasks.push(("staff desk".to_owned(), tokio::spawn(desk)));

    let duration = Duration::from_secs(options.duration);
    let events = faults::plan(
        duration,
        options.kills,
        world.cluster.is_some(),
        options.broker_restart_cmd.as_deref(),
    );
    let chaos = faults::run(&mut server, events, started, world.cluster.as_ref()).await;
    tokio::time::sleep_until((started + duration).into()).await;
    load.stop.cancel();
    let load_stopped = Instant::now();
    println!(
        "  load stopped after {:.1} s",
        started.elapsed().as_secs_f64()
    );
    for (name, task) in tasks {
        let outcome = match task.await {
            Ok(Ok(())) => continue,
            Ok(Err(e)) => format!("{name} gave up: {e:#}"),
            Err(e) => format!("{name} panicked: {e}"),
        };
        load.failures.lock().expect("failures lock").push(outcome);
    }
    let mut chaos = chaos?;
    chaos.revive(&mut server, started).await?;

    // A server that dies during the checks is restarted once and the checks run again (its
    // crash is then one of the failures).
    let mut settle_from = load_stopped;
    let verdict = loop {
        let verdict = checks::run(checks::Inputs {
            world,
            load: &load,
            admin: &mut admin,
            observed: &observed,
            settle_from,
            chaos: &chaos,
        })
        .await;
        if server.exited().is_none() || !chaos.crashes.is_empty() {
            break verdict;
        }
        if let Err(e) = &verdict {
            println!("  checks interrupted: {e:#}");
        }
        chaos.revive(&mut server, started).await?;
        settle_from = Instant::now();
    };
    observer_stop.cancel();
    let _ = observer.await;
    if let Some(status) = server.exited() {
        bail!(
            "the server exited on its own again ({status}); last lines of {}:\n{}",
            world.log.display(),
            process::log_tail(&world.log, 8)
        );
    }
    let stopped = server.stop(Signal::Term).await?;
    let verdict = verdict?;
    for line in &verdict.figures {
        println!("{line}");
    }
    println!(
        "  final SIGTERM      exited in {:.2} s ({})",
        stopped.took.as_secs_f64(),
        stopped.exit
    );
    if verdict.failures.is_empty() {
        println!("  PASSED: every check holds");
    }
    for failure in &verdict.failures {
        println!("  FAIL: {failure}");
    }
    Ok(verdict.failures)
}
