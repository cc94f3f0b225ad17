//! Who may see a booking (and so its tickets, their QR tokens, its scratch card): its buyer;
//! counter staff (cashiers, admins) any, found by code or id; a kiosk only the booking it just
//! made (to print it and show the scratch card), never the list of everything it ever sold.

use chrono::{DateTime, Duration, Utc};
use eventory_shared::{Booking, Role};

use crate::auth::Caller;

/// How long after its sale a kiosk may still see a booking it made.
pub const KIOSK_RECENT: Duration = Duration::minutes(15);

/// Whether `caller` may see `booking` at `now`.
pub fn may_see(caller: &Caller, booking: &Booking, now: DateTime<Utc>) -> bool {
    let made_it = booking.user_id == Some(caller.user_id);
    match caller.role {
        Role::Cashier | Role::Admin => true,
        Role::Kiosk => made_it && now - booking.created_at < KIOSK_RECENT,
        Role::Customer => made_it || booking.customer_id == Some(caller.user_id),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use eventory_shared::*;

    fn booking(user: UserId, customer: Option<UserId>, at: DateTime<Utc>) -> Booking {
        Booking {
            id: BookingId::from_uuid(uuid::Uuid::new_v4()),
            code: "ABCDEFGH".into(),
            show_id: ShowId::from_uuid(uuid::Uuid::new_v4()),
            user_id: Some(user),
            customer_id: customer,
            seats: vec!["A1".parse().unwrap()],
            ticket_types: Default::default(),
            amount: Money::new(1000, Currency::EUR),
            channel: Channel::Kiosk,
            payment_method: PaymentMethod::Card,
            status: BookingStatus::Confirmed,
            created_at: at,
            updated_at: at,
        }
    }

    fn caller(role: Role) -> Caller {
        Caller {
            user_id: UserId::from_uuid(uuid::Uuid::new_v4()),
            role,
        }
    }

    #[test]
    fn a_kiosk_sees_only_what_it_just_sold() {
        let now = Utc::now();
        let (kiosk, other_kiosk) = (caller(Role::Kiosk), caller(Role::Kiosk));
        let customer = caller(Role::Customer);
        let just_sold = booking(kiosk.user_id, Some(customer.user_id), now);
        assert!(may_see(&kiosk, &just_sold, now));
        assert!(!may_see(&other_kiosk, &just_sold, now));
        assert!(
            !may_see(&kiosk, &just_sold, now + KIOSK_RECENT),
            "not later"
        );
        assert!(
            may_see(&customer, &just_sold, now + Duration::days(30)),
            "the buyer"
        );
        assert!(!may_see(&caller(Role::Customer), &just_sold, now));
        assert!(may_see(&caller(Role::Cashier), &just_sold, now));
        assert!(may_see(&caller(Role::Admin), &just_sold, now));
    }
}
