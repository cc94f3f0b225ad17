//! The Tauri commands: one line each on top of [`AppCore`]. Argument names are snake_case on
//! both sides (`rename_all`), values are the shared crate's types.

use chrono::NaiveDate;
use eventory_shared::api::{
    AnalyticsResponse, AuditView, CheckoutResponse, HoldResponse, RewardView, ScratchResponse,
    ShowDetail, ShowRequest, UserProfile, VenueRequest,
};
use eventory_shared::{
    Booking, BookingId, HoldId, Money, PaymentMethod, SeatId, Show, ShowId, Venue,
};
use eventory_ui::protocol::{BookingQuery, CommandError, DeviceSettings, TicketOutput};
use tauri::State;

use crate::app_core::AppCore;

type Answer<T> = Result<T, CommandError>;

#[tauri::command(rename_all = "snake_case")]
pub fn device_settings(core: State<'_, AppCore>) -> DeviceSettings {
    core.device_settings()
}

#[tauri::command(rename_all = "snake_case")]
pub async fn save_device_settings(
    core: State<'_, AppCore>,
    server_url: String,
    kiosk: bool,
) -> Answer<DeviceSettings> {
    core.save_device_settings(&server_url, kiosk).await
}

#[tauri::command(rename_all = "snake_case")]
pub async fn restore_session(core: State<'_, AppCore>) -> Answer<Option<UserProfile>> {
    core.restore_session().await
}

#[tauri::command(rename_all = "snake_case")]
pub async fn sign_in(
    core: State<'_, AppCore>,
    email: String,
    password: String,
) -> Answer<UserProfile> {
    core.sign_in(&email, &password).await
}

#[tauri::command(rename_all = "snake_case")]
pub async fn sign_out(core: State<'_, AppCore>) -> Answer<()> {
    core.sign_out().await
}

#[tauri::command(rename_all = "snake_case")]
pub async fn unlock_kiosk(core: State<'_, AppCore>, pin: String) -> Answer<()> {
    core.unlock_kiosk(&pin).await
}

#[tauri::command(rename_all = "snake_case")]
pub fn set_fullscreen(window: tauri::WebviewWindow, on: bool) -> Answer<()> {
    window
        .set_fullscreen(on)
        .map_err(|e| CommandError::local(e.to_string()))
}

#[tauri::command(rename_all = "snake_case")]
pub async fn shows(core: State<'_, AppCore>, date: Option<NaiveDate>) -> Answer<Vec<Show>> {
    core.shows(date).await
}

#[tauri::command(rename_all = "snake_case")]
pub async fn show(core: State<'_, AppCore>, show_id: ShowId) -> Answer<ShowDetail> {
    core.show(show_id).await
}

#[tauri::command(rename_all = "snake_case")]
pub async fn join_show(core: State<'_, AppCore>, show_id: ShowId) -> Answer<()> {
    core.join_show(show_id).await;
    Ok(())
}

#[tauri::command(rename_all = "snake_case")]
pub async fn leave_show(core: State<'_, AppCore>, show_id: ShowId) -> Answer<()> {
    core.leave_show(show_id).await;
    Ok(())
}

#[tauri::command(rename_all = "snake_case")]
pub async fn resync_show(core: State<'_, AppCore>, show_id: ShowId) -> Answer<()> {
    core.resync_show(show_id).await;
    Ok(())
}

#[tauri::command(rename_all = "snake_case")]
pub async fn hold(
    core: State<'_, AppCore>,
    show_id: ShowId,
    seats: Vec<SeatId>,
) -> Answer<HoldResponse> {
    core.hold(show_id, seats).await
}

#[tauri::command(rename_all = "snake_case")]
pub async fn release(core: State<'_, AppCore>, hold_id: HoldId) -> Answer<()> {
    core.release(hold_id).await
}

#[tauri::command(rename_all = "snake_case")]
pub async fn checkout(
    core: State<'_, AppCore>,
    hold_id: HoldId,
    payment: PaymentMethod,
    cash_tendered: Option<Money>,
) -> Answer<CheckoutResponse> {
    core.checkout(hold_id, payment, cash_tendered).await
}

#[tauri::command(rename_all = "snake_case")]
pub async fn booking(core: State<'_, AppCore>, booking_id: BookingId) -> Answer<Booking> {
    core.booking(booking_id).await
}

#[tauri::command(rename_all = "snake_case")]
pub async fn booking_by_code(core: State<'_, AppCore>, code: String) -> Answer<Booking> {
    core.booking_by_code(&code).await
}

#[tauri::command(rename_all = "snake_case")]
pub async fn my_bookings(core: State<'_, AppCore>) -> Answer<Vec<Booking>> {
    core.my_bookings().await
}

#[tauri::command(rename_all = "snake_case")]
pub async fn refund(
    core: State<'_, AppCore>,
    booking_id: BookingId,
    reason: String,
) -> Answer<Booking> {
    core.refund(booking_id, &reason).await
}

#[tauri::command(rename_all = "snake_case")]
pub async fn exchange(
    core: State<'_, AppCore>,
    booking_id: BookingId,
    hold_id: HoldId,
) -> Answer<Booking> {
    core.exchange(booking_id, hold_id).await
}

#[tauri::command(rename_all = "snake_case")]
pub async fn print_tickets(
    core: State<'_, AppCore>,
    booking_id: BookingId,
) -> Answer<TicketOutput> {
    core.print_tickets(booking_id).await
}

#[tauri::command(rename_all = "snake_case")]
pub async fn reward(core: State<'_, AppCore>, booking_id: BookingId) -> Answer<RewardView> {
    core.reward(booking_id).await
}

#[tauri::command(rename_all = "snake_case")]
pub async fn scratch(core: State<'_, AppCore>, booking_id: BookingId) -> Answer<ScratchResponse> {
    core.scratch(booking_id).await
}

#[tauri::command(rename_all = "snake_case")]
pub async fn admin_bookings(core: State<'_, AppCore>, query: BookingQuery) -> Answer<Vec<Booking>> {
    core.admin_bookings(&query).await
}

#[tauri::command(rename_all = "snake_case")]
pub async fn admin_export_csv(core: State<'_, AppCore>, query: BookingQuery) -> Answer<String> {
    core.admin_export_csv(&query).await
}

#[tauri::command(rename_all = "snake_case")]
pub async fn admin_analytics(core: State<'_, AppCore>) -> Answer<AnalyticsResponse> {
    core.admin_analytics().await
}

#[tauri::command(rename_all = "snake_case")]
pub async fn admin_audit(core: State<'_, AppCore>) -> Answer<Vec<AuditView>> {
    core.admin_audit().await
}

#[tauri::command(rename_all = "snake_case")]
pub async fn admin_venues(core: State<'_, AppCore>) -> Answer<Vec<Venue>> {
    core.admin_venues().await
}

#[tauri::command(rename_all = "snake_case")]
pub async fn admin_create_show(core: State<'_, AppCore>, request: ShowRequest) -> Answer<Show> {
    core.admin_create_show(&request).await
}

#[tauri::command(rename_all = "snake_case")]
pub async fn admin_create_venue(core: State<'_, AppCore>, request: VenueRequest) -> Answer<Venue> {
    core.admin_create_venue(&request).await
}
