//! Which screens a signed-in account gets: chosen by its role and by how the device is set up.

use eventory_shared::Role;

/// The app's modes.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Mode {
    /// A cashier at the counter: sell, take cash or card, print, refund, exchange.
    BoxOffice,
    /// A self-service kiosk: full screen, large targets, card only.
    Kiosk,
    /// Shows, venues, bookings, analytics, audit.
    Admin,
}

/// Why an account cannot use this app.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct NotForThisApp(pub Role);

impl std::fmt::Display for NotForThisApp {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "A {} account cannot use the box-office app; use a cashier, kiosk or admin account.",
            self.0
        )
    }
}

impl Mode {
    /// The mode for `role` on a device set up as a kiosk (`kiosk_device`) or not. A kiosk
    /// device is always a kiosk; a kiosk account is always a kiosk; customers use the web shop.
    pub fn for_role(role: Role, kiosk_device: bool) -> Result<Mode, NotForThisApp> {
        match (role, kiosk_device) {
            (Role::Customer, _) => Err(NotForThisApp(role)),
            (Role::Kiosk, _) | (_, true) => Ok(Mode::Kiosk),
            (Role::Cashier, false) => Ok(Mode::BoxOffice),
            (Role::Admin, false) => Ok(Mode::Admin),
        }
    }

    pub fn title(self) -> &'static str {
        match self {
            Mode::BoxOffice => "Box office",
            Mode::Kiosk => "Kiosk",
            Mode::Admin => "Admin",
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn roles_pick_their_mode() {
        assert_eq!(Mode::for_role(Role::Cashier, false), Ok(Mode::BoxOffice));
        assert_eq!(Mode::for_role(Role::Admin, false), Ok(Mode::Admin));
        assert_eq!(Mode::for_role(Role::Kiosk, false), Ok(Mode::Kiosk));
        assert_eq!(Mode::for_role(Role::Cashier, true), Ok(Mode::Kiosk));
        assert_eq!(
            Mode::for_role(Role::Customer, false),
            Err(NotForThisApp(Role::Customer))
        );
    }
}
