//! Kiosk behaviour that is not drawing: the inactivity reset.

use chrono::{DateTime, Duration, Utc};

/// A kiosk returns to its attract screen after this long without a touch or key.
pub const IDLE_RESET: Duration = Duration::seconds(60);

/// Tracks the last touch; says when the kiosk must reset (release any hold, back to attract).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Inactivity {
    last_activity: DateTime<Utc>,
    timeout: Duration,
}

impl Inactivity {
    pub fn new(now: DateTime<Utc>, timeout: Duration) -> Self {
        Self {
            last_activity: now,
            timeout,
        }
    }

    /// A touch, click or key press.
    pub fn touch(&mut self, now: DateTime<Utc>) {
        if now > self.last_activity {
            self.last_activity = now;
        }
    }

    /// Whether the kiosk has been idle long enough to reset.
    pub fn should_reset(&self, now: DateTime<Utc>) -> bool {
        now - self.last_activity >= self.timeout
    }

    /// Seconds left before the reset (for a "still there?" hint).
    pub fn seconds_left(&self, now: DateTime<Utc>) -> i64 {
        (self.timeout - (now - self.last_activity))
            .num_seconds()
            .max(0)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn resets_after_a_minute_without_touches() {
        let t0 = DateTime::from_timestamp(1_800_000_000, 0).unwrap();
        let mut idle = Inactivity::new(t0, IDLE_RESET);
        assert!(!idle.should_reset(t0 + Duration::seconds(59)));
        idle.touch(t0 + Duration::seconds(50));
        assert!(!idle.should_reset(t0 + Duration::seconds(100)));
        assert_eq!(idle.seconds_left(t0 + Duration::seconds(100)), 10);
        assert!(idle.should_reset(t0 + Duration::seconds(110)));
        // A late-arriving older touch does not move the clock back.
        idle.touch(t0);
        assert!(idle.should_reset(t0 + Duration::seconds(110)));
    }
}
