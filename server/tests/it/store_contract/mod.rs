//! The store contract: every test runs against BOTH implementations — MongoDB (the real
//! MongoDB-compatible server started by `.ci/run`) and the embedded redb file. One file per
//! capability of the store port; `migration` has the upgrades from the first layout.

use std::collections::BTreeMap;
use std::sync::Arc;

use chrono::{Duration, Utc};
use eventory_server::store::*;
use eventory_shared::api::ShowFilter;
use eventory_shared::*;
use uuid::Uuid;

type Db = Arc<dyn Store>;

mod accounts;
mod bookings;
mod catalog;
mod migration;
mod reports;
mod rewards;

/// Generates one `#[tokio::test]` per contract case (`module::case`) and implementation.
macro_rules! contract {
    ($($module:ident :: $case:ident),* $(,)?) => {
        mod mongo_store {
            $(
                #[tokio::test(flavor = "multi_thread", worker_threads = 4)]
                async fn $case() {
                    let store: super::Db = std::sync::Arc::new(crate::support::mongo_store().await);
                    super::$module::$case(store).await;
                }
            )*
        }
        mod embedded_store {
            $(
                #[tokio::test(flavor = "multi_thread", worker_threads = 4)]
                async fn $case() {
                    let (store, _dir) = crate::support::embedded_store().await;
                    let store: super::Db = std::sync::Arc::new(store);
                    super::$module::$case(store).await;
                }
            )*
        }
    };
}

contract!(
    accounts::users_are_unique_by_email_and_lookups_are_injection_proof,
    accounts::refresh_tokens_work_once,
    accounts::refresh_families_and_accounts_are_revoked_together,
    catalog::shows_filter_by_date_and_venue,
    bookings::booking_and_outbox_are_written_together,
    bookings::booking_transitions_are_conditional_and_race_free,
    bookings::a_seat_cannot_be_sold_twice_even_bypassing_the_ledger,
    bookings::concurrent_confirms_of_one_seat_have_one_winner,
    bookings::refunds_free_the_seats_for_a_new_sale,
    bookings::a_refund_claim_voids_the_card_in_the_same_step,
    bookings::confirming_a_confirmed_booking_again_is_no_double_sale,
    bookings::an_exchange_is_claimed_once_with_its_new_booking,
    rewards::payments_events_rewards_and_coupons_are_once_only,
    rewards::loyalty_points_add_up_under_concurrency,
    rewards::rewards_reveal_once_and_void_only_unrevealed,
    rewards::a_claim_code_gives_its_card_to_one_customer,
    reports::sales_are_aggregated_by_day_channel_and_show,
    catalog::venues_and_shows_can_be_updated,
    reports::audit_log_lists_newest_first,
    migration::migrate_is_idempotent,
);

/// The time now, to the millisecond: what MongoDB keeps of a timestamp (BSON DateTime), so
/// records read back compare equal to the ones written on both backends.
fn now() -> chrono::DateTime<Utc> {
    use chrono::SubsecRound;
    Utc::now().trunc_subsecs(3)
}

fn user(email: &str, role: Role) -> UserRecord {
    UserRecord {
        id: UserId::from_uuid(Uuid::new_v4()),
        email: email.into(),
        display_name: "Test".into(),
        password_hash: "$argon2id$v=19$m=19456,t=2,p=1$c2FsdA$aGFzaA".into(),
        role,
        disabled: false,
        created_at: now(),
    }
}

/// A 3 x 5 venue and a show in it, on sale at 10.00 and starting `starts_in` from now; not
/// stored.
fn venue_and_show_records(title: &str, starts_in: Duration) -> (Venue, Show) {
    let venue = Venue {
        id: VenueId::from_uuid(Uuid::new_v4()),
        name: "Hall".into(),
        layout: VenueLayout::grid(3, 5, &CategoryId::new("standard"), None),
    };
    let starts_at = now() + starts_in;
    let show = Show {
        id: ShowId::from_uuid(Uuid::new_v4()),
        venue_id: venue.id,
        title: title.into(),
        description: String::new(),
        starts_at,
        prices: BTreeMap::from([(CategoryId::new("standard"), Money::new(1000, Currency::EUR))]),
        sale_opens_at: now() - Duration::hours(1),
        sale_closes_at: starts_at,
        status: ShowStatus::OnSale,
        ticket_types: Vec::new(),
    };
    (venue, show)
}

/// [`venue_and_show_records`], stored.
async fn venue_and_show(store: &Db, starts_in: Duration) -> (Venue, Show) {
    let (venue, show) = venue_and_show_records("Film", starts_in);
    store.insert_venue(&venue).await.unwrap();
    store.insert_show(&show).await.unwrap();
    (venue, show)
}

fn booking(show: ShowId, user: Option<UserId>, seats: &[&str], key: Option<&str>) -> BookingRecord {
    let now = now();
    let id = BookingId::from_uuid(Uuid::new_v4());
    BookingRecord {
        booking: Booking {
            id,
            code: id.to_string()[..8].to_uppercase(),
            show_id: show,
            user_id: user,
            customer_id: user,
            ticket_types: Default::default(),
            seats: seats.iter().map(|s| s.parse().unwrap()).collect(),
            amount: Money::new(1000 * seats.len() as i64, Currency::EUR),
            channel: Channel::Online,
            payment_method: PaymentMethod::Card,
            status: BookingStatus::Pending,
            created_at: now,
            updated_at: now,
        },
        hold_id: HoldId::from_uuid(Uuid::new_v4()),
        idempotency_key: key.map(str::to_owned),
        cash_tendered: None,
        coupon: None,
        exchange_of: None,
        exchange_to: None,
    }
}

fn outbox() -> OutboxEntry {
    OutboxEntry {
        id: Uuid::new_v4(),
        payload: "{}".into(),
        created_at: now(),
        sent_at: None,
    }
}

fn tickets(b: &BookingRecord) -> Vec<TicketRecord> {
    b.booking
        .seats
        .iter()
        .map(|seat| TicketRecord {
            id: TicketId::from_uuid(Uuid::new_v4()),
            booking_id: b.booking.id,
            show_id: b.booking.show_id,
            seat_id: seat.clone(),
            qr_token: Uuid::new_v4().to_string(),
            status: TicketStatus::Live,
            issued_at: now(),
            ticket_type: "adult".into(),
        })
        .collect()
}
