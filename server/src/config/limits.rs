//! Settings of abuse resistance: how much one account or one client address may take of the
//! seats, the sign-in and sign-up desks and the live feed. Each is listed, with its default,
//! in the README's "Security" section.

use std::time::Duration;

use serde::Deserialize;

use super::{invalid, parse, within, ConfigError};

/// Caps and rate limits per account and per client address.
#[derive(Clone, Debug, Deserialize)]
#[serde(default)]
pub struct LimitSettings {
    /// Most seats a customer account may hold of one show at once (held or in payment).
    pub max_seats_held_per_show: usize,
    /// The same for staff accounts (cashier, kiosk, admin), which sell for many buyers.
    pub max_seats_held_per_show_staff: usize,
    /// Longest a hold lives from its creation, extensions included.
    #[serde(rename = "hold_max_lifetime_secs", deserialize_with = "parse::secs")]
    pub hold_max_lifetime: Duration,
    /// Holds made or extended per account per minute (requests refused because the seats are
    /// taken do not count).
    pub holds_per_minute_per_account: u32,
    /// Holds made or extended per client address per minute.
    pub holds_per_minute_per_address: u32,
    /// Sign-ups per client address per hour.
    pub sign_ups_per_hour_per_address: u32,
    /// Sign-up attempts per email address per hour.
    pub sign_ups_per_hour_per_email: u32,
    /// Sign-in and refresh attempts per client address per minute.
    pub sign_ins_per_minute_per_address: u32,
    /// Wrong passwords for one account from one client address per 15 minutes before that
    /// pair must wait (other addresses are not affected: an outsider cannot lock a cashier
    /// out).
    pub sign_in_failures_per_account_and_address: u32,
    /// Password hashes computed at once (sign-up, sign-in), on the blocking thread pool; more
    /// wait their turn. 0: the number of CPUs.
    pub password_hashes_in_flight: usize,
    /// Open live-feed websockets per account.
    pub live_connections_per_account: usize,
    /// Shows one live-feed session may follow at once.
    pub live_shows_per_session: usize,
    /// `join_show` messages per live-feed session per minute.
    pub live_joins_per_minute: u32,
}

impl Default for LimitSettings {
    fn default() -> Self {
        Self {
            max_seats_held_per_show: 10,
            max_seats_held_per_show_staff: 200,
            hold_max_lifetime: Duration::from_secs(900),
            holds_per_minute_per_account: 60,
            holds_per_minute_per_address: 600,
            sign_ups_per_hour_per_address: 20,
            sign_ups_per_hour_per_email: 5,
            sign_ins_per_minute_per_address: 50,
            sign_in_failures_per_account_and_address: 10,
            password_hashes_in_flight: 0,
            live_connections_per_account: 20,
            live_shows_per_session: 8,
            live_joins_per_minute: 60,
        }
    }
}

impl LimitSettings {
    pub(super) fn validate(&self, hold_ttl: Duration) -> Result<(), ConfigError> {
        within(
            "max_seats_held_per_show",
            self.max_seats_held_per_show,
            1..=10_000,
        )?;
        within(
            "max_seats_held_per_show_staff",
            self.max_seats_held_per_show_staff,
            1..=100_000,
        )?;
        within(
            "hold_max_lifetime_secs",
            self.hold_max_lifetime.as_secs(),
            5..=86_400,
        )?;
        if self.hold_max_lifetime < hold_ttl {
            return Err(invalid(
                "hold_max_lifetime_secs",
                "must be at least hold_ttl_secs (a hold's first life)",
            ));
        }
        for (key, value) in [
            (
                "holds_per_minute_per_account",
                self.holds_per_minute_per_account,
            ),
            (
                "holds_per_minute_per_address",
                self.holds_per_minute_per_address,
            ),
            (
                "sign_ups_per_hour_per_address",
                self.sign_ups_per_hour_per_address,
            ),
            (
                "sign_ups_per_hour_per_email",
                self.sign_ups_per_hour_per_email,
            ),
            (
                "sign_ins_per_minute_per_address",
                self.sign_ins_per_minute_per_address,
            ),
            (
                "sign_in_failures_per_account_and_address",
                self.sign_in_failures_per_account_and_address,
            ),
            ("live_joins_per_minute", self.live_joins_per_minute),
        ] {
            within(key, value, 1..=1_000_000)?;
        }
        within(
            "password_hashes_in_flight",
            self.password_hashes_in_flight,
            0..=256,
        )?;
        within(
            "live_connections_per_account",
            self.live_connections_per_account,
            1..=100_000,
        )?;
        within(
            "live_shows_per_session",
            self.live_shows_per_session,
            1..=1_000,
        )
    }

    /// Password hashes computed at once, `0` read as the number of CPUs.
    pub fn hashes_in_flight(&self) -> usize {
        match self.password_hashes_in_flight {
            0 => std::thread::available_parallelism().map_or(2, usize::from),
            n => n,
        }
    }
}
