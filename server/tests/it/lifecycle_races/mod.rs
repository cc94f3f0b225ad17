//! Races in the booking lifecycle, through the real HTTP API of a server with its workers
//! running, in the embedded default and in cluster mode (Redis, MongoDB, Kafka): two checkouts
//! of one hold, two exchanges of one booking, an exchange against a refund, a refund of an
//! exchanged card payment, a flood of holds on a sold seat after Redis lost its keys, and the
//! reconciler finishing bookings whose events never came, and a show cancelled with a restart
//! midway (every booking refunded once).
//!
//! Money is counted in the simulated gateways' payment journal (a JSON-lines file per server):
//! every approved charge and every refund the gateways decided, once each.

mod cancellation;
mod checkouts;
mod exchanges;
mod harness;
mod recovery;

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Mode {
    Embedded,
    Cluster,
}

/// One test per mode for each case (`module::case`).
macro_rules! in_both_modes {
    ($($module:ident :: $case:ident),* $(,)?) => {$(
        mod $case {
            #[tokio::test(flavor = "multi_thread", worker_threads = 4)]
            async fn embedded() {
                super::$module::$case(super::Mode::Embedded).await;
            }

            #[tokio::test(flavor = "multi_thread", worker_threads = 4)]
            async fn cluster() {
                super::$module::$case(super::Mode::Cluster).await;
            }
        }
    )*};
}

in_both_modes!(
    checkouts::double_checkout,
    checkouts::double_checkout_with_one_idempotency_key,
    exchanges::double_exchange,
    exchanges::exchange_racing_a_refund,
    exchanges::refund_after_exchange_returns_the_original_payment,
    recovery::reconciler_finishes_bookings_whose_events_were_lost,
    cancellation::cancelling_a_show_refunds_everything_once_across_a_restart,
);

/// The FLUSH case needs the Redis ledger.
mod flush_then_a_flood_of_holds_on_a_sold_seat {
    #[tokio::test(flavor = "multi_thread", worker_threads = 4)]
    async fn cluster() {
        super::recovery::flush_then_a_flood_of_holds_on_a_sold_seat(super::Mode::Cluster).await;
    }
}
