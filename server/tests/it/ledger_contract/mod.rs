//! The seat ledger contract: every test here runs against BOTH implementations — the Redis
//! ledger on the real Redis started by `.ci/run`, and the in-process ledger — so the embedded
//! default and production keep exactly the same semantics. One file per topic: holds,
//! expiry, sales (confirm, refund, rebuild) and contention.

use std::sync::Arc;
use std::time::Duration;

use crate::support::seats;
use eventory_server::seats::{HoldOutcome, HoldRequest, MemoryLedger, SeatChange, SeatLedger};
use eventory_shared::{BookingId, ShowId};
use uuid::Uuid;

mod contention;
mod expiry;
mod holds;
mod limits;
mod sales;

type Ledger = Arc<dyn SeatLedger>;

/// Generates one `#[tokio::test]` per contract case (`module::case`) and implementation.
macro_rules! contract {
    ($($module:ident :: $case:ident),* $(,)?) => {
        mod redis_ledger {
            $(
                #[tokio::test(flavor = "multi_thread", worker_threads = 4)]
                async fn $case() {
                    let ledger: super::Ledger = std::sync::Arc::new(crate::support::redis_ledger().await);
                    super::$module::$case(ledger).await;
                }
            )*
        }
        mod memory_ledger {
            $(
                #[tokio::test(flavor = "multi_thread", worker_threads = 4)]
                async fn $case() {
                    let ledger: super::Ledger = std::sync::Arc::new(super::MemoryLedger::new());
                    super::$module::$case(ledger).await;
                }
            )*
        }
    };
}

contract!(
    holds::holds_are_all_or_nothing,
    holds::unknown_seats_and_shows_are_refused,
    holds::bad_seat_lists_are_refused,
    holds::every_change_gets_the_next_version,
    holds::idempotency_key_returns_the_same_hold,
    holds::extend_pushes_the_expiry_of_held_holds_only,
    limits::one_owner_holds_at_most_its_cap_even_in_parallel,
    limits::seats_count_again_once_a_hold_leaves,
    limits::extensions_never_pass_the_longest_life,
    expiry::expired_holds_cannot_be_confirmed_and_are_swept,
    expiry::processing_blocks_expiry,
    sales::confirm_is_idempotent_and_refund_touches_only_its_booking,
    sales::release_frees_the_seats,
    sales::a_show_lists_its_holds_held_and_in_payment,
    sales::restore_sold_rebuilds_lost_sales,
    sales::a_claimed_hold_sells_only_to_its_booking,
    sales::a_restored_sale_is_never_overwritten_by_processing,
    sales::a_show_registered_with_its_sales_never_hands_out_a_sold_seat,
    sales::claims_of_payments_in_flight_come_back_where_their_seats_are_free,
    contention::exactly_one_of_500_concurrent_holds_on_one_seat_wins,
    contention::randomised_contention_never_oversells_and_versions_have_no_gaps,
    expiry::sweeper_reports_expiry_within_one_second,
);

fn new_show() -> ShowId {
    ShowId::from_uuid(Uuid::new_v4())
}

fn booking() -> BookingId {
    BookingId::from_uuid(Uuid::new_v4())
}

fn request(show: ShowId, names: &[&str], owner: &str, ttl: Duration) -> HoldRequest {
    HoldRequest {
        show_id: show,
        seats: seats(names),
        owner: owner.to_owned(),
        ttl,
        idempotency_key: None,
        limits: eventory_server::seats::HoldLimits::GENEROUS,
    }
}

const LONG: Duration = Duration::from_secs(300);

async fn show_with(ledger: &Ledger, names: &[&str]) -> ShowId {
    let show = new_show();
    ledger.register_show(show, &seats(names)).await.unwrap();
    show
}

async fn must_hold(
    ledger: &Ledger,
    req: HoldRequest,
) -> (eventory_server::seats::Hold, SeatChange) {
    match ledger.hold(req).await.unwrap() {
        HoldOutcome::Held {
            hold,
            change: Some(change),
        } => (hold, change),
        other => panic!("expected a new hold, got {other:?}"),
    }
}
