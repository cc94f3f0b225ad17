//! Retry delays of the event pipeline (backon's exponential backoff, with jitter so that many
//! instances retrying after one outage do not knock in step).

use std::time::Duration;

use backon::{BackoffBuilder, ExponentialBuilder};

use super::consumer::MAX_ATTEMPTS;

/// Delays between attempts to reach a backing service again (subscribe, relay): 100 ms
/// doubling to 5 s, for as long as it takes. Start a new one after a success.
pub fn reconnect() -> impl Iterator<Item = Duration> + Send {
    ExponentialBuilder::default()
        .with_min_delay(Duration::from_millis(100))
        .with_max_delay(Duration::from_secs(5))
        .with_jitter()
        .without_max_times()
        .build()
}

/// Delays between the attempts of one event's handler: 100 ms doubling to 3.2 s, then the
/// event is dead-lettered after [`MAX_ATTEMPTS`] attempts in all.
pub fn handler_retries() -> impl Iterator<Item = Duration> + Send {
    ExponentialBuilder::default()
        .with_min_delay(Duration::from_millis(100))
        .with_max_delay(Duration::from_millis(3200))
        .with_jitter()
        .with_max_times(MAX_ATTEMPTS as usize - 1)
        .build()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn handler_retries_end_after_the_last_attempt() {
        let waits: Vec<Duration> = handler_retries().collect();
        assert_eq!(waits.len(), MAX_ATTEMPTS as usize - 1);
        assert!(waits.iter().all(|w| *w <= Duration::from_millis(6400)));
    }

    #[test]
    fn reconnecting_never_gives_up_and_stays_bounded() {
        let waits: Vec<Duration> = reconnect().take(100).collect();
        assert_eq!(waits.len(), 100);
        assert!(waits.iter().all(|w| *w <= Duration::from_secs(10)));
    }
}
