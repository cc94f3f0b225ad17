//! The verdict after the load: wait until every booking has settled, let the holds expire, then
//! check bookings, seats, tickets, payments and the live map against each other, print the
//! figures, and return what failed.

use std::collections::{BTreeMap, BTreeSet, HashMap};
use std::time::{Duration, Instant};

use anyhow::{bail, Context};
use eventory_shared::{SeatId, SeatMap, SeatState};

use super::actors::Load;
use super::client::Session;
use super::faults::ChaosReport;
use super::observer::ObservedMap;
use super::payments;
use super::process::Signal;
use super::world::{World, HOLD_TTL_SECS};
use super::{is_final, BookingView};

/// How long the bookings may take to settle once the load stopped.
const SETTLE_WITHIN: Duration = Duration::from_secs(60);

/// What the checks look at.
pub struct Inputs<'a> {
    pub world: &'a World,
    pub load: &'a Load,
    pub admin: &'a mut Session,
    pub observed: &'a ObservedMap,
    /// When the load stopped (or the server came back from a crash during the checks).
    pub settle_from: Instant,
    pub chaos: &'a ChaosReport,
}

/// The outcome: the report's lines and what failed (nothing: passed).
pub struct Verdict {
    pub figures: Vec<String>,
    pub failures: Vec<String>,
}

/// Runs every check; returns the report and the failures.
pub async fn run(inputs: Inputs<'_>) -> anyhow::Result<Verdict> {
    let Inputs {
        world,
        load,
        admin,
        observed,
        settle_from,
        chaos,
    } = inputs;
    let mut failures: Vec<String> = load.failures.lock().expect("failures lock").clone();
    if !chaos.crashes.is_empty() {
        failures.push(format!(
            "the server exited on its own {} times: {}",
            chaos.crashes.len(),
            chaos.crashes.join("; ")
        ));
    }
    let remembered: BTreeSet<String> = load
        .remembered
        .lock()
        .expect("remembered lock")
        .iter()
        .map(|r| r.id.clone())
        .collect();

    if remembered.is_empty() {
        failures.push("the load made no booking: nothing was tested".to_owned());
    }

    // 1. Every booking settles.
    let listing_path = format!("/api/admin/bookings?show_id={}&limit=10000", world.show);
    let (mut pending_at_stop, mut settled_after) = (None, None);
    let mut bookings = BTreeMap::new();
    while settle_from.elapsed() < SETTLE_WITHIN {
        bookings = list_bookings(admin, &listing_path, None).await?;
        let unsettled = remembered
            .iter()
            .filter(|id| !bookings.get(*id).is_some_and(|b| is_final(&b.status)))
            .count()
            + bookings
                .values()
                .filter(|b| !remembered.contains(&b.id) && !is_final(&b.status))
                .count();
        pending_at_stop.get_or_insert(unsettled);
        if unsettled == 0 {
            settled_after = Some(settle_from.elapsed());
            break;
        }
        tokio::time::sleep(Duration::from_millis(500)).await;
    }
    if settled_after.is_none() {
        let stuck: Vec<String> = remembered
            .iter()
            .filter(|id| !bookings.contains_key(*id))
            .map(|id| format!("{id} (missing)"))
            .chain(
                bookings
                    .values()
                    .filter(|b| !is_final(&b.status))
                    .map(|b| format!("{} ({})", b.id, b.status)),
            )
            .collect();
        // When the stuck ones were made, against the stops: points at what lost them.
        let mut by_era = vec![0usize; chaos.stops.len() + 1];
        for booking in bookings.values().filter(|b| !is_final(&b.status)) {
            by_era[chaos
                .stops
                .iter()
                .filter(|s| s.at < booking.created_at)
                .count()] += 1;
        }
        let eras: Vec<String> = by_era
            .iter()
            .enumerate()
            .map(|(i, n)| match i {
                0 => format!("{n} made before the first stop"),
                i => format!("{n} after stop {i}"),
            })
            .collect();
        failures.push(format!(
            "{} bookings not settled {} s after the load ({}): {}",
            stuck.len(),
            SETTLE_WITHIN.as_secs(),
            eras.join(", "),
            sample(&stuck)
        ));
    }

    // Holds still open expire now; then the final state of everything.
    tokio::time::sleep(Duration::from_secs(HOLD_TTL_SECS + 2)).await;
    // Kept with the log and the journal for a post-mortem (the folder stays when a check fails).
    let saved = world.dir.join("bookings.json");
    let bookings = list_bookings(admin, &listing_path, Some(&saved)).await?;
    for id in &remembered {
        let reply = admin.get(&format!("/api/bookings/{id}")).await?;
        if reply.status != 200 {
            failures.push(format!(
                "booking {id} (answered 202/200 during the load) is missing: GET answered {}",
                reply.status
            ));
        } else if !bookings.contains_key(id) {
            failures.push(format!("booking {id} is not in the show's booking list"));
        }
    }
    let confirmed: Vec<&BookingView> = bookings
        .values()
        .filter(|b| b.status == "confirmed")
        .collect();

    // 2. No seat in two live bookings.
    let mut sold_by: HashMap<&str, Vec<&str>> = HashMap::new();
    for booking in &confirmed {
        for seat in &booking.seats {
            sold_by.entry(seat).or_default().push(&booking.id);
        }
    }
    let doubles: Vec<String> = sold_by
        .iter()
        .filter(|(_, ids)| ids.len() > 1)
        .map(|(seat, ids)| format!("{seat} in {}", ids.join(" and ")))
        .collect();
    if !doubles.is_empty() {
        failures.push(format!(
            "{} seats SOLD TWICE: {}",
            doubles.len(),
            sample(&doubles)
        ));
    }

    // 3. The seat map: sold exactly where confirmed bookings are, nothing held or processing.
    let detail = admin.get(&format!("/api/shows/{}", world.show)).await?;
    let snapshot: SeatMap = serde_json::from_value(detail.body["seat_map"].clone())
        .with_context(|| format!("GET /api/shows answered {}", detail.status))?;
    let sold: BTreeSet<String> = states_of(&snapshot.states, SeatState::Sold);
    let booked: BTreeSet<String> = sold_by.keys().map(|s| s.to_string()).collect();
    if sold != booked {
        let not_booked: Vec<String> = sold.difference(&booked).cloned().collect();
        let not_sold: Vec<String> = booked.difference(&sold).cloned().collect();
        failures.push(format!(
            "seat map: {} sold seats without a confirmed booking ({}), {} booked seats not sold ({})",
            not_booked.len(),
            sample(&not_booked),
            not_sold.len(),
            sample(&not_sold)
        ));
    }
    for state in [SeatState::Held, SeatState::Processing] {
        let left = states_of(&snapshot.states, state);
        if !left.is_empty() {
            // Which bookings had the seat, to tell a lost release from a lost confirmation.
            let left: Vec<String> = left
                .into_iter()
                .map(|seat| {
                    let with: Vec<String> = bookings
                        .values()
                        .filter(|b| b.seats.contains(&seat))
                        .map(|b| format!("{} {}", b.id, b.status))
                        .collect();
                    match with.is_empty() {
                        true => format!("{seat} (in no booking)"),
                        false => format!("{seat} (in {})", with.join(", ")),
                    }
                })
                .collect();
            failures.push(format!(
                "seat map: {} seats still {} {} s after the load: {}",
                left.len(),
                state.as_str(),
                HOLD_TTL_SECS + 2,
                sample(&left)
            ));
        }
    }

    // 4. Tickets: one valid ticket per seat of every confirmed booking, none for the others.
    let mut ticket_problems = Vec::new();
    for booking in bookings.values() {
        let reply = admin
            .get(&format!("/api/bookings/{}/tickets", booking.id))
            .await?;
        let valid: Vec<String> = reply.body["tickets"]
            .as_array()
            .map(|tickets| {
                tickets
                    .iter()
                    .filter(|t| t["valid"].as_bool() == Some(true))
                    .filter_map(|t| t["seat"].as_str().map(str::to_owned))
                    .collect()
            })
            .unwrap_or_default();
        let mut expected: Vec<String> = if booking.status == "confirmed" {
            booking.seats.clone()
        } else {
            Vec::new()
        };
        let mut got = valid;
        expected.sort();
        got.sort();
        if reply.status != 200 || got != expected {
            ticket_problems.push(format!(
                "{} ({}): valid tickets [{}], seats [{}]",
                booking.id,
                booking.status,
                got.join(" "),
                expected.join(" ")
            ));
        }
    }
    if !ticket_problems.is_empty() {
        failures.push(format!(
            "tickets wrong for {} bookings: {}",
            ticket_problems.len(),
            sample(&ticket_problems)
        ));
    }

    // 5. Payments: at most one charge per booking, one refund per payment, money adds up.
    let confirmed_sum: i64 = confirmed.iter().map(|b| b.amount.amount_minor).sum();
    let exchange_results: BTreeSet<String> = load
        .remembered
        .lock()
        .expect("remembered lock")
        .iter()
        .filter(|r| r.how == "exchange")
        .map(|r| r.id.clone())
        .collect();
    let payments = match payments::check(world, &bookings, &exchange_results, confirmed_sum) {
        Ok((summary, problems)) => {
            failures.extend(problems);
            summary
        }
        Err(e) => {
            failures.push(format!("payment journal: {e:#}"));
            String::from("no journal")
        }
    };

    // 6. The observer's map is the server's.
    let deadline = Instant::now() + Duration::from_secs(10);
    let mut seen = observed.get();
    while !(seen.synced && seen.version == snapshot.version) && Instant::now() < deadline {
        tokio::time::sleep(Duration::from_millis(200)).await;
        seen = observed.get();
    }
    if seen.states != snapshot.states {
        let differ: Vec<String> = world
            .seats
            .iter()
            .filter(|s| seen.states.get(*s) != snapshot.states.get(*s))
            .map(|s| {
                format!(
                    "{s}: live {} / server {}",
                    state(&seen.states, s),
                    state(&snapshot.states, s)
                )
            })
            .collect();
        failures.push(format!(
            "live map (version {}, synced {}) differs from the server's (version {}) at {} seats: {}",
            seen.version,
            seen.synced,
            snapshot.version,
            differ.len(),
            sample(&differ)
        ));
    }

    // The figures.
    let mut by_status: BTreeMap<&str, usize> = BTreeMap::new();
    for booking in bookings.values() {
        *by_status.entry(booking.status.as_str()).or_default() += 1;
    }
    let signals = |s: Signal| chaos.stops.iter().filter(|x| x.signal == s).count();
    let slowest_drain = chaos
        .stops
        .iter()
        .filter(|s| s.signal == Signal::Term)
        .map(|s| s.took.as_secs_f64())
        .fold(0.0, f64::max);
    let mut figures = vec!["loadtest chaos: report".to_owned()];
    let mut by_how: BTreeMap<&str, BTreeSet<&str>> = BTreeMap::new();
    let remembered_list = load.remembered.lock().expect("remembered lock").clone();
    for r in &remembered_list {
        by_how.entry(r.how).or_default().insert(&r.id);
    }
    figures.push(format!(
        "  bookings           {} answered 202/200 and remembered ({}), {} in the show's list",
        remembered.len(),
        by_how
            .iter()
            .map(|(how, ids)| format!("{how} {}", ids.len()))
            .collect::<Vec<_>>()
            .join(", "),
        bookings.len()
    ));
    let unanswered: Vec<String> = bookings
        .values()
        .filter(|b| !remembered.contains(&b.id))
        .map(|b| format!("{} {}", b.id, b.status))
        .collect();
    if !unanswered.is_empty() {
        figures.push(format!(
            "  not named by any answer (e.g. a reply lost to a kill): {}",
            sample(&unanswered)
        ));
    }
    figures.push(format!(
        "  statuses           {}",
        by_status
            .iter()
            .map(|(s, n)| format!("{s} {n}"))
            .collect::<Vec<_>>()
            .join(", ")
    ));
    figures.push(format!(
        "  settling           {} not settled when the load stopped; {}",
        pending_at_stop.unwrap_or(0),
        match settled_after {
            Some(t) => format!("all settled {:.1} s after it", t.as_secs_f64()),
            None => format!("NOT all settled within {} s", SETTLE_WITHIN.as_secs()),
        }
    ));
    figures.push(format!(
        "  kills              {} ({} SIGKILL, {} SIGTERM; slowest drain {slowest_drain:.2} s, {} drain timeouts); slowest restart {:.2} s",
        chaos.stops.len(),
        signals(Signal::Kill),
        signals(Signal::Term),
        chaos.stops.iter().filter(|s| s.drain_timed_out).count(),
        chaos.restarts.iter().map(Duration::as_secs_f64).fold(0.0, f64::max)
    ));
    if world.cluster.is_some() {
        figures.push(format!(
            "  outages            Redis keys deleted {:?}, broker restarts {:?}",
            chaos.flushes, chaos.broker_restarts
        ));
    }
    figures.push(format!("  payments           {payments}"));
    figures.push(format!(
        "  seat map           version {}, {} sold, {} held, {} processing",
        snapshot.version,
        sold.len(),
        states_of(&snapshot.states, SeatState::Held).len(),
        states_of(&snapshot.states, SeatState::Processing).len()
    ));
    figures.push(format!(
        "  live observer      {} connects, {} snapshots, {} deltas, {} gaps, {} errors",
        seen.connects, seen.snapshots, seen.deltas, seen.gaps, seen.errors
    ));
    figures.push("  answers".to_owned());
    for (label, count) in load.tally.counts() {
        figures.push(format!("    {count:>6}  {label}"));
    }
    Ok(Verdict { figures, failures })
}

/// The show's bookings by id (admin listing), also written to `save_to` as JSON.
async fn list_bookings(
    admin: &mut Session,
    path: &str,
    save_to: Option<&std::path::Path>,
) -> anyhow::Result<BTreeMap<String, BookingView>> {
    let reply = admin.get(path).await?;
    if reply.status != 200 {
        bail!("{path} answered {}: {}", reply.status, reply.body);
    }
    if let Some(file) = save_to {
        std::fs::write(file, reply.body.to_string())?;
    }
    let list: Vec<BookingView> = serde_json::from_value(reply.body["bookings"].clone())
        .context("reading the booking list")?;
    Ok(list.into_iter().map(|b| (b.id.clone(), b)).collect())
}

fn states_of(states: &BTreeMap<SeatId, SeatState>, wanted: SeatState) -> BTreeSet<String> {
    states
        .iter()
        .filter(|(_, s)| **s == wanted)
        .map(|(seat, _)| seat.to_string())
        .collect()
}

fn state(states: &BTreeMap<SeatId, SeatState>, seat: &SeatId) -> &'static str {
    states
        .get(seat)
        .copied()
        .unwrap_or(SeatState::Available)
        .as_str()
}

/// The first few items, for a readable failure line.
pub(super) fn sample(items: &[String]) -> String {
    let mut text = items.iter().take(5).cloned().collect::<Vec<_>>().join("; ");
    if items.len() > 5 {
        text.push_str(&format!("; and {} more", items.len() - 5));
    }
    text
}
