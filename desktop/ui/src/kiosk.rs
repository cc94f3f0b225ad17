//! Kiosk behaviour that is not drawing: the inactivity reset, and when a kiosk is out of
//! order.

use chrono::{DateTime, Duration, Utc};

/// The ticket type the kiosk asks about ("How many children?").
pub const CHILD: &str = "child";

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

/// Why nobody can buy at a kiosk device that has no kiosk session (shown on its "out of
/// order" screen instead of the sign-in screen, which only staff see, after the PIN).
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum OutOfOrder {
    /// The server could not be reached when the session was to be resumed (retried).
    Unreachable,
    /// No session to resume: staff must sign the kiosk account in.
    NotSignedIn,
}

/// What a device shows when nobody is signed in: `None` is the sign-in screen. A kiosk device
/// is out of order until staff unlock it with the PIN.
pub fn out_of_order(
    kiosk_device: bool,
    staff_unlocked: bool,
    server_unreachable: bool,
) -> Option<OutOfOrder> {
    match (kiosk_device && !staff_unlocked, server_unreachable) {
        (false, _) => None,
        (true, true) => Some(OutOfOrder::Unreachable),
        (true, false) => Some(OutOfOrder::NotSignedIn),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_kiosk_without_a_session_is_out_of_order_not_a_sign_in_screen() {
        assert_eq!(out_of_order(false, false, true), None, "a counter signs in");
        assert_eq!(
            out_of_order(true, false, true),
            Some(OutOfOrder::Unreachable)
        );
        assert_eq!(
            out_of_order(true, false, false),
            Some(OutOfOrder::NotSignedIn)
        );
        assert_eq!(out_of_order(true, true, true), None, "staff gave the PIN");
    }

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
