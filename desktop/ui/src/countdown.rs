//! The visible countdown of a hold.

use chrono::{DateTime, Utc};

/// Below this many seconds the countdown warns (turns red, says so).
pub const WARN_BELOW_SECS: i64 = 60;

/// A hold's countdown.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct HoldCountdown {
    pub expires_at: DateTime<Utc>,
}

impl HoldCountdown {
    /// Whole seconds left at `now` (0 once expired).
    pub fn remaining_secs(&self, now: DateTime<Utc>) -> i64 {
        (self.expires_at - now).num_seconds().max(0)
    }

    pub fn is_expired(&self, now: DateTime<Utc>) -> bool {
        now >= self.expires_at
    }

    pub fn is_warning(&self, now: DateTime<Utc>) -> bool {
        !self.is_expired(now) && self.remaining_secs(now) < WARN_BELOW_SECS
    }

    /// "4:59", "0:07", "0:00".
    pub fn label(&self, now: DateTime<Utc>) -> String {
        let secs = self.remaining_secs(now);
        format!("{}:{:02}", secs / 60, secs % 60)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::Duration;

    #[test]
    fn counts_down_warns_and_expires() {
        let now = DateTime::from_timestamp(1_800_000_000, 0).unwrap();
        let countdown = HoldCountdown {
            expires_at: now + Duration::seconds(299),
        };
        assert_eq!(countdown.label(now), "4:59");
        assert!(!countdown.is_warning(now));
        let late = now + Duration::seconds(292);
        assert_eq!(countdown.label(late), "0:07");
        assert!(countdown.is_warning(late));
        let after = now + Duration::seconds(400);
        assert!(countdown.is_expired(after));
        assert!(!countdown.is_warning(after));
        assert_eq!(countdown.label(after), "0:00");
    }
}
