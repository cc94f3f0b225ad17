//! The event bus contract: every test runs against BOTH implementations — Kafka (the real
//! Kafka-protocol broker started by `.ci/run`) and the in-process bus.

use std::collections::HashMap;
use std::sync::Arc;
use std::time::Duration;

use eventory_server::bus::{Delivery, EventBus, MemoryBus, Subscription};
use eventory_shared::events::{DomainEvent, EventEnvelope, Topic};
use eventory_shared::{BookingId, Currency, Money};
use uuid::Uuid;

type Bus = Arc<dyn EventBus>;

macro_rules! contract {
    ($($case:ident),* $(,)?) => {
        mod kafka_bus {
            $(
                #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
                async fn $case() {
                    let bus: super::Bus = std::sync::Arc::new(crate::support::kafka_bus().await);
                    super::$case(bus).await;
                }
            )*
        }
        mod memory_bus {
            $(
                #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
                async fn $case() {
                    // The embedded default's bus: its log in a redb file.
                    let dir = tempfile::tempdir().unwrap();
                    let bus = super::MemoryBus::open(&dir.path().join("events.redb")).unwrap();
                    let bus: super::Bus = std::sync::Arc::new(bus);
                    super::$case(bus).await;
                }
            )*
        }
    };
}

contract!(
    events_reach_a_group_in_order_per_booking,
    every_group_sees_every_event,
    uncommitted_events_are_redelivered_to_the_next_consumer,
    unreadable_payloads_are_delivered_as_errors,
    a_waiting_consumer_gets_events_published_later,
);

/// The embedded bus across a restart (its process killed): every event published comes back
/// to a group that had not committed it, nothing it committed comes back.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_embedded_bus_loses_nothing_across_a_restart() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("events.redb");
    let booking = BookingId::from_uuid(Uuid::new_v4());
    let group = group();
    {
        let bus = MemoryBus::open(&path).unwrap();
        for n in 0..5 {
            bus.publish(&payment_failed(booking, n)).await.unwrap();
        }
        let mut sub = bus.subscribe(&group, &[Topic::Payments]).await.unwrap();
        for _ in 0..2 {
            let d = next(&mut sub).await;
            sub.commit(&d).await.unwrap();
        }
        let _handed_out_not_committed = next(&mut sub).await;
        // Dropped here without a clean stop, as a SIGKILL would.
    }
    let bus = MemoryBus::open(&path).unwrap();
    let mut sub = bus.subscribe(&group, &[Topic::Payments]).await.unwrap();
    let mut reasons = Vec::new();
    for _ in 0..3 {
        let d = next(&mut sub).await;
        let Ok(EventEnvelope {
            event: DomainEvent::PaymentFailed { reason, .. },
            ..
        }) = &d.envelope
        else {
            panic!("unexpected {d:?}");
        };
        reasons.push(reason.clone());
        sub.commit(&d).await.unwrap();
    }
    assert_eq!(reasons, ["attempt 2", "attempt 3", "attempt 4"]);
    assert!(
        tokio::time::timeout(Duration::from_millis(300), sub.next())
            .await
            .is_err(),
        "nothing committed comes back"
    );
}

/// What every known group committed is pruned from the embedded bus's log (it does not grow
/// for ever); a group joining later starts from what is left, like Kafka's "earliest".
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_embedded_bus_prunes_what_every_group_committed() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("events.redb");
    let booking = BookingId::from_uuid(Uuid::new_v4());
    let group = group();
    {
        let bus = MemoryBus::open(&path).unwrap();
        let mut sub = bus.subscribe(&group, &[Topic::Payments]).await.unwrap();
        for n in 0..300 {
            bus.publish(&payment_failed(booking, n)).await.unwrap();
        }
        for _ in 0..300 {
            let d = next(&mut sub).await;
            sub.commit(&d).await.unwrap();
        }
    }
    let bus = MemoryBus::open(&path).unwrap();
    let mut late = bus
        .subscribe(&self::group(), &[Topic::Payments])
        .await
        .unwrap();
    let first = next(&mut late).await;
    assert!(
        first.offset >= 256,
        "pruned up to the commit, got offset {}",
        first.offset
    );
    let mut again = bus.subscribe(&group, &[Topic::Payments]).await.unwrap();
    assert!(
        tokio::time::timeout(Duration::from_millis(300), again.next())
            .await
            .is_err(),
        "the group that committed everything gets nothing"
    );
}

fn payment_failed(booking: BookingId, n: u32) -> EventEnvelope {
    EventEnvelope::new(
        Uuid::new_v4(),
        chrono::Utc::now(),
        DomainEvent::PaymentFailed {
            booking_id: booking,
            reason: format!("attempt {n}"),
        },
    )
}

fn refunded(booking: BookingId) -> EventEnvelope {
    EventEnvelope::new(
        Uuid::new_v4(),
        chrono::Utc::now(),
        DomainEvent::PaymentRefunded {
            booking_id: booking,
            payment_id: Uuid::new_v4(),
            amount: Money::new(1250, Currency::EUR),
        },
    )
}

async fn next(sub: &mut Box<dyn Subscription>) -> Delivery {
    tokio::time::timeout(Duration::from_secs(30), sub.next())
        .await
        .expect("an event within 30 s")
        .expect("bus works")
}

fn group() -> String {
    format!("group-{}", Uuid::new_v4().simple())
}

async fn events_reach_a_group_in_order_per_booking(bus: Bus) {
    let (a, b) = (
        BookingId::from_uuid(Uuid::new_v4()),
        BookingId::from_uuid(Uuid::new_v4()),
    );
    let mut sent = Vec::new();
    for n in 0..5 {
        for booking in [a, b] {
            let event = payment_failed(booking, n);
            bus.publish(&event).await.unwrap();
            sent.push(event);
        }
    }
    let mut sub = bus.subscribe(&group(), &[Topic::Payments]).await.unwrap();
    let mut seen: HashMap<String, Vec<EventEnvelope>> = HashMap::new();
    for _ in 0..sent.len() {
        let delivery = next(&mut sub).await;
        assert_eq!(delivery.topic, Topic::Payments);
        let envelope = delivery.envelope.clone().expect("readable");
        assert_eq!(delivery.key, envelope.key(), "keyed by booking");
        seen.entry(delivery.key.clone()).or_default().push(envelope);
        sub.commit(&delivery).await.unwrap();
    }
    for booking in [a, b] {
        let expected: Vec<EventEnvelope> = sent
            .iter()
            .filter(|e| e.event.booking_id() == booking)
            .cloned()
            .collect();
        assert_eq!(
            seen[&booking.to_string()],
            expected,
            "one booking's events stay in order"
        );
    }
}

async fn every_group_sees_every_event(bus: Bus) {
    let booking = BookingId::from_uuid(Uuid::new_v4());
    let events = [payment_failed(booking, 1), refunded(booking)];
    for e in &events {
        bus.publish(e).await.unwrap();
    }
    for g in [group(), group()] {
        let mut sub = bus.subscribe(&g, &[Topic::Payments]).await.unwrap();
        for expected in &events {
            let delivery = next(&mut sub).await;
            assert_eq!(delivery.envelope.as_ref().unwrap(), expected);
            sub.commit(&delivery).await.unwrap();
        }
    }
}

async fn uncommitted_events_are_redelivered_to_the_next_consumer(bus: Bus) {
    let booking = BookingId::from_uuid(Uuid::new_v4());
    let events: Vec<EventEnvelope> = (0..3).map(|n| payment_failed(booking, n)).collect();
    for e in &events {
        bus.publish(e).await.unwrap();
    }
    let g = group();
    {
        let mut first = bus.subscribe(&g, &[Topic::Payments]).await.unwrap();
        let d0 = next(&mut first).await;
        let _d1 = next(&mut first).await;
        let _d2 = next(&mut first).await;
        assert_eq!(d0.envelope.as_ref().unwrap(), &events[0]);
        // Only the first event's effects became durable before this consumer died.
        first.commit(&d0).await.unwrap();
    }
    let mut second = bus.subscribe(&g, &[Topic::Payments]).await.unwrap();
    let d1 = next(&mut second).await;
    assert_eq!(
        d1.envelope.as_ref().unwrap(),
        &events[1],
        "resumes after the last commit"
    );
    let d2 = next(&mut second).await;
    assert_eq!(d2.envelope.as_ref().unwrap(), &events[2]);
}

async fn unreadable_payloads_are_delivered_as_errors(bus: Bus) {
    bus.publish_raw(Topic::DeadLetter, "k", b"{not json")
        .await
        .unwrap();
    let future = EventEnvelope {
        schema_version: 99,
        ..refunded(BookingId::from_uuid(Uuid::new_v4()))
    };
    bus.publish_raw(
        Topic::DeadLetter,
        "k",
        &serde_json::to_vec(&future).unwrap(),
    )
    .await
    .unwrap();
    let mut sub = bus.subscribe(&group(), &[Topic::DeadLetter]).await.unwrap();
    let garbage = next(&mut sub).await;
    assert!(garbage.envelope.is_err());
    assert_eq!(garbage.payload, b"{not json");
    let unknown_version = next(&mut sub).await;
    let err = unknown_version.envelope.unwrap_err();
    assert!(err.contains("schema version"), "{err}");
}

async fn a_waiting_consumer_gets_events_published_later(bus: Bus) {
    let mut sub = bus
        .subscribe(&group(), &[Topic::Bookings, Topic::Payments])
        .await
        .unwrap();
    let waiter = tokio::spawn(async move { next(&mut sub).await });
    tokio::time::sleep(Duration::from_millis(200)).await;
    let event = refunded(BookingId::from_uuid(Uuid::new_v4()));
    bus.publish(&event).await.unwrap();
    let delivery = waiter.await.unwrap();
    assert_eq!(delivery.envelope.unwrap(), event);
}

/// The consumer loop parks poison messages in the dead-letter topic and moves on: the events
/// after them are still handled, and a handler that keeps failing also ends up there.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_consumer_loop_dead_letters_poison_and_keeps_going() {
    use eventory_server::bus::consumer::{spawn_consumer, Handler};
    let bus: Bus = Arc::new(crate::support::kafka_bus().await);
    let good = refunded(BookingId::from_uuid(Uuid::new_v4()));
    let doomed = payment_failed(BookingId::from_uuid(Uuid::new_v4()), 0);
    bus.publish_raw(Topic::Payments, "poison", b"not an event")
        .await
        .unwrap();
    bus.publish(&doomed).await.unwrap();
    bus.publish(&good).await.unwrap();

    let (handled_tx, mut handled) = tokio::sync::mpsc::unbounded_channel();
    let doomed_id = doomed.event_id;
    let handler: Handler = Arc::new(move |event: EventEnvelope| {
        let handled_tx = handled_tx.clone();
        Box::pin(async move {
            if event.event_id == doomed_id {
                anyhow::bail!("this handler always fails for it");
            }
            handled_tx.send(event.event_id).unwrap();
            Ok(())
        })
    });
    let stop = tokio_util::sync::CancellationToken::new();
    let task = spawn_consumer(
        bus.clone(),
        "dlq-test",
        vec![Topic::Payments],
        handler,
        stop.clone(),
    );
    let id = tokio::time::timeout(Duration::from_secs(60), handled.recv())
        .await
        .expect("the good event is handled")
        .unwrap();
    assert_eq!(id, good.event_id);

    // Both land in the dead-letter topic (in no particular order: different partitions).
    let mut dead = bus.subscribe(&group(), &[Topic::DeadLetter]).await.unwrap();
    let parked = [next(&mut dead).await, next(&mut dead).await];
    assert!(parked.iter().any(|d| d.payload == b"not an event"));
    assert!(parked
        .iter()
        .any(|d| d.envelope.as_ref().is_ok_and(|e| e.event_id == doomed_id)));
    stop.cancel();
    task.await.unwrap();
}
