//! Every command, one request struct each (its fields are the command's arguments), bound to
//! its name and response type. Adding a command: a struct here, a method on the native side's
//! `AppCore`, and one line in its `commands.rs` registration.

use chrono::NaiveDate;
use eventory_shared::api::{
    AnalyticsResponse, AuditView, CancellationProgress, CheckoutResponse, CustomerView,
    HoldResponse, RewardView, ScratchResponse, ShowDetail, ShowRequest, UserProfile, VenueRequest,
};
use eventory_shared::{
    Booking, BookingId, HoldId, Money, PaymentMethod, SeatId, Show, ShowId, UserId, Venue,
};
use serde::{Deserialize, Serialize};

use super::{BookingQuery, Command, DeviceSettings, TicketOutput};

/// Binds a request type to its command name and response type.
macro_rules! command {
    ($request:ident => $name:literal, $response:ty) => {
        impl Command for $request {
            const NAME: &'static str = $name;
            type Response = $response;
        }
    };
}

// ---- device and session ----

/// How this device is set up.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct GetDeviceSettings {}
command!(GetDeviceSettings => "device_settings", DeviceSettings);

/// Points the app at another server (signing out of the old one) and/or makes it a kiosk.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct SaveDeviceSettings {
    pub server_url: String,
    pub kiosk: bool,
}
command!(SaveDeviceSettings => "save_device_settings", DeviceSettings);

/// Signs in with the session saved in the OS keyring, if it is still valid.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct RestoreSession {}
command!(RestoreSession => "restore_session", Option<UserProfile>);

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct SignIn {
    pub email: String,
    pub password: String,
}
command!(SignIn => "sign_in", UserProfile);

#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct SignOut {}
command!(SignOut => "sign_out", ());

/// Checks the staff PIN that leaves kiosk mode.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct UnlockKiosk {
    pub pin: String,
}
command!(UnlockKiosk => "unlock_kiosk", ());

/// An admin's email and password instead of the staff PIN (checked by the server).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct UnlockWithAdmin {
    pub email: String,
    pub password: String,
}
command!(UnlockWithAdmin => "unlock_with_admin", ());

/// The window full screen (kiosk) or not.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct SetFullscreen {
    pub on: bool,
}
command!(SetFullscreen => "set_fullscreen", ());

// ---- shows and the live feed ----

/// The shows of a day (all upcoming without one).
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct ListShows {
    pub date: Option<NaiveDate>,
}
command!(ListShows => "shows", Vec<Show>);

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct GetShow {
    pub show_id: ShowId,
}
command!(GetShow => "show", ShowDetail);

/// Follows a show on the live feed (its snapshot arrives as a live update).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct JoinShow {
    pub show_id: ShowId,
}
command!(JoinShow => "join_show", ());

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct LeaveShow {
    pub show_id: ShowId,
}
command!(LeaveShow => "leave_show", ());

/// Asks for a fresh snapshot of a followed show (after a version gap).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct ResyncShow {
    pub show_id: ShowId,
}
command!(ResyncShow => "resync_show", ());

// ---- selling ----

/// Holds seats (all or nothing).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct HoldSeats {
    pub show_id: ShowId,
    pub seats: Vec<SeatId>,
}
command!(HoldSeats => "hold", HoldResponse);

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct ReleaseHold {
    pub hold_id: HoldId,
}
command!(ReleaseHold => "release", ());

/// Pays for a hold: the booking (pending) and, for cash, the change due.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Checkout {
    pub hold_id: HoldId,
    pub payment: PaymentMethod,
    pub cash_tendered: Option<Money>,
    /// The customer attached to the sale (they earn its points and scratch card).
    #[serde(default)]
    pub customer_id: Option<UserId>,
    /// The ticket type of each seat that is not `adult`.
    #[serde(default)]
    pub ticket_types: std::collections::BTreeMap<SeatId, String>,
    /// The attached customer's coupon to redeem.
    #[serde(default)]
    pub coupon: Option<String>,
}
command!(Checkout => "checkout", CheckoutResponse);

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct GetBooking {
    pub booking_id: BookingId,
}
command!(GetBooking => "booking", Booking);

/// Staff: the booking with a code printed on its tickets.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct FindBooking {
    pub code: String,
}
command!(FindBooking => "booking_by_code", Booking);

/// The signed-in account's bookings (a cashier's: what they sold).
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct MyBookings {}
command!(MyBookings => "my_bookings", Vec<Booking>);

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Refund {
    pub booking_id: BookingId,
    pub reason: String,
}
command!(Refund => "refund", Booking);

/// Moves a sold booking onto the seats of a hold.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Exchange {
    pub booking_id: BookingId,
    pub hold_id: HoldId,
}
command!(Exchange => "exchange", Booking);

/// Renders the booking's tickets, saves them, and prints them if a printer is configured.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct PrintTickets {
    pub booking_id: BookingId,
}
command!(PrintTickets => "print_tickets", TicketOutput);

/// The customer a scanned member QR, a member code or an email names.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct LookupCustomer {
    pub query: String,
}
command!(LookupCustomer => "lookup_customer", CustomerView);

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct GetReward {
    pub booking_id: BookingId,
}
command!(GetReward => "reward", RewardView);

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Scratch {
    pub booking_id: BookingId,
}
command!(Scratch => "scratch", ScratchResponse);

// ---- admin ----

#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct AdminBookings {
    pub query: BookingQuery,
}
command!(AdminBookings => "admin_bookings", Vec<Booking>);

/// Saves the CSV export of the bookings matching `query`; answers the file's path.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct AdminExportCsv {
    pub query: BookingQuery,
}
command!(AdminExportCsv => "admin_export_csv", String);

#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct AdminAnalytics {}
command!(AdminAnalytics => "admin_analytics", AnalyticsResponse);

#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct AdminAudit {}
command!(AdminAudit => "admin_audit", Vec<AuditView>);

#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct AdminVenues {}
command!(AdminVenues => "admin_venues", Vec<Venue>);

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct AdminCreateShow {
    pub show: ShowRequest,
}
command!(AdminCreateShow => "admin_create_show", Show);

/// Cancels a show: every sold booking is refunded (by the server, also after a restart).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct AdminCancelShow {
    pub show_id: ShowId,
    pub reason: String,
}
command!(AdminCancelShow => "admin_cancel_show", CancellationProgress);

/// How far the refunds of a cancelled show are.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct AdminCancellation {
    pub show_id: ShowId,
}
command!(AdminCancellation => "admin_cancellation", CancellationProgress);

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct AdminCreateVenue {
    pub venue: VenueRequest,
}
command!(AdminCreateVenue => "admin_create_venue", Venue);

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_request_is_its_arguments_by_name() {
        let show_id: ShowId = "6f9619ff-8b86-d011-b42d-00cf4fc964ff".parse().unwrap();
        let request = HoldSeats {
            show_id,
            seats: vec!["C12".parse().unwrap()],
        };
        assert_eq!(HoldSeats::NAME, "hold");
        let json = serde_json::to_value(&request).unwrap();
        assert_eq!(
            json,
            serde_json::json!({"show_id": show_id, "seats": ["C12"]})
        );
        let back: HoldSeats = serde_json::from_value(json).unwrap();
        assert_eq!(back, request);
    }

    #[test]
    fn argument_free_commands_are_an_empty_object() {
        assert_eq!(serde_json::to_string(&SignOut {}).unwrap(), "{}");
        let _: SignOut = serde_json::from_str("{}").unwrap();
        let _: <SignOut as Command>::Response = serde_json::from_str("null").unwrap();
    }
}
