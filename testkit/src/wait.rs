//! Polling for something that happens in the background (a payment worker, the relay, a
//! sweep), with one deadline and a failure message that says what was awaited.

use std::future::Future;
use std::time::Duration;

use eventory_server::AppState;
use eventory_shared::{Booking, BookingId, BookingStatus};

/// How long background work is given unless a test says otherwise: generous, because CI runs
/// two tests at a time on two cores next to the services.
pub const WAIT: Duration = Duration::from_secs(30);

/// How often `probe` is asked.
const POLL: Duration = Duration::from_millis(20);

/// Calls `probe` until it answers `Some`, and returns that; panics naming `what` if `within`
/// passes first.
pub async fn wait_until<T, F, Fut>(what: &str, within: Duration, mut probe: F) -> T
where
    F: FnMut() -> Fut,
    Fut: Future<Output = Option<T>>,
{
    let deadline = tokio::time::Instant::now() + within;
    loop {
        if let Some(found) = probe().await {
            return found;
        }
        assert!(
            tokio::time::Instant::now() < deadline,
            "timed out after {within:?} waiting for {what}"
        );
        tokio::time::sleep(POLL).await;
    }
}

/// The booking, once the store has it in `status` (read behind the API, so a test can wait for
/// states the caller's role could not see).
pub async fn booking_reaches(state: &AppState, id: BookingId, status: BookingStatus) -> Booking {
    let what = format!("booking {id} to be {status:?}");
    wait_until(&what, WAIT, || async {
        let record = state
            .store
            .booking(id)
            .await
            .expect("store answers")
            .expect("booking exists");
        (record.booking.status == status).then_some(record.booking)
    })
    .await
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn returns_what_the_probe_found() {
        let mut calls = 0;
        let found = wait_until("the third call", Duration::from_secs(5), || {
            calls += 1;
            let now = calls;
            async move { (now == 3).then_some(now) }
        })
        .await;
        assert_eq!(found, 3);
    }

    #[tokio::test]
    #[should_panic(expected = "waiting for nothing")]
    async fn names_what_never_happened() {
        wait_until::<(), _, _>("nothing", Duration::from_millis(50), || async { None }).await;
    }
}
