//! Drives a [`Sale`] from the screens: [`dispatch`] feeds it an event and carries out the
//! effects it asks for (commands through the bridge, timers), feeding their answers back;
//! [`follow_live`] tells it about every change of the live map.

use dioxus::prelude::*;

use super::app::Ctx;
use super::bridge;
use crate::protocol::{Checkout, GetBooking, HoldSeats, PrintTickets, ReleaseHold};
use crate::sale::{Effect, Sale, SaleEvent, SaleState};

/// Applies `event` to the sale and runs what it asks for.
pub fn dispatch(ctx: Ctx, mut sale: Signal<Sale>, event: SaleEvent) {
    let effects = {
        let live = ctx.live.peek();
        sale.write().handle(event, live.as_ref())
    };
    for effect in effects {
        run(ctx, sale, effect);
    }
}

fn run(mut ctx: Ctx, sale: Signal<Sale>, effect: Effect) {
    match effect {
        Effect::ClearSelection => ctx.selection.write().clear(),
        Effect::Hold { show, seats } => {
            spawn(async move {
                let answer = bridge::invoke(&HoldSeats {
                    show_id: show,
                    seats,
                })
                .await;
                dispatch(ctx, sale, SaleEvent::HoldAnswered(answer));
            });
        }
        Effect::Release { hold } => {
            spawn(async move {
                let answer = bridge::invoke(&ReleaseHold { hold_id: hold }).await;
                dispatch(ctx, sale, SaleEvent::Released(answer));
            });
        }
        Effect::Checkout {
            hold,
            payment,
            cash_tendered,
            customer,
            ticket_types,
            coupon,
        } => {
            spawn(async move {
                let answer = bridge::invoke(&Checkout {
                    hold_id: hold,
                    payment,
                    cash_tendered,
                    customer_id: customer,
                    ticket_types,
                    coupon,
                })
                .await;
                dispatch(ctx, sale, SaleEvent::CheckoutAnswered(answer));
            });
        }
        Effect::FetchBooking { booking } => {
            spawn(async move {
                let answer = bridge::invoke(&GetBooking {
                    booking_id: booking,
                })
                .await;
                dispatch(ctx, sale, SaleEvent::BookingAnswered(answer));
            });
        }
        Effect::CheckLater { booking, after } => {
            spawn(async move {
                let millis = u32::try_from(after.as_millis()).unwrap_or(u32::MAX);
                gloo_timers::future::TimeoutFuture::new(millis).await;
                dispatch(ctx, sale, SaleEvent::CheckDue { booking });
            });
        }
        Effect::Print { booking } => {
            spawn(async move {
                let answer = bridge::invoke(&PrintTickets {
                    booking_id: booking,
                })
                .await;
                dispatch(ctx, sale, SaleEvent::Printed(answer));
            });
        }
    }
}

/// Tells the sale about every change of the live map while it follows a payment (the feed
/// says when the outcome is there: no polling).
pub fn follow_live(ctx: Ctx, sale: Signal<Sale>) {
    use_effect(move || {
        let _ = ctx.last_change.read();
        if matches!(sale.peek().state(), SaleState::Following { .. }) {
            dispatch(ctx, sale, SaleEvent::SeatsChanged);
        }
    });
}
