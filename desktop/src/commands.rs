//! The Tauri commands, registered once each by their request type from
//! [`eventory_ui::protocol`]: every command takes that request as its one argument
//! (`request`), answers its [`Command::Response`], and is one line on top of [`AppCore`].
//! The function a line generates is named after the request's [`Command::NAME`] (checked at
//! compile time), so the screens' `invoke(&request)` and the registration cannot drift apart.

use eventory_ui::protocol::{self as p, same_name, Command, CommandError};
use tauri::State;

use crate::app_core::AppCore;

/// What a command answers for request type `C`.
type Answer<C> = Result<<C as Command>::Response, CommandError>;

/// Generates one `#[tauri::command]` per line (`name(Request) => |core, request| body`) and
/// [`handler`], the invoke handler with all of them plus the hand-written `extra` ones.
macro_rules! commands {
    (
        extra: [$($extra:ident),* $(,)?];
        $( $name:ident($request:ty) => |$core:ident, $req:pat_param| $body:expr; )*
    ) => {
        $(
            #[tauri::command(rename_all = "snake_case")]
            async fn $name(core: State<'_, AppCore>, request: $request) -> Answer<$request> {
                const _: () = assert!(
                    same_name(stringify!($name), <$request as Command>::NAME),
                    "a command function is named after its request's Command::NAME"
                );
                let $core: &AppCore = &core;
                let $req = request;
                $body
            }
        )*

        /// The invoke handler of every command (give it to `tauri::Builder::invoke_handler`).
        pub fn handler() -> impl Fn(tauri::ipc::Invoke) -> bool + Send + Sync + 'static {
            tauri::generate_handler![$($name,)* $($extra,)*]
        }
    };
}

commands! {
    extra: [set_fullscreen];
    device_settings(p::GetDeviceSettings) => |core, _| Ok(core.device_settings());
    save_device_settings(p::SaveDeviceSettings) => |core, r| core.save_device_settings(&r.server_url, r.kiosk).await;
    restore_session(p::RestoreSession) => |core, _| core.restore_session().await;
    sign_in(p::SignIn) => |core, r| core.sign_in(&r.email, &r.password).await;
    sign_out(p::SignOut) => |core, _| core.sign_out().await;
    unlock_kiosk(p::UnlockKiosk) => |core, r| core.unlock_kiosk(&r.pin).await;
    unlock_with_admin(p::UnlockWithAdmin) => |core, r| core.unlock_with_admin(&r.email, &r.password).await;
    shows(p::ListShows) => |core, r| core.shows(r.date).await;
    show(p::GetShow) => |core, r| core.show(r.show_id).await;
    join_show(p::JoinShow) => |core, r| { core.join_show(r.show_id).await; Ok(()) };
    leave_show(p::LeaveShow) => |core, r| { core.leave_show(r.show_id).await; Ok(()) };
    resync_show(p::ResyncShow) => |core, r| { core.resync_show(r.show_id).await; Ok(()) };
    hold(p::HoldSeats) => |core, r| core.hold(r.show_id, r.seats).await;
    release(p::ReleaseHold) => |core, r| core.release(r.hold_id).await;
    checkout(p::Checkout) => |core, r| core.checkout(r.hold_id, r.payment, r.cash_tendered, r.customer_id, r.ticket_types, r.coupon).await;
    booking(p::GetBooking) => |core, r| core.booking(r.booking_id).await;
    booking_by_code(p::FindBooking) => |core, r| core.booking_by_code(&r.code).await;
    my_bookings(p::MyBookings) => |core, _| core.my_bookings().await;
    refund(p::Refund) => |core, r| core.refund(r.booking_id, &r.reason).await;
    exchange(p::Exchange) => |core, r| core.exchange(r.booking_id, r.hold_id).await;
    print_tickets(p::PrintTickets) => |core, r| core.print_tickets(r.booking_id).await;
    lookup_customer(p::LookupCustomer) => |core, r| core.lookup_customer(&r.query).await;
    reward(p::GetReward) => |core, r| core.reward(r.booking_id).await;
    scratch(p::Scratch) => |core, r| core.scratch(r.booking_id).await;
    admin_bookings(p::AdminBookings) => |core, r| core.admin_bookings(&r.query).await;
    admin_export_csv(p::AdminExportCsv) => |core, r| core.admin_export_csv(&r.query).await;
    admin_analytics(p::AdminAnalytics) => |core, _| core.admin_analytics().await;
    admin_audit(p::AdminAudit) => |core, _| core.admin_audit().await;
    admin_venues(p::AdminVenues) => |core, _| core.admin_venues().await;
    admin_create_show(p::AdminCreateShow) => |core, r| core.admin_create_show(&r.show).await;
    admin_cancel_show(p::AdminCancelShow) => |core, r| core.admin_cancel_show(r.show_id, &r.reason).await;
    admin_cancellation(p::AdminCancellation) => |core, r| core.admin_cancellation(r.show_id).await;
    admin_create_venue(p::AdminCreateVenue) => |core, r| core.admin_create_venue(&r.venue).await;
}

/// The one command about the window rather than [`AppCore`].
#[tauri::command(rename_all = "snake_case")]
fn set_fullscreen(
    window: tauri::WebviewWindow,
    request: p::SetFullscreen,
) -> Answer<p::SetFullscreen> {
    const _: () = assert!(same_name(
        "set_fullscreen",
        <p::SetFullscreen as Command>::NAME
    ));
    fullscreen(&window, request.on).map_err(|e| CommandError::local(e.to_string()))
}

/// The window full screen, or not. A kiosk may run on a bare X server without a window
/// manager (which is what grants full screen): the window is then also moved and sized to
/// cover its monitor.
pub fn fullscreen(window: &tauri::WebviewWindow, on: bool) -> tauri::Result<()> {
    window.set_fullscreen(on)?;
    if on {
        if let Some(monitor) = window.current_monitor()?.or(window.primary_monitor()?) {
            window.set_position(*monitor.position())?;
            window.set_size(*monitor.size())?;
        }
    }
    Ok(())
}
