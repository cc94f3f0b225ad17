//! Exponential backoff on the staff PIN: each wrong PIN doubles the wait before the next try
//! (1 s, 2 s, 4 s, ... up to 5 minutes); a right one resets it. Tries during the wait are
//! refused without looking at the PIN, so guessing a 6-digit PIN at the kiosk takes years.
//! The count and the wait are kept in a file beside the device configuration (wall-clock
//! time), so restarting the app does not start the count again.

use std::path::Path;
use std::time::Duration;

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

/// The longest wait after a run of wrong PINs.
pub const MAX_LOCKOUT: Duration = Duration::from_secs(300);

/// Failures so far and until when the next try is refused.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct PinGuard {
    failures: u32,
    locked_until: Option<DateTime<Utc>>,
}

impl PinGuard {
    /// What `path` holds (a fresh guard if nothing, or something unreadable: then the longest
    /// wait, so deleting or garbling the file does not reset the count).
    pub fn load(path: &Path) -> Self {
        match std::fs::read_to_string(path) {
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => Self::default(),
            Ok(text) => serde_json::from_str(&text).unwrap_or_else(|_| Self::locked(Utc::now())),
            Err(_) => Self::locked(Utc::now()),
        }
    }

    fn locked(now: DateTime<Utc>) -> Self {
        Self {
            failures: 10,
            locked_until: Some(now + MAX_LOCKOUT),
        }
    }

    /// Keeps the state in `path` (atomically: a temporary file renamed over it).
    pub fn save(&self, path: &Path) -> std::io::Result<()> {
        let tmp = path.with_extension("tmp");
        std::fs::write(&tmp, serde_json::to_string(self).expect("serialises"))?;
        std::fs::rename(&tmp, path)
    }

    /// `Err(wait)` while a try is not allowed yet.
    pub fn check(&self, now: DateTime<Utc>) -> Result<(), Duration> {
        match self.locked_until {
            Some(until) if until > now => Err((until - now).to_std().unwrap_or(MAX_LOCKOUT)),
            _ => Ok(()),
        }
    }

    /// Records a wrong PIN; returns how long the next try must wait.
    pub fn failed(&mut self, now: DateTime<Utc>) -> Duration {
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
        let start = Utc::now();
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

    #[test]
    fn the_count_survives_a_restart_and_a_garbled_file_locks() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("pin-guard.json");
        let start = Utc::now();
        let mut guard = PinGuard::load(&path);
        for _ in 0..5 {
            guard.failed(start);
        }
        guard.save(&path).unwrap();
        let mut back = PinGuard::load(&path);
        assert_eq!(back, guard);
        assert_eq!(back.check(start), Err(Duration::from_secs(16)));
        assert_eq!(back.failed(start).as_secs(), 32, "the doubling goes on");
        std::fs::write(&path, "{not json").unwrap();
        assert!(PinGuard::load(&path).check(Utc::now()).is_err());
    }
}
