//! Everything the Tauri commands do, without Tauri: the device configuration, the API client
//! of the configured server, the saved session, the live feed (forwarded to the screens through
//! a callback), tickets. The commands in `commands.rs` are one line each on top of this, and
//! the tests drive this directly against a real server.

use std::path::PathBuf;
use std::sync::{Arc, RwLock};

use chrono::NaiveDate;
use eventory_shared::api::{
    AnalyticsResponse, AuditView, CancellationProgress, CheckoutResponse, CustomerView,
    HoldResponse, RewardView, ScratchResponse, ShowDetail, ShowRequest, UserProfile, VenueRequest,
};
use eventory_shared::{
    Booking, BookingId, HoldId, Money, PaymentMethod, SeatId, Show, ShowId, UserId, Venue,
};
use eventory_ui::protocol::{BookingQuery, CommandError, DeviceSettings, LiveUpdate, TicketOutput};
use tokio::sync::{mpsc, Mutex};

use crate::client::{ApiClient, ClientError};
use crate::credentials::Credentials;
use crate::device::{normalise_server_url, DeviceConfig, DeviceError};
use crate::live::{LiveEvent, LiveFeed, TokenSource};
use crate::pin_guard::PinGuard;
use crate::staff_access::StaffAccess;
use crate::staff_pin::StaffPin;
use crate::tickets;

/// Where live updates go (the Tauri shell emits them as a window event).
pub type LiveSink = Arc<dyn Fn(LiveUpdate) + Send + Sync>;

fn local<E: std::fmt::Display>(e: E) -> CommandError {
    CommandError::local(e.to_string())
}

/// A client of `device`'s server, trusting its certificates, that keeps every new refresh token
/// (each rotation) in the keyring, so a restart resumes with the token the server still accepts.
fn client_for(device: &DeviceConfig, credentials: &Credentials) -> Result<ApiClient, DeviceError> {
    let url = device.server_url.as_str();
    let client = ApiClient::with_trust(url, device.trust()?).map_err(|e| match e {
        ClientError::Insecure(message) => DeviceError::Insecure(message),
        _ => DeviceError::BadServerUrl(url.to_owned()),
    })?;
    let (credentials, url) = (credentials.clone(), url.to_owned());
    client.on_session(Arc::new(move |session| {
        if let Err(e) = credentials.save(&url, &session.refresh_token) {
            tracing::warn!("cannot keep the session in the OS keyring: {e}");
        }
    }));
    Ok(client)
}

/// The native side's state.
pub struct AppCore {
    config_dir: PathBuf,
    device: RwLock<DeviceConfig>,
    client: RwLock<Arc<ApiClient>>,
    live: Mutex<Option<LiveFeed>>,
    /// Serialises PIN tries (the guard itself is kept in a file).
    pin_tries: Mutex<()>,
    staff: std::sync::Mutex<StaffAccess>,
    credentials: Credentials,
    sink: LiveSink,
}

impl AppCore {
    /// Loads the device configuration from `config_dir`; live updates go to `sink`. The
    /// session is kept by `credentials` unless the configuration names a credential file.
    pub fn new(
        config_dir: PathBuf,
        credentials: Credentials,
        sink: LiveSink,
    ) -> Result<Self, DeviceError> {
        let device = DeviceConfig::load(&config_dir)?;
        let credentials = match &device.credential_file {
            Some(path) => Credentials::file(path),
            None => credentials,
        };
        let client = client_for(&device, &credentials)?;
        Ok(Self {
            config_dir,
            device: RwLock::new(device),
            client: RwLock::new(Arc::new(client)),
            live: Mutex::new(None),
            pin_tries: Mutex::new(()),
            staff: std::sync::Mutex::new(StaffAccess::default()),
            credentials,
            sink,
        })
    }

    /// The staff PIN as configured now (read each time: `set-kiosk-pin` needs no restart).
    fn staff_pin(&self) -> StaffPin {
        let file = self
            .device
            .read()
            .expect("device lock")
            .pin_file(&self.config_dir);
        StaffPin::load(&file)
    }

    fn kiosk_device(&self) -> bool {
        self.device.read().expect("device lock").kiosk
    }

    fn staff(&self) -> std::sync::MutexGuard<'_, StaffAccess> {
        self.staff.lock().expect("staff lock")
    }

    /// Whether what a kiosk refuses customers is allowed now: not a kiosk, or staff unlocked
    /// it (PIN or admin).
    fn staff_allowed(&self) -> bool {
        let kiosk = self.kiosk_device();
        self.staff().allows(kiosk, std::time::Instant::now())
    }

    /// Whether the window may close now (otherwise the shell shows the PIN screen instead).
    pub fn may_close(&self) -> bool {
        self.staff_allowed()
    }

    /// Whether this device behaves as a kiosk now (a kiosk device, or a kiosk signed in).
    pub fn locked(&self) -> bool {
        let kiosk = self.kiosk_device();
        self.staff().locked(kiosk)
    }

    fn client(&self) -> Arc<ApiClient> {
        self.client.read().expect("client lock").clone()
    }

    fn server_url(&self) -> String {
        self.device.read().expect("device lock").server_url.clone()
    }

    pub fn device_settings(&self) -> DeviceSettings {
        let pin = self.staff_pin();
        let device = self.device.read().expect("device lock");
        DeviceSettings {
            server_url: device.server_url.clone(),
            kiosk: device.kiosk,
            kiosk_pin_set: pin.is_set(),
            pin_problem: pin.problem(),
            unencrypted: device.unencrypted(),
        }
    }

    /// Points the app at another server (signing out of the old one) and/or makes it a kiosk.
    /// A kiosk's settings need the staff PIN (or an admin) first.
    pub async fn save_device_settings(
        &self,
        server_url: &str,
        kiosk: bool,
    ) -> Result<DeviceSettings, CommandError> {
        if !self.staff_allowed() {
            return Err(CommandError::local(
                "This is a kiosk: give the staff PIN (or an admin's sign-in) before changing its settings.",
            ));
        }
        let mut next = self.device.read().expect("device lock").clone();
        let url = normalise_server_url(server_url, next.insecure_http).map_err(local)?;
        let changed_server = url != next.server_url;
        next.server_url = url;
        next.kiosk = kiosk;
        // Checked before anything changes: a client the new settings cannot make.
        let client = match changed_server {
            true => Some(client_for(&next, &self.credentials).map_err(local)?),
            false => None,
        };
        if changed_server {
            self.sign_out().await?;
        }
        next.save(&self.config_dir).map_err(local)?;
        *self.device.write().expect("device lock") = next;
        if let Some(client) = client {
            *self.client.write().expect("client lock") = Arc::new(client);
        }
        Ok(self.device_settings())
    }

    /// Keeps the rotated refresh token in the keyring (best effort: a device without a
    /// keyring keeps the session in memory only).
    async fn remember_session(&self) {
        if let Some(session) = self.client().session().await {
            if let Err(e) = self
                .credentials
                .save(&self.server_url(), &session.refresh_token)
            {
                tracing::warn!("cannot keep the session in the OS keyring: {e}");
            }
        }
    }

    /// Starts the live feed of the signed-in session (replacing any previous one).
    async fn start_live(&self) {
        let client = self.client();
        let (ws, trust) = (client.live_url(), client.trust().clone());
        let token: TokenSource = Arc::new(move || {
            let client = client.clone();
            Box::pin(async move { client.live_ticket().await.ok() })
        });
        let (events, mut receiver) = mpsc::unbounded_channel();
        let sink = self.sink.clone();
        tokio::spawn(async move {
            while let Some(event) = receiver.recv().await {
                sink(match event {
                    LiveEvent::Connected => LiveUpdate::Connected,
                    LiveEvent::Disconnected(reason) => LiveUpdate::Disconnected { reason },
                    LiveEvent::Message(message) => LiveUpdate::Message { message },
                });
            }
        });
        let feed = LiveFeed::spawn(ws, trust, token, events);
        if let Some(old) = self.live.lock().await.replace(feed) {
            old.stop().await;
        }
    }

    async fn stop_live(&self) {
        if let Some(feed) = self.live.lock().await.take() {
            feed.stop().await;
        }
    }

    /// Signs in with the session saved in the keyring, if it is still valid.
    pub async fn restore_session(&self) -> Result<Option<UserProfile>, CommandError> {
        let saved = match self.credentials.load(&self.server_url()) {
            Ok(Some(token)) => token,
            Ok(None) => return Ok(None),
            Err(e) => {
                tracing::warn!("cannot read the OS keyring: {e}");
                return Ok(None);
            }
        };
        match self.client().resume(&saved).await {
            Ok(user) => {
                self.staff().signed_in(user.role);
                self.remember_session().await;
                self.start_live().await;
                Ok(Some(user))
            }
            Err(ClientError::Api { .. }) => {
                let _ = self.credentials.forget(&self.server_url());
                Ok(None)
            }
            Err(e) => Err(e.into()),
        }
    }

    pub async fn sign_in(&self, email: &str, password: &str) -> Result<UserProfile, CommandError> {
        if email.trim().is_empty() || password.is_empty() {
            return Err(CommandError::local("Type your email and password."));
        }
        let user = self.client().sign_in(email.trim(), password).await?;
        self.staff().signed_in(user.role);
        self.remember_session().await;
        self.start_live().await;
        Ok(user)
    }

    pub async fn sign_out(&self) -> Result<(), CommandError> {
        self.staff().signed_out();
        self.stop_live().await;
        let _ = self.credentials.forget(&self.server_url());
        match self.client().sign_out().await {
            Ok(()) | Err(ClientError::Network(_)) => Ok(()), // the token dies with its expiry
            Err(e) => Err(e.into()),
        }
    }

    /// The staff PIN: unlocks this kiosk for a few minutes (leave kiosk mode, close, change
    /// settings). Wrong PINs make the next try wait, doubling each time, across restarts.
    pub async fn unlock_kiosk(&self, pin: &str) -> Result<(), CommandError> {
        let _one_at_a_time = self.pin_tries.lock().await;
        let guard_file = self.config_dir.join("pin-guard.json");
        let mut guard = PinGuard::load(&guard_file);
        let now = chrono::Utc::now();
        if let Err(wait) = guard.check(now) {
            return Err(CommandError::local(format!(
                "Too many wrong PINs: try again in {} s.",
                wait.as_secs().max(1)
            )));
        }
        // The try counts as wrong on disk before the PIN is even checked, so killing the app
        // during the check (or the wait after it) does not reset the count; a right PIN then
        // resets it.
        let mut counted = guard.clone();
        let wait = counted.failed(now);
        if let Err(e) =
            std::fs::create_dir_all(&self.config_dir).and_then(|()| counted.save(&guard_file))
        {
            tracing::warn!("cannot keep the PIN failure count: {e}");
        }
        let (staff_pin, typed) = (self.staff_pin(), pin.to_owned());
        let checked = staff_pin.clone();
        let ok = tokio::task::spawn_blocking(move || checked.verify(&typed))
            .await
            .unwrap_or(false);
        if ok {
            guard.succeeded();
            let _ = guard.save(&guard_file);
            self.staff().unlock(std::time::Instant::now());
            return Ok(());
        }
        // Each wrong PIN doubles the wait before the next try (answered after it).
        tokio::time::sleep(wait).await;
        Err(CommandError::local(match staff_pin {
            StaffPin::Set(_) => "Wrong PIN.".to_owned(),
            StaffPin::NotSet => {
                "No staff PIN is set on this device (sudo eventory-desktop set-kiosk-pin).".into()
            }
            StaffPin::Unprotected(why) => format!("The staff PIN is not used: {why}."),
        }))
    }

    /// An admin's email and password instead of the PIN: checked by the server (its own
    /// rate limits apply), then that session is closed again; unlocks like the PIN.
    pub async fn unlock_with_admin(&self, email: &str, password: &str) -> Result<(), CommandError> {
        if email.trim().is_empty() || password.is_empty() {
            return Err(CommandError::local("Type an admin's email and password."));
        }
        let device = self.device.read().expect("device lock").clone();
        let client = ApiClient::with_trust(&device.server_url, device.trust().map_err(local)?)
            .map_err(CommandError::from)?;
        let user = client.sign_in(email.trim(), password).await?;
        let _ = client.sign_out().await;
        if user.role != eventory_shared::Role::Admin {
            return Err(CommandError::local(
                "Only an admin account can unlock a kiosk.",
            ));
        }
        self.staff().unlock(std::time::Instant::now());
        Ok(())
    }

    // ---- pass-through calls ----

    pub async fn shows(&self, date: Option<NaiveDate>) -> Result<Vec<Show>, CommandError> {
        Ok(self.client().shows(date).await?)
    }

    pub async fn show(&self, show: ShowId) -> Result<ShowDetail, CommandError> {
        Ok(self.client().show(show).await?)
    }

    pub async fn join_show(&self, show: ShowId) {
        if let Some(feed) = self.live.lock().await.as_ref() {
            feed.join(show);
        }
    }

    pub async fn leave_show(&self, show: ShowId) {
        if let Some(feed) = self.live.lock().await.as_ref() {
            feed.leave(show);
        }
    }

    pub async fn resync_show(&self, show: ShowId) {
        if let Some(feed) = self.live.lock().await.as_ref() {
            feed.resync(show);
        }
    }

    pub async fn hold(
        &self,
        show: ShowId,
        seats: Vec<SeatId>,
    ) -> Result<HoldResponse, CommandError> {
        if seats.is_empty() {
            return Err(CommandError::local("Select at least one seat."));
        }
        Ok(self.client().hold(show, seats).await?)
    }

    pub async fn release(&self, hold: HoldId) -> Result<(), CommandError> {
        Ok(self.client().release(hold).await?)
    }

    pub async fn checkout(
        &self,
        hold: HoldId,
        payment: PaymentMethod,
        cash_tendered: Option<Money>,
        customer: Option<UserId>,
        ticket_types: std::collections::BTreeMap<SeatId, String>,
        coupon: Option<String>,
    ) -> Result<CheckoutResponse, CommandError> {
        if payment == PaymentMethod::Cash && cash_tendered.is_none() {
            return Err(CommandError::local("Type the amount the customer gave."));
        }
        Ok(self
            .client()
            .checkout(hold, payment, cash_tendered, customer, ticket_types, coupon)
            .await?)
    }

    pub async fn booking(&self, booking: BookingId) -> Result<Booking, CommandError> {
        Ok(self.client().booking(booking).await?)
    }

    pub async fn booking_by_code(&self, code: &str) -> Result<Booking, CommandError> {
        Ok(self.client().booking_by_code(code).await?)
    }

    pub async fn my_bookings(&self) -> Result<Vec<Booking>, CommandError> {
        Ok(self.client().my_bookings().await?)
    }

    pub async fn refund(&self, booking: BookingId, reason: &str) -> Result<Booking, CommandError> {
        if reason.trim().is_empty() {
            return Err(CommandError::local("Say why the booking is refunded."));
        }
        Ok(self.client().refund(booking, reason.trim()).await?)
    }

    pub async fn exchange(
        &self,
        booking: BookingId,
        hold: HoldId,
    ) -> Result<Booking, CommandError> {
        Ok(self.client().exchange(booking, hold).await?)
    }

    pub async fn lookup_customer(&self, query: &str) -> Result<CustomerView, CommandError> {
        Ok(self.client().lookup_customer(query).await?)
    }

    pub async fn reward(&self, booking: BookingId) -> Result<RewardView, CommandError> {
        Ok(self.client().reward(booking).await?)
    }

    pub async fn scratch(&self, booking: BookingId) -> Result<ScratchResponse, CommandError> {
        Ok(self.client().scratch(booking).await?)
    }

    /// Renders the booking's tickets, saves them, and prints them if a printer is configured.
    pub async fn print_tickets(&self, booking: BookingId) -> Result<TicketOutput, CommandError> {
        let data = self.client().tickets(booking).await?;
        let (dir, printer) = {
            let device = self.device.read().expect("device lock");
            (device.tickets_dir(&self.config_dir), device.printer.clone())
        };
        let code = data.booking.code.clone();
        let (path, printed) = tokio::task::spawn_blocking(move || {
            let pdf = tickets::render_pdf(&data)?;
            tickets::deliver(&pdf, &code, &dir, &printer)
        })
        .await
        .map_err(local)?
        .map_err(local)?;
        Ok(TicketOutput {
            path: path.display().to_string(),
            printed,
        })
    }

    pub async fn admin_bookings(&self, query: &BookingQuery) -> Result<Vec<Booking>, CommandError> {
        Ok(self.client().admin_bookings(query).await?)
    }

    /// Saves the CSV export in the tickets folder's sibling `exports/`; returns the path.
    pub async fn admin_export_csv(&self, query: &BookingQuery) -> Result<String, CommandError> {
        let csv = self.client().admin_bookings_csv(query).await?;
        let dir = self.config_dir.join("exports");
        std::fs::create_dir_all(&dir).map_err(local)?;
        let path = dir.join(format!(
            "bookings-{}.csv",
            chrono::Local::now().format("%Y%m%d-%H%M%S")
        ));
        std::fs::write(&path, csv).map_err(local)?;
        Ok(path.display().to_string())
    }

    pub async fn admin_analytics(&self) -> Result<AnalyticsResponse, CommandError> {
        Ok(self.client().admin_analytics().await?)
    }

    pub async fn admin_audit(&self) -> Result<Vec<AuditView>, CommandError> {
        Ok(self.client().admin_audit().await?)
    }

    pub async fn admin_create_show(&self, request: &ShowRequest) -> Result<Show, CommandError> {
        Ok(self.client().admin_create_show(request).await?)
    }

    pub async fn admin_cancel_show(
        &self,
        show: ShowId,
        reason: &str,
    ) -> Result<CancellationProgress, CommandError> {
        if reason.trim().is_empty() {
            return Err(CommandError::local("Say why the show is cancelled."));
        }
        Ok(self.client().admin_cancel_show(show, reason.trim()).await?)
    }

    pub async fn admin_cancellation(
        &self,
        show: ShowId,
    ) -> Result<CancellationProgress, CommandError> {
        Ok(self.client().admin_cancellation(show).await?)
    }

    pub async fn admin_create_venue(&self, request: &VenueRequest) -> Result<Venue, CommandError> {
        Ok(self.client().admin_create_venue(request).await?)
    }

    pub async fn admin_venues(&self) -> Result<Vec<Venue>, CommandError> {
        Ok(self.client().admin_venues().await?)
    }
}
