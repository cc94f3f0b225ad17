//! Request and response bodies of the HTTP API, one struct per body.

use std::collections::BTreeMap;

use chrono::{DateTime, NaiveDate, Utc};
use serde::{Deserialize, Serialize};

use crate::booking::{Booking, Channel, PaymentMethod};
use crate::ids::{BookingId, HoldId, ShowId, UserId, VenueId};
use crate::money::Money;
use crate::role::Role;
use crate::seat::SeatId;
use crate::seat_map::SeatMap;
use crate::show::Show;

// ---- auth -------------------------------------------------------------------------------

/// `POST /api/auth/sign-up`: a new customer account.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct SignUpRequest {
    /// `name@domain.tld`: visible ASCII without spaces, one `@`, a dot inside the domain; at
    /// most 254 characters. Stored lower-case.
    #[cfg_attr(
        feature = "openapi",
        schema(pattern = r"^[!-?A-~]+@[!-?A-~]+\.[!-?A-~]+$", max_length = 254)
    )]
    pub email: String,
    /// 10 to 1024 characters.
    #[cfg_attr(feature = "openapi", schema(min_length = 10, max_length = 1024))]
    pub password: String,
    /// 1 to 100 characters, not all blank.
    #[cfg_attr(feature = "openapi", schema(pattern = r"\S", max_length = 100))]
    pub display_name: String,
}

/// `POST /api/auth/sign-in`.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct SignInRequest {
    pub email: String,
    pub password: String,
}

/// `POST /api/auth/refresh` and `POST /api/auth/sign-out`.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct RefreshRequest {
    pub refresh_token: String,
}

/// Answer to `POST /api/live/ticket`: open `/api/live?ticket=…` with it within `expires_in`
/// seconds; it works once.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct LiveTicket {
    pub ticket: String,
    pub expires_in: u64,
}

/// Answer to sign-in, sign-up and refresh.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct TokenPair {
    pub access_token: String,
    pub refresh_token: String,
    /// Seconds until the access token expires.
    pub expires_in: u64,
    pub user: UserProfile,
}

/// `GET /api/me`: the signed-in account.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct UserProfile {
    pub id: UserId,
    pub email: String,
    pub display_name: String,
    pub role: Role,
}

// ---- shows ------------------------------------------------------------------------------

/// Query of `GET /api/shows`.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema, utoipa::IntoParams))]
#[cfg_attr(feature = "openapi", into_params(parameter_in = Query))]
#[serde(deny_unknown_fields)]
pub struct ShowFilter {
    /// Shows starting on this day (UTC), `YYYY-MM-DD`.
    pub date: Option<NaiveDate>,
    /// Shows in this venue.
    pub venue_id: Option<VenueId>,
}

/// `GET /api/shows/{show}`: a show and its live seat map.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct ShowDetail {
    pub show: Show,
    pub venue_name: String,
    pub seat_map: SeatMap,
}

// ---- holds and checkout -----------------------------------------------------------------

/// `POST /api/shows/{show}/holds`: hold these seats, all or none.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct CreateHoldRequest {
    /// At least one seat, each once.
    #[cfg_attr(feature = "openapi", schema(min_items = 1))]
    pub seats: Vec<SeatId>,
}

/// A hold: `201` to `POST .../holds`, and the answer to extend.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct HoldResponse {
    pub hold_id: HoldId,
    pub show_id: ShowId,
    pub seats: Vec<SeatId>,
    pub expires_at: DateTime<Utc>,
}

/// `POST /api/holds/{hold}/checkout`.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct CheckoutRequest {
    pub payment: PaymentMethod,
    #[serde(default)]
    pub coupon: Option<String>,
    /// Staff: the customer the sale is for (from `GET /api/customers/lookup`); they earn its
    /// points and scratch card, and may redeem their coupon on it.
    #[serde(default)]
    pub customer_id: Option<UserId>,
    /// The ticket type of each seat that is not `adult` (ids from the show's types).
    #[serde(default)]
    pub ticket_types: BTreeMap<SeatId, String>,
    /// Cash at the counter: what the customer handed over.
    #[serde(default)]
    pub cash_tendered: Option<Money>,
}

/// `202` to checkout: the booking exists (pending); follow it live or by `GET`.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct CheckoutResponse {
    pub booking: Booking,
    /// Cash at the counter: change to hand back.
    pub change_due: Option<Money>,
}

/// Staff: `POST /api/bookings/{booking}/refund`.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct RefundRequest {
    /// Seats to refund; all seats of the booking if empty.
    #[serde(default)]
    pub seats: Vec<SeatId>,
    /// Why (for the audit log), not blank.
    #[cfg_attr(feature = "openapi", schema(pattern = r"\S"))]
    pub reason: String,
}

/// Staff: `POST /api/bookings/{booking}/exchange`: move a sold booking to other seats, possibly
/// of another show (the new seats must be held by `hold_id` first).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct ExchangeRequest {
    pub hold_id: HoldId,
}

/// A list of bookings (`GET /api/bookings/mine`, admin listings).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct BookingList {
    pub bookings: Vec<Booking>,
}

/// One ticket of a confirmed booking: the seat and the token its QR code carries.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct TicketView {
    pub id: crate::TicketId,
    pub seat: SeatId,
    /// The ticket type's name ("Child").
    #[serde(default)]
    pub ticket_type: String,
    pub qr_token: String,
    /// `false` once the booking was refunded or exchanged.
    pub valid: bool,
}

/// `GET /api/bookings/{booking}/tickets`: the booking, its show and its tickets (what a
/// printed ticket shows).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct BookingTickets {
    pub booking: Booking,
    pub show: Show,
    pub venue_name: String,
    pub tickets: Vec<TicketView>,
    /// A sale without a customer: the code that claims its scratch card into a customer's
    /// account, once (printed on the tickets; shown to the staff who sold it only).
    #[serde(default)]
    pub claim_code: Option<String>,
}

/// A booking and the channel it is attributed to, for staff views.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct BookingRef {
    pub booking_id: BookingId,
    pub code: String,
    pub channel: Channel,
}

// ---- rewards and loyalty ------------------------------------------------------------------

/// Whether a scratch card was scratched.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum RewardState {
    Unscratched,
    Revealed,
    Voided,
}

/// `GET /api/bookings/{booking}/reward`: the card, its prize only once revealed.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct RewardView {
    pub state: RewardState,
    pub prize: Option<String>,
    /// An unclaimed card of a sale without a customer: its claim code (staff only).
    #[serde(default)]
    pub claim_code: Option<String>,
}

/// `POST /api/admin/shows/{show}/cancel`, `GET /api/admin/shows/{show}/cancellation`: how far
/// the refunds of a cancelled show are.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct CancellationProgress {
    pub show_id: ShowId,
    /// Bookings of the show that were sold (confirmed at some point, and not exchanged away).
    pub bookings: u64,
    /// Of those, refunded.
    pub refunded: u64,
    /// Still to refund (confirmed, being refunded, or a payment still in flight).
    pub remaining: u64,
}

/// `POST /api/admin/shows/{show}/cancel`.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct CancelShowRequest {
    /// Why (kept in the audit log with every refund).
    #[cfg_attr(feature = "openapi", schema(pattern = r"\S", max_length = 500))]
    pub reason: String,
}

/// `POST /api/me/rewards/claim`: a claim code printed on a ticket.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct ClaimRequest {
    #[cfg_attr(feature = "openapi", schema(pattern = r"\S", max_length = 64))]
    pub code: String,
}

/// `GET /api/customers/lookup`: a customer found at the point of sale.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct CustomerView {
    pub id: UserId,
    pub display_name: String,
    pub member_code: String,
    pub points: i64,
    /// Their coupons not yet redeemed (usable on this sale with them attached).
    #[serde(default)]
    pub coupons: Vec<CouponView>,
}

/// `POST /api/bookings/{booking}/reward/scratch`.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct ScratchResponse {
    pub prize: String,
    /// True for exactly one scratch of a card; replays show the same prize.
    pub first_reveal: bool,
}

/// A coupon as its owner sees it.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct CouponView {
    pub code: String,
    pub percent_off: u32,
    pub redeemed: bool,
}

/// `GET /api/me/loyalty`.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct LoyaltyView {
    pub points: i64,
    pub coupons: Vec<CouponView>,
    /// A customer's member code (staff accounts have none: they never earn).
    #[serde(default)]
    pub member_code: Option<String>,
    /// What the member QR encodes (scanned at the counter or kiosk).
    #[serde(default)]
    pub member_qr: Option<String>,
}

// ---- admin --------------------------------------------------------------------------------

/// `POST /api/admin/venues`, `PUT /api/admin/venues/{venue}`.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct VenueRequest {
    pub name: String,
    pub layout: crate::venue::VenueLayout,
}

/// `POST /api/admin/shows`, `PUT /api/admin/shows/{show}`.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct ShowRequest {
    pub venue_id: VenueId,
    pub title: String,
    #[serde(default)]
    pub description: String,
    pub starts_at: DateTime<Utc>,
    pub prices: BTreeMap<crate::venue::CategoryId, Money>,
    pub sale_opens_at: DateTime<Utc>,
    pub sale_closes_at: DateTime<Utc>,
    pub status: crate::show::ShowStatus,
    /// Ticket types besides `adult` (child, senior, ...), each a discount or a price per
    /// category.
    #[serde(default)]
    pub ticket_types: Vec<crate::TicketType>,
}

/// `POST /api/admin/staff`: a cashier or kiosk account.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct StaffRequest {
    /// An address with an `@`, at most 254 characters.
    #[cfg_attr(feature = "openapi", schema(pattern = "@", max_length = 254))]
    pub email: String,
    /// At least 10 characters.
    #[cfg_attr(feature = "openapi", schema(min_length = 10))]
    pub password: String,
    /// 1 to 200 characters, not all blank.
    #[cfg_attr(feature = "openapi", schema(pattern = r"\S", max_length = 200))]
    pub display_name: String,
    /// `cashier` or `kiosk` (admins and customers are not staff accounts).
    #[cfg_attr(feature = "openapi", schema(schema_with = staff_role_schema))]
    pub role: Role,
}

/// The roles a staff account may have.
#[cfg(feature = "openapi")]
fn staff_role_schema() -> utoipa::openapi::Object {
    utoipa::openapi::ObjectBuilder::new()
        .schema_type(utoipa::openapi::schema::Type::String)
        .enum_values(Some([Role::Cashier, Role::Kiosk].map(|r| r.to_string())))
        .build()
}

/// Revenue of one day and channel.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct DayRevenue {
    /// "YYYY-MM-DD" (UTC).
    pub day: String,
    pub channel: Channel,
    pub bookings: u64,
    pub seats: u64,
    pub revenue_minor: i64,
}

/// Sales of one show.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct ShowSales {
    pub show_id: ShowId,
    pub bookings: u64,
    pub seats: u64,
    pub revenue_minor: i64,
}

/// Sales by day and channel, and by show (most seats first).
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct SalesReport {
    pub by_day: Vec<DayRevenue>,
    pub by_show: Vec<ShowSales>,
    /// Seats sold per ticket type id (`adult`, `child`, ...).
    #[serde(default)]
    pub by_ticket_type: BTreeMap<String, u64>,
}

/// Reward counts.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct RewardStats {
    pub issued: u64,
    pub revealed: u64,
    pub voided: u64,
}

/// Occupancy of one upcoming show.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct ShowOccupancy {
    pub show_id: ShowId,
    pub title: String,
    pub starts_at: DateTime<Utc>,
    pub sold: u64,
    pub capacity: u64,
}

/// `GET /api/admin/analytics`.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct AnalyticsResponse {
    pub from: DateTime<Utc>,
    pub to: DateTime<Utc>,
    pub sales: SalesReport,
    pub occupancy: Vec<ShowOccupancy>,
    pub rewards: RewardStats,
}

/// One audit log entry.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct AuditView {
    pub at: DateTime<Utc>,
    pub actor: Option<UserId>,
    pub action: String,
    pub subject: String,
    pub detail: String,
}

// ---- health -----------------------------------------------------------------------------

/// `GET /health`: the process is up.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct HealthResponse {
    pub status: String,
    pub version: String,
}

/// One backing service in `GET /ready`.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct ServiceReport {
    /// Which implementation serves the port ("redis", "in-process", "mongodb", "embedded",
    /// "kafka").
    pub backend: String,
    pub ok: bool,
    /// Round-trip time of the check in milliseconds, or what went wrong.
    pub detail: String,
}

/// `GET /ready`: 200 when every backing service answers, 503 otherwise.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct ReadyResponse {
    pub ready: bool,
    /// Keyed by port: "seat_ledger", "store", "event_bus".
    pub services: BTreeMap<String, ServiceReport>,
    /// The booking lifecycle as the reconciler last saw it (absent where it does not run).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub lifecycle: Option<LifecycleReport>,
}

/// How many bookings stopped moving, as the reconciler last counted them.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct LifecycleReport {
    /// Bookings not settled whose last change is older than `grace_secs` (each is being
    /// re-driven; a number that stays above 0 means a backing service keeps failing).
    pub stalled_bookings: u64,
    pub grace_secs: u64,
    pub last_reconciled_at: Option<DateTime<Utc>>,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hold_requests_parse_and_validate_seats() {
        let req: CreateHoldRequest = serde_json::from_str(r#"{"seats":["A1","b2"]}"#).unwrap();
        assert_eq!(req.seats[1].to_string(), "B2");
        assert!(serde_json::from_str::<CreateHoldRequest>(r#"{"seats":["A0"]}"#).is_err());
        assert!(serde_json::from_str::<CreateHoldRequest>(r#"{"seats":"A1"}"#).is_err());
        assert!(serde_json::from_str::<CreateHoldRequest>(r#"{"seats":[],"x":1}"#).is_err());
        assert!(
            serde_json::from_str::<CreateHoldRequest>(r#"{"seats":[{"$ne":null}]}"#).is_err(),
            "operator-shaped input is not a seat"
        );
    }

    #[test]
    fn checkout_defaults_optional_fields() {
        let req: CheckoutRequest = serde_json::from_str(r#"{"payment":"card"}"#).unwrap();
        assert_eq!(req.payment, PaymentMethod::Card);
        assert_eq!(req.coupon, None);
        let cash: CheckoutRequest = serde_json::from_str(
            r#"{"payment":"cash","cash_tendered":{"amount_minor":5000,"currency":"EUR"}}"#,
        )
        .unwrap();
        assert_eq!(cash.cash_tendered.unwrap().amount_minor, 5000);
    }

    #[test]
    fn ready_response_round_trips() {
        let ready = ReadyResponse {
            ready: false,
            services: BTreeMap::from([(
                "store".to_owned(),
                ServiceReport {
                    backend: "mongodb".into(),
                    ok: false,
                    detail: "connection refused".into(),
                },
            )]),
            lifecycle: Some(LifecycleReport {
                stalled_bookings: 2,
                grace_secs: 20,
                last_reconciled_at: None,
            }),
        };
        let json = serde_json::to_string(&ready).unwrap();
        assert_eq!(serde_json::from_str::<ReadyResponse>(&json).unwrap(), ready);
    }
}
