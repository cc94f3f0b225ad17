//! Exponential backoff on the staff PIN: each wrong PIN doubles the wait before the next try
//! (1 s, 2 s, 4 s, ... up to 5 minutes); a right one resets it. Tries during the wait are
//! refused without looking at the PIN, so guessing a 6-digit PIN at the kiosk takes years.

use std::time::{Duration, Instant};

/// The longest wait after a run of wrong PINs.
pub const MAX_LOCKOUT: Duration = Duration::from_secs(300);

/// Failures so far and until when the next try is refused.
#[derive(Debug, Default)]
pub struct PinGuard {
    failures: u32,
    locked_until: Option<Instant>,
}

impl PinGuard {
    /// `Err(wait)` while a try is not allowed yet.
    pub fn check(&self, now: Instant) -> Result<(), Duration> {
        match self.locked_until {
            Some(until) if until > now => Err(until - now),
            _ => Ok(()),
        }
    }

    /// Records a wrong PIN; returns how long the next try must wait.
    pub fn failed(&mut self, now: Instant) -> Duration {
        self.failures = self.failures.saturating_add(1);
        let wait = Duration::from_secs(1u64 << (self.failures - 1).min(16)).min(MAX_LOCKOUT);
        self.locked_until = Some(now + wait);
        wait
    }

    /// The right PIN: the count starts again.
    pub fn succeeded(&mut self) {
        *self = Self::default();
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn each_wrong_pin_doubles_the_wait_up_to_a_cap() {
        let mut guard = PinGuard::default();
        let start = Instant::now();
        assert!(guard.check(start).is_ok());
        let waits: Vec<u64> = (0..12).map(|_| guard.failed(start).as_secs()).collect();
        assert_eq!(waits, [1, 2, 4, 8, 16, 32, 64, 128, 256, 300, 300, 300]);
        assert_eq!(guard.check(start), Err(MAX_LOCKOUT));
        assert!(guard.check(start + Duration::from_secs(299)).is_err());
        assert!(guard.check(start + MAX_LOCKOUT).is_ok());
        guard.succeeded();
        assert_eq!(
            guard.failed(start).as_secs(),
            1,
            "a right PIN resets the count"
        );
    }
}
