//! The payment checks: the journal the simulated gateways write (one JSON line per decision,
//! `EVENTORY_PAYMENT_JOURNAL`) against the bookings. At most one charge per booking, at most
//! one refund per payment (of what was charged), and the approved charges less the refunds are
//! exactly what the confirmed bookings cost. (An exchange moves the original payment to the new
//! booking, so exchanged bookings need no rule of their own: the sums cover them.)

use std::collections::{BTreeMap, BTreeSet, HashMap};

use anyhow::Context;
use serde_json::Value;

use super::checks::sample;
use super::world::World;
use super::BookingView;

/// Reads the payment journal and checks it; returns a summary line and the problems.
pub fn check(
    world: &World,
    bookings: &BTreeMap<String, BookingView>,
    exchange_results: &BTreeSet<String>,
    confirmed_sum: i64,
) -> anyhow::Result<(String, Vec<String>)> {
    let text = std::fs::read_to_string(&world.journal).with_context(|| {
        format!(
            "cannot read {} (does the server write EVENTORY_PAYMENT_JOURNAL?)",
            world.journal.display()
        )
    })?;
    let mut problems = Vec::new();
    let mut charges: HashMap<String, Vec<(String, i64, bool)>> = HashMap::new();
    let mut charged_payments: HashMap<String, i64> = HashMap::new();
    let mut refunds: HashMap<String, Vec<i64>> = HashMap::new();
    let (mut approved, mut declined) = (0usize, 0usize);
    for (n, line) in text
        .lines()
        .enumerate()
        .filter(|(_, l)| !l.trim().is_empty())
    {
        let Ok(entry) = serde_json::from_str::<Value>(line) else {
            problems.push(format!(
                "payment journal line {}: unreadable: {line:?}",
                n + 1
            ));
            continue;
        };
        let text_of = |k: &str| entry[k].as_str().unwrap_or_default().to_owned();
        let amount = entry["amount_minor"].as_i64().unwrap_or_default();
        match entry["op"].as_str() {
            Some("charge") => {
                let ok = entry["approved"].as_bool() == Some(true);
                if ok {
                    approved += 1;
                    charged_payments.insert(text_of("payment_id"), amount);
                } else {
                    declined += 1;
                }
                charges.entry(text_of("booking_id")).or_default().push((
                    text_of("payment_id"),
                    amount,
                    ok,
                ));
            }
            Some("refund") => refunds
                .entry(text_of("payment_id"))
                .or_default()
                .push(amount),
            _ => problems.push(format!(
                "payment journal line {}: unknown op: {line}",
                n + 1
            )),
        }
    }
    let twice: Vec<String> = charges
        .iter()
        .filter(|(_, c)| c.len() > 1)
        .map(|(booking, c)| format!("booking {booking} charged {} times", c.len()))
        .collect();
    if !twice.is_empty() {
        problems.push(format!("CHARGED TWICE: {}", sample(&twice)));
    }
    let unknown: Vec<String> = charges
        .keys()
        .filter(|b| !bookings.contains_key(*b))
        .cloned()
        .collect();
    if !unknown.is_empty() {
        problems.push(format!(
            "charges for bookings not in the show's list: {}",
            sample(&unknown)
        ));
    }
    let mut refund_problems = Vec::new();
    for (payment, amounts) in &refunds {
        if amounts.len() > 1 {
            refund_problems.push(format!(
                "payment {payment} refunded {} times",
                amounts.len()
            ));
        }
        match charged_payments.get(payment) {
            None => refund_problems.push(format!("refund of {payment}: no approved charge")),
            Some(charged) if amounts.iter().any(|a| a != charged) => refund_problems.push(format!(
                "refund of {payment}: {amounts:?} for a charge of {charged}"
            )),
            Some(_) => {}
        }
    }
    if !refund_problems.is_empty() {
        problems.push(format!("refunds: {}", sample(&refund_problems)));
    }
    let charged: i64 = charged_payments.values().sum();
    let refunded: i64 = refunds.values().flatten().sum();
    if charged - refunded != confirmed_sum {
        problems.push(format!(
            "money: charged {charged} - refunded {refunded} = {}, but confirmed bookings total {confirmed_sum} (minor units)",
            charged - refunded
        ));
    }
    // Where the money went wrong, booking by booking (an exchange's new booking carries the
    // original's payment, so it has no charge of its own).
    let own_charge = |booking: &str| {
        charges
            .get(booking)
            .and_then(|c| c.iter().find(|(_, _, ok)| *ok))
            .map(|(payment, _, _)| refunds.contains_key(payment))
    };
    let mut by_rule: BTreeMap<&str, Vec<String>> = BTreeMap::new();
    for booking in bookings.values() {
        let rule = match (booking.status.as_str(), own_charge(&booking.id)) {
            ("confirmed", Some(true)) => "confirmed bookings whose payment was refunded",
            ("confirmed", None) if !exchange_results.contains(&booking.id) => {
                "confirmed bookings with no approved charge"
            }
            ("cancelled", Some(false)) => "cancelled bookings charged and not refunded",
            ("refunded", Some(false)) => "refunded bookings whose payment was not refunded",
            _ => continue,
        };
        by_rule.entry(rule).or_default().push(booking.id.clone());
    }
    for (rule, ids) in by_rule {
        problems.push(format!("{}: {}", rule, sample(&ids)));
    }
    let summary = format!(
        "{approved} charges approved ({charged}), {declined} declined, {} refunds ({refunded}); net {} = confirmed {confirmed_sum}",
        refunds.values().map(Vec::len).sum::<usize>(),
        charged - refunded
    );
    Ok((summary, problems))
}
