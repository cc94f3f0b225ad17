//! Expiry: expired holds are swept and cannot be confirmed, processing blocks expiry, and the
//! sweeper reports within a second.

use std::time::{Duration, Instant};

use eventory_server::seats::{spawn_sweeper, LedgerError, SeatChange};
use eventory_shared::{SeatId, SeatState};
use tokio::sync::mpsc;
use tokio_util::sync::CancellationToken;

use super::*;

pub(super) async fn expired_holds_cannot_be_confirmed_and_are_swept(ledger: Ledger) {
    let show = show_with(&ledger, &["A1", "A2"]).await;
    let (hold, held) = must_hold(
        &ledger,
        request(show, &["A1"], "x", Duration::from_millis(300)),
    )
    .await;
    tokio::time::sleep(Duration::from_millis(450)).await;
    let b = booking();
    assert!(matches!(
        ledger.confirm(show, hold.id, b, &hold.seats).await,
        Err(LedgerError::HoldExpired(_))
    ));
    assert!(matches!(
        ledger.extend(hold.id, LONG).await,
        Err(LedgerError::HoldExpired(_))
    ));
    assert!(matches!(
        ledger.mark_processing(hold.id, booking()).await,
        Err(LedgerError::HoldExpired(_))
    ));

    let released: Vec<SeatChange> = ledger
        .sweep_expired()
        .await
        .unwrap()
        .into_iter()
        .filter(|c| c.show_id == show)
        .collect();
    assert_eq!(released.len(), 1, "{released:?}");
    assert_eq!(released[0].state, SeatState::Available);
    assert_eq!(released[0].hold_id, Some(hold.id));
    assert_eq!(released[0].version, held.version + 1);
    assert_eq!(ledger.get_hold(hold.id).await.unwrap(), None);
    assert!(matches!(
        ledger.confirm(show, hold.id, b, &hold.seats).await,
        Err(LedgerError::HoldNotFound(_))
    ));
    assert!(ledger.snapshot(show).await.unwrap().seats.is_empty());
    // The seat is for sale again.
    must_hold(&ledger, request(show, &["A1"], "y", LONG)).await;
    // A second sweep finds nothing more of this show.
    assert!(ledger
        .sweep_expired()
        .await
        .unwrap()
        .iter()
        .all(|c| c.show_id != show));
}

pub(super) async fn processing_blocks_expiry(ledger: Ledger) {
    let show = show_with(&ledger, &["A1"]).await;
    let (hold, _) = must_hold(
        &ledger,
        request(show, &["A1"], "x", Duration::from_millis(250)),
    )
    .await;
    let b = booking();
    let change = ledger
        .mark_processing(hold.id, b)
        .await
        .unwrap()
        .expect("change");
    assert_eq!(change.state, SeatState::Processing);
    assert_eq!(
        ledger.mark_processing(hold.id, b).await.unwrap(),
        None,
        "repeat is harmless"
    );
    assert!(
        matches!(
            ledger.mark_processing(hold.id, booking()).await,
            Err(LedgerError::WrongHoldState(_))
        ),
        "a hold claimed for one booking refuses every other"
    );
    assert_eq!(
        ledger.get_hold(hold.id).await.unwrap().unwrap().booking,
        Some(b)
    );
    tokio::time::sleep(Duration::from_millis(400)).await;
    assert!(ledger
        .sweep_expired()
        .await
        .unwrap()
        .iter()
        .all(|c| c.show_id != show));
    let snap = ledger.snapshot(show).await.unwrap();
    assert_eq!(
        snap.seats[&"A1".parse::<SeatId>().unwrap()],
        SeatState::Processing
    );
    let sold = ledger
        .confirm(show, hold.id, b, &hold.seats)
        .await
        .unwrap()
        .expect("payment outcome still sells");
    assert_eq!(sold.state, SeatState::Sold);
}

pub(super) async fn sweeper_reports_expiry_within_one_second(ledger: Ledger) {
    let show = show_with(&ledger, &["A1"]).await;
    let (tx, mut rx) = mpsc::channel(16);
    let stop = CancellationToken::new();
    let task = spawn_sweeper(ledger.clone(), Duration::from_millis(100), tx, stop.clone());
    let (hold, _) = must_hold(
        &ledger,
        request(show, &["A1"], "x", Duration::from_millis(300)),
    )
    .await;
    let deadline = Instant::now() + Duration::from_secs(5);
    let change = loop {
        let change = tokio::time::timeout_at(deadline.into(), rx.recv())
            .await
            .expect("no release within 5 s")
            .expect("sweeper alive");
        if change.show_id == show {
            break change;
        }
    };
    let late = chrono::Utc::now() - hold.expires_at;
    assert_eq!(change.hold_id, Some(hold.id));
    assert_eq!(change.state, SeatState::Available);
    assert!(
        late < chrono::Duration::seconds(1),
        "released {late} after expiry"
    );
    stop.cancel();
    task.await.unwrap();
}
