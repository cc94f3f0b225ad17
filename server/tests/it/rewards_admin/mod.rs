//! Rewards, loyalty, coupons and the admin API through the real server and services.

use std::time::Duration;

use crate::support::{booking_reaches, TestApi, TestServer};
use eventory_shared::*;

mod admin;
mod point_of_sale;
mod rewards;

/// A card sale of `seats` by `api`'s caller, once its rewards and points are granted.
async fn buy(server: &TestServer, api: &TestApi, show: ShowId, seats: &[&str]) -> Booking {
    let booking = api.card_sale(&server.state, show, seats).await;
    // Rewards and points are granted right after the confirmation.
    tokio::time::sleep(Duration::from_millis(200)).await;
    booking
}

/// Booking `id` once confirmed and its rewards and points granted.
async fn confirmed(server: &TestServer, id: BookingId) -> Booking {
    let booking = booking_reaches(&server.state, id, BookingStatus::Confirmed).await;
    // Rewards and points are granted right after the confirmation.
    tokio::time::sleep(Duration::from_millis(200)).await;
    booking
}
