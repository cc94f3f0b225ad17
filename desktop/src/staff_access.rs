//! Who may close the window of a kiosk, leave kiosk mode or change its device settings: a
//! kiosk (a device set up as one, or a kiosk account signed in) is locked; the staff PIN
//! unlocks it for a few minutes, and so does an admin's sign-in. Everything else is free.

use std::time::{Duration, Instant};

use eventory_shared::Role;

/// How long the staff PIN (or an admin's password) unlocks a kiosk.
pub const STAFF_WINDOW: Duration = Duration::from_secs(5 * 60);

/// The signed-in role and the last staff unlock.
#[derive(Debug, Default)]
pub struct StaffAccess {
    role: Option<Role>,
    unlocked_until: Option<Instant>,
}

impl StaffAccess {
    /// A session started (sign-in or restored): a new kiosk session ends any staff unlock.
    pub fn signed_in(&mut self, role: Role) {
        self.role = Some(role);
        if role == Role::Kiosk {
            self.unlocked_until = None;
        }
    }

    pub fn signed_out(&mut self) {
        self.role = None;
    }

    /// The staff PIN (or an admin's password) was given.
    pub fn unlock(&mut self, now: Instant) {
        self.unlocked_until = Some(now + STAFF_WINDOW);
    }

    /// Whether this device behaves as a kiosk now.
    pub fn locked(&self, kiosk_device: bool) -> bool {
        kiosk_device || self.role == Some(Role::Kiosk)
    }

    /// Whether staff may do what a kiosk refuses customers (close, settings).
    pub fn allows(&self, kiosk_device: bool, now: Instant) -> bool {
        !self.locked(kiosk_device)
            || self.role == Some(Role::Admin)
            || self.unlocked_until.is_some_and(|until| until > now)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_kiosk_is_locked_until_staff_unlock_it() {
        let now = Instant::now();
        let mut access = StaffAccess::default();
        assert!(access.allows(false, now), "a counter is not locked");
        assert!(
            !access.allows(true, now),
            "a kiosk device is, even signed out"
        );
        access.signed_in(Role::Kiosk);
        assert!(
            !access.allows(false, now),
            "a kiosk account is, on any device"
        );
        access.unlock(now);
        assert!(access.allows(false, now));
        assert!(access.allows(true, now + STAFF_WINDOW - Duration::from_secs(1)));
        assert!(
            !access.allows(true, now + STAFF_WINDOW),
            "for a few minutes"
        );
        access.signed_out();
        assert!(
            access.allows(true, now),
            "still unlocked after leaving kiosk mode"
        );
        access.signed_in(Role::Kiosk);
        assert!(
            !access.allows(true, now),
            "the next kiosk session locks again"
        );
        access.signed_out();
        access.signed_in(Role::Admin);
        assert!(
            access.allows(true, now),
            "an admin may change a kiosk's settings"
        );
        access.signed_in(Role::Cashier);
        assert!(
            !access.allows(true, now),
            "a cashier on a kiosk device may not"
        );
    }
}
