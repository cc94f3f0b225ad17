//! The root: device settings, the session, the live feed, and which mode's screens show.

use chrono::{DateTime, Utc};
use dioxus::core::spawn_forever;
use dioxus::prelude::*;
use eventory_shared::api::UserProfile;
use eventory_shared::ShowId;
use futures::StreamExt;

use super::bridge;
use super::kiosk::{OutOfOrderScreen, PinDialog, PinPurpose};
use crate::kiosk::out_of_order;
use crate::live_map::{LiveMap, MapEvent};
use crate::mode::Mode;
use crate::protocol::{DeviceSettings, LiveUpdate, CLOSE_REFUSED_EVENT};
use crate::protocol::{
    GetDeviceSettings, JoinShow, LeaveShow, RestoreSession, ResyncShow, SetFullscreen, SignOut,
};
use crate::selection::Selection;

/// Most seats one sale may take (the server enforces its own maximum too).
pub const MAX_SEATS: usize = 10;

/// What every screen shares. Signals are `Copy`: the struct is passed by value.
#[derive(Clone, Copy)]
pub struct Ctx {
    pub settings: Signal<Option<DeviceSettings>>,
    pub user: Signal<Option<UserProfile>>,
    pub signed_in_at: Signal<DateTime<Utc>>,
    /// Whether the live feed is up (a banner shows while it is not).
    pub connected: Signal<bool>,
    /// Why the live feed last dropped (a refused certificate says what to fix).
    pub disconnect_reason: Signal<Option<String>>,
    /// The live map of the show on screen.
    pub live: Signal<Option<LiveMap>>,
    pub selection: Signal<Selection>,
    /// Seats that changed in the last update, and whether one of them is ours (the screens
    /// watch this to follow a payment without polling).
    pub last_change: Signal<(u64, Vec<eventory_shared::SeatId>)>,
    /// The staff PIN screen, open for this purpose (a close request on a kiosk opens it).
    pub pin_prompt: Signal<Option<PinPurpose>>,
    /// Staff gave the PIN (or an admin's password) since the last kiosk session: a kiosk
    /// device shows the sign-in screen and its settings instead of "out of order".
    pub staff_unlocked: Signal<bool>,
    /// The device settings panel of the sign-in screen is open.
    pub settings_open: Signal<bool>,
}

impl Ctx {
    /// The mode of the signed-in account on this device.
    pub fn mode(&self) -> Option<Result<Mode, String>> {
        let user = self.user.read();
        let user = user.as_ref()?;
        let kiosk = self.settings.read().as_ref().is_some_and(|s| s.kiosk);
        Some(Mode::for_role(user.role, kiosk).map_err(|e| e.to_string()))
    }

    /// Shows `show` on the live map: leaves the previous one, joins this one (the snapshot
    /// arrives on the feed).
    pub fn follow(mut self, show: ShowId) {
        let previous = self.live.read().as_ref().map(LiveMap::show);
        if previous == Some(show) {
            return;
        }
        let mut map = LiveMap::new(show);
        map.set_connected(*self.connected.peek());
        self.live.set(Some(map));
        self.selection.set(Selection::new(MAX_SEATS));
        // In the root scope: the screen that asked may be gone before the call is made.
        spawn_forever(async move {
            if let Some(previous) = previous {
                let _ = bridge::invoke(&LeaveShow { show_id: previous }).await;
            }
            let _ = bridge::invoke(&JoinShow { show_id: show }).await;
        });
    }

    pub fn unfollow(mut self) {
        if let Some(previous) = self.live.take().map(|m| m.show()) {
            spawn_forever(async move {
                let _ = bridge::invoke(&LeaveShow { show_id: previous }).await;
            });
        }
        self.selection.set(Selection::new(MAX_SEATS));
    }
}

fn apply_update(mut ctx: Ctx, update: LiveUpdate) {
    match update {
        LiveUpdate::Connected => {
            ctx.connected.set(true);
            ctx.disconnect_reason.set(None);
            if let Some(map) = ctx.live.write().as_mut() {
                map.set_connected(true);
            }
        }
        LiveUpdate::Disconnected { reason } => {
            ctx.connected.set(false);
            ctx.disconnect_reason.set(Some(reason));
            if let Some(map) = ctx.live.write().as_mut() {
                map.set_connected(false);
            }
        }
        LiveUpdate::Message { message } => {
            let event = match ctx.live.write().as_mut() {
                Some(map) => map.apply(&message),
                None => return,
            };
            match event {
                MapEvent::ResyncNeeded => {
                    if let Some(show) = ctx.live.read().as_ref().map(LiveMap::show) {
                        spawn(async move {
                            let _ = bridge::invoke(&ResyncShow { show_id: show }).await;
                        });
                    }
                }
                MapEvent::Changed(seats) => {
                    reconcile(ctx);
                    let n = ctx.last_change.peek().0 + 1;
                    ctx.last_change.set((n, seats));
                }
                MapEvent::Replaced => {
                    reconcile(ctx);
                    let n = ctx.last_change.peek().0 + 1;
                    ctx.last_change.set((n, Vec::new()));
                }
                MapEvent::Unchanged | MapEvent::Error(_) | MapEvent::Cancelled => {}
            }
        }
    }
}

/// Drops from the selection the seats someone else just took.
fn reconcile(mut ctx: Ctx) {
    let live = ctx.live.read();
    if let Some(map) = live.as_ref().and_then(LiveMap::map) {
        ctx.selection.write().reconcile(map);
    }
}

#[component]
pub fn App() -> Element {
    let ctx = use_context_provider(|| Ctx {
        settings: Signal::new(None),
        user: Signal::new(None),
        signed_in_at: Signal::new(Utc::now()),
        connected: Signal::new(false),
        disconnect_reason: Signal::new(None),
        live: Signal::new(None),
        selection: Signal::new(Selection::new(MAX_SEATS)),
        last_change: Signal::new((0, Vec::new())),
        pin_prompt: Signal::new(None),
        staff_unlocked: Signal::new(false),
        settings_open: Signal::new(false),
    });
    let mut booted = use_signal(|| false);
    let mut boot_error = use_signal(|| None::<String>);
    // The server could not be reached to resume the session (a kiosk is then out of order).
    let mut unreachable = use_signal(|| false);

    // A close request on a locked kiosk: the window stays, the staff PIN screen appears.
    use_hook(move || {
        spawn(async move {
            let mut prompt = ctx.pin_prompt;
            let listening = bridge::listen_signal(CLOSE_REFUSED_EVENT, move || {
                prompt.set(Some(PinPurpose::LeaveKiosk))
            });
            if let Err(e) = listening.await {
                boot_error.set(Some(e.friendly()));
            }
        });
    });

    // The live feed: forwarded by the native side as events, applied here in order.
    use_hook(move || {
        spawn(async move {
            let (sink, mut updates) = futures::channel::mpsc::unbounded();
            if let Err(e) = bridge::listen_live(sink).await {
                boot_error.set(Some(e.friendly()));
                return;
            }
            while let Some(update) = updates.next().await {
                apply_update(ctx, update);
            }
        });
    });

    // Device settings and a session saved in the OS keyring.
    use_hook(move || {
        let mut ctx = ctx;
        spawn(async move {
            match bridge::invoke(&GetDeviceSettings {}).await {
                Ok(settings) => ctx.settings.set(Some(settings)),
                Err(e) => boot_error.set(Some(e.friendly())),
            }
            match bridge::invoke(&RestoreSession {}).await {
                Ok(Some(user)) => {
                    ctx.signed_in_at.set(Utc::now());
                    ctx.user.set(Some(user));
                }
                Ok(None) => {}
                // Unreachable, refused certificate, server error: nobody can buy here now.
                Err(_) => unreachable.set(true),
            }
            booted.set(true);
        });
    });

    let mode = ctx.mode();
    let kiosk_device = ctx.settings.read().as_ref().is_some_and(|s| s.kiosk);
    let signed_out_screen = out_of_order(kiosk_device, *ctx.staff_unlocked.read(), unreachable());
    let unencrypted = ctx
        .settings
        .read()
        .as_ref()
        .filter(|s| s.unencrypted)
        .map(|s| s.server_url.clone());
    rsx! {
        if let Some(url) = unencrypted {
            div { class: "banner insecure", role: "status", id: "unencrypted-banner",
                "Not encrypted: this device talks to {url} over plain HTTP (insecure_http in device.toml). Use it on a trusted network only."
            }
        }
        if !*ctx.connected.read() && ctx.user.read().is_some() {
            div { class: "banner offline", role: "alert", id: "offline-banner",
                "Connection to the server lost: the seat map is greyed out until it is re-synced. Nothing is sold from a stale map."
                if let Some(reason) = ctx.disconnect_reason.read().clone() {
                    span { class: "reason", " ({reason})" }
                }
            }
        }
        if let Some(error) = boot_error() {
            div { class: "banner error", role: "alert", "{error}" }
        }
        if !booted() {
            div { class: "centre muted", "Starting…" }
        } else {
            match mode {
                None => match signed_out_screen {
                    Some(why) => rsx! { OutOfOrderScreen { why, unreachable } },
                    None => rsx! { super::sign_in::SignIn {} },
                },
                Some(Err(why)) => rsx! { super::sign_in::SignIn { refused: why } },
                Some(Ok(Mode::BoxOffice)) => rsx! { super::box_office::BoxOffice {} },
                Some(Ok(Mode::Kiosk)) => rsx! { super::kiosk::Kiosk {} },
                Some(Ok(Mode::Admin)) => rsx! { super::admin::Admin {} },
            }
        }
        if let Some(purpose) = *ctx.pin_prompt.read() {
            PinDialog { purpose }
        }
    }
}

/// Signs out, leaving the live map; back to the sign-in screen.
pub fn sign_out(mut ctx: Ctx) {
    ctx.unfollow();
    spawn_forever(async move {
        let _ = bridge::invoke(&SignOut {}).await;
        let _ = bridge::invoke(&SetFullscreen { on: false }).await;
        ctx.user.set(None);
    });
}
