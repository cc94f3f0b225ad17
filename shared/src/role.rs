//! Who is acting: the role of an account decides what it may do and which desktop mode it gets.

use std::fmt;

use serde::{Deserialize, Serialize};

/// The role of an account.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum Role {
    /// Buys tickets for themself, online.
    Customer,
    /// Box-office staff: sells at the counter, takes cash, refunds and exchanges.
    Cashier,
    /// A self-service kiosk device account: sells by card only.
    Kiosk,
    /// Manages venues, shows, staff; sees all bookings, analytics and the audit log.
    Admin,
}

impl Role {
    pub const ALL: [Role; 4] = [Role::Customer, Role::Cashier, Role::Kiosk, Role::Admin];

    pub const fn as_str(self) -> &'static str {
        match self {
            Role::Customer => "customer",
            Role::Cashier => "cashier",
            Role::Kiosk => "kiosk",
            Role::Admin => "admin",
        }
    }

    /// Staff may sell at the counter, refund and exchange.
    pub const fn is_staff(self) -> bool {
        matches!(self, Role::Cashier | Role::Admin)
    }
}

impl fmt::Display for Role {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn roles_round_trip_as_snake_case() {
        for role in Role::ALL {
            let json = serde_json::to_string(&role).unwrap();
            assert_eq!(json, format!("\"{}\"", role.as_str()));
            assert_eq!(serde_json::from_str::<Role>(&json).unwrap(), role);
        }
        assert!(serde_json::from_str::<Role>("\"root\"").is_err());
        assert!(Role::Cashier.is_staff() && Role::Admin.is_staff());
        assert!(!Role::Kiosk.is_staff() && !Role::Customer.is_staff());
    }
}
