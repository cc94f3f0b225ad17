//! `eventory-server loadtest http`: hold attempts through the full HTTP stack (routing, JWT
//! auth, JSON, the ledger) of a server started in this process on 127.0.0.1, driven by lean
//! keep-alive HTTP/1.1 clients (one request in flight per connection).

use std::collections::HashMap;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

use anyhow::{bail, Context};
use eventory_shared::{Role, SeatId, SeatState, ShowId, UserId};
use hdrhistogram::Histogram;
use rand::{Rng, SeedableRng};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;
use uuid::Uuid;

use super::Scenario;
use crate::app::LocalServer;
use crate::seats::SeatLedger;
use crate::Config;

/// Options of `loadtest http`.
#[derive(Clone, Debug, clap::Args)]
pub struct HttpLoad {
    #[arg(long, value_enum, default_value = "hot-seat")]
    pub scenario: Scenario,
    /// Concurrent keep-alive connections.
    #[arg(long, default_value_t = 64)]
    pub connections: usize,
    /// How long to run, at most.
    #[arg(long, default_value_t = 10)]
    pub seconds: u64,
    /// Meanwhile, this many clients send sign-ups back to back, each from a different
    /// (forwarded) address, so each is hashed: what a distributed sign-up flood costs the
    /// holds. 0: none.
    #[arg(long, default_value_t = 0)]
    pub sign_up_flood: usize,
}

struct Tally {
    attempts: u64,
    created: u64,
    conflicts: u64,
    latencies: Histogram<u64>,
    won: Vec<Vec<SeatId>>,
}

/// Starts a server with `config` (its ledger, Redis or in-process), runs the load, reports.
pub async fn run(options: HttpLoad, mut config: Config) -> anyhow::Result<()> {
    // Every connection is one account on one address: the per-account seat cap is not what
    // this measures (the throughput of the atomic hold is). The rate limits stay as
    // configured: they count only holds that took seats.
    config.limits.max_seats_held_per_show = 10_000;
    config.limits.holds_per_minute_per_address = 1_000_000;
    if options.sign_up_flood > 0 {
        // The flood's forwarded addresses are believed, so every sign-up gets hashed.
        config.http.trusted_proxies = vec![std::net::IpAddr::from([127, 0, 0, 1])];
    }
    let server = LocalServer::start(config).await?;
    let state = server.state.clone();
    // A real show on sale in the configured store: 1 seat, or 20 x 25.
    let (rows, per_row) = match options.scenario {
        Scenario::HotSeat => (1, 1),
        Scenario::Show => (20, 25),
    };
    let show = crate::store::test_support::show_on_sale(state.store.as_ref(), rows, per_row).await;
    crate::seats::rebuild::rebuild_show(state.store.as_ref(), state.ledger.as_ref(), show).await?;
    let layout: Vec<SeatId> = crate::admin::seed::grid(rows, per_row);
    let address = server.address;

    let stop = Arc::new(AtomicBool::new(false));
    let deadline = Instant::now() + Duration::from_secs(options.seconds);
    let layout = Arc::new(layout);
    let started = Instant::now();
    let flood: Vec<_> = (0..options.sign_up_flood)
        .map(|i| {
            let (stop, base) = (stop.clone(), server.base.clone());
            tokio::spawn(sign_up_flood(base, i, stop))
        })
        .collect();
    // Generator and server share the runtime's two worker threads: measured faster here than
    // giving each its own thread (fewer cross-thread wake-ups than it costs in scheduling).
    let tasks: Vec<_> = (0..options.connections)
        .map(|i| {
            let token = state
                .tokens
                .issue(UserId::from_uuid(Uuid::new_v4()), Role::Customer)
                .0;
            let (stop, layout) = (stop.clone(), layout.clone());
            let scenario = options.scenario;
            let ledger = state.ledger.clone();
            tokio::spawn(async move {
                connection(
                    ledger, address, token, show, scenario, i as u64, layout, stop, deadline,
                )
                .await
            })
        })
        .collect();
    let mut tallies = Vec::new();
    for task in tasks {
        tallies.push(task.await??);
    }
    let elapsed = started.elapsed();
    stop.store(true, Ordering::Relaxed);
    let mut flood_answers: HashMap<u16, u64> = HashMap::new();
    for task in flood {
        for (status, n) in task.await? {
            *flood_answers.entry(status).or_default() += n;
        }
    }
    server.shutdown().await?;

    let mut latencies = Histogram::<u64>::new(3)?;
    let (mut attempts, mut created, mut conflicts) = (0, 0, 0);
    let mut held_by: HashMap<SeatId, usize> = HashMap::new();
    for (i, tally) in tallies.iter().enumerate() {
        attempts += tally.attempts;
        created += tally.created;
        conflicts += tally.conflicts;
        latencies.add(&tally.latencies)?;
        for seats in &tally.won {
            for seat in seats {
                if held_by.insert(seat.clone(), i).is_some() {
                    bail!("DOUBLE HOLD: seat {seat} won twice");
                }
            }
        }
    }
    let snapshot = state.ledger.snapshot(show).await?;
    let held = snapshot
        .seats
        .values()
        .filter(|s| **s == SeatState::Held)
        .count();
    let ms = |q: f64| latencies.value_at_quantile(q) as f64 / 1000.0;
    println!(
        "loadtest http: scenario {:?}, ledger {}, {} connections, {:.1} s",
        options.scenario,
        state.ledger.backend(),
        options.connections,
        elapsed.as_secs_f64()
    );
    println!("  requests           {attempts} (201: {created}, 409: {conflicts})");
    if options.sign_up_flood > 0 {
        let mut answers: Vec<_> = flood_answers.into_iter().collect();
        answers.sort();
        println!(
            "  sign-up flood      {} clients, answers {answers:?} (status, count)",
            options.sign_up_flood
        );
    }
    println!(
        "  requests/s         {:.0}",
        attempts as f64 / elapsed.as_secs_f64()
    );
    println!(
        "  latency ms         p50 {:.3}  p99 {:.3}  p99.9 {:.3}  max {:.3}",
        ms(0.5),
        ms(0.99),
        ms(0.999),
        latencies.max() as f64 / 1000.0
    );
    println!(
        "  seats held         {held} of {} (each by exactly one winner)",
        layout.len()
    );
    if created + conflicts != attempts {
        bail!(
            "{} requests answered neither 201 nor 409",
            attempts - created - conflicts
        );
    }
    if options.scenario == Scenario::HotSeat && created != 1 {
        bail!("hot seat: expected exactly one 201, got {created}");
    }
    if held != held_by.len() {
        bail!("ledger holds {held} seats, clients won {}", held_by.len());
    }
    Ok(())
}

#[allow(clippy::too_many_arguments)]
async fn connection(
    ledger: Arc<dyn SeatLedger>,
    address: std::net::SocketAddr,
    token: String,
    show: ShowId,
    scenario: Scenario,
    seed: u64,
    layout: Arc<Vec<SeatId>>,
    stop: Arc<AtomicBool>,
    deadline: Instant,
) -> anyhow::Result<Tally> {
    let mut stream = TcpStream::connect(address).await?;
    stream.set_nodelay(true)?;
    let mut rng = rand::rngs::StdRng::seed_from_u64(seed);
    let mut tally = Tally {
        attempts: 0,
        created: 0,
        conflicts: 0,
        latencies: Histogram::new(3)?,
        won: Vec::new(),
    };
    let mut buffer = vec![0u8; 16 * 1024];
    let request = |body: &str| {
        format!(
            "POST /api/shows/{show}/holds HTTP/1.1\r\nHost: loadtest\r\nAuthorization: Bearer {token}\r\nContent-Type: application/json\r\nContent-Length: {}\r\n\r\n{body}",
            body.len()
        )
        .into_bytes()
    };
    // The hot seat's request never changes: build it once so the generator spends its share of
    // the two cores on sending, not formatting.
    let hot_request = request(&format!("{{\"seats\":[\"{}\"]}}", layout[0]));
    while !stop.load(Ordering::Relaxed) && Instant::now() < deadline {
        let (bytes, seats) = match scenario {
            Scenario::HotSeat => (None, vec![layout[0].clone()]),
            Scenario::Show => {
                let n = rng.random_range(1..=4);
                let start = rng.random_range(0..=layout.len() - n);
                let seats = layout[start..start + n].to_vec();
                let names: Vec<String> = seats.iter().map(|s| format!("\"{s}\"")).collect();
                (
                    Some(request(&format!("{{\"seats\":[{}]}}", names.join(",")))),
                    seats,
                )
            }
        };
        let started = Instant::now();
        stream
            .write_all(bytes.as_deref().unwrap_or(&hot_request))
            .await?;
        let status = read_response(&mut stream, &mut buffer).await?;
        tally
            .latencies
            .record(started.elapsed().as_micros().max(1) as u64)?;
        tally.attempts += 1;
        match status {
            201 => {
                tally.created += 1;
                tally.won.push(seats);
            }
            409 => tally.conflicts += 1,
            other => bail!("unexpected status {other}"),
        }
        if scenario == Scenario::Show && tally.attempts % 256 == 0 {
            let snapshot = ledger.snapshot(show).await?;
            if snapshot.seats.len() == layout.len() {
                stop.store(true, Ordering::Relaxed); // sold out
            }
        }
    }
    Ok(tally)
}

/// One flooding client: sign-ups back to back, each claiming a new forwarded address, until
/// `stop`; the count of each answer status.
async fn sign_up_flood(base: String, client: usize, stop: Arc<AtomicBool>) -> HashMap<u16, u64> {
    let http = reqwest::Client::new();
    let mut answers = HashMap::new();
    let mut n = 0u32;
    while !stop.load(Ordering::Relaxed) {
        n += 1;
        let address = format!("10.{}.{}.{}", client % 250, (n >> 8) % 250, n % 250);
        let body = serde_json::json!({
            "email": format!("flood-{client}-{n}-{}@example.com", Uuid::new_v4().simple()),
            "password": "a long enough password",
            "display_name": "flood",
        });
        let status = http
            .post(format!("{base}/api/auth/sign-up"))
            .header("x-forwarded-for", address)
            .json(&body)
            .send()
            .await
            .map_or(0, |r| r.status().as_u16());
        *answers.entry(status).or_default() += 1;
    }
    answers
}

/// Reads one HTTP/1.1 response with a Content-Length body; returns its status.
async fn read_response(stream: &mut TcpStream, buffer: &mut [u8]) -> anyhow::Result<u16> {
    let mut filled = 0;
    loop {
        let n = stream.read(&mut buffer[filled..]).await?;
        if n == 0 {
            bail!("server closed the connection");
        }
        filled += n;
        let head = &buffer[..filled];
        let Some(end) = head.windows(4).position(|w| w == b"\r\n\r\n") else {
            continue;
        };
        let text = std::str::from_utf8(&head[..end]).context("response head")?;
        let status: u16 = text
            .get(9..12)
            .context("status line")?
            .parse()
            .context("status code")?;
        let length: usize = text
            .lines()
            .find_map(|l| {
                let (name, value) = l.split_once(':')?;
                name.eq_ignore_ascii_case("content-length")
                    .then(|| value.trim().parse().ok())?
            })
            .unwrap_or(0);
        let total = end + 4 + length;
        while filled < total {
            let n = stream.read(&mut buffer[filled..]).await?;
            if n == 0 {
                bail!("server closed the connection mid-body");
            }
            filled += n;
        }
        return Ok(status);
    }
}
