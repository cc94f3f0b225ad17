//! `MemoryLedger`: the seat ledger in this process, one lock per show. The embedded
//! single-node default, and the model the Redis ledger is compared against in tests.
//!
//! It keeps the exact semantics of the Lua scripts (`redis/lua/`); a restart forgets holds (their
//! seats are simply free again) and sold seats come back from the store through
//! `restore_sold`.

use std::collections::HashMap;
use std::sync::{Mutex, RwLock};

use chrono::Utc;
use eventory_shared::{HoldId, ShowId};

use crate::seats::{LedgerError, LedgerResult};

mod ledger;
mod show_seats;

use show_seats::*;

/// The seat ledger in process memory.
#[derive(Default)]
pub struct MemoryLedger {
    shows: RwLock<HashMap<ShowId, ShowCell>>,
    /// hold -> show, so hold routes need no show id.
    locator: Mutex<HashMap<HoldId, ShowId>>,
}

fn now_ms() -> i64 {
    Utc::now().timestamp_millis()
}

impl MemoryLedger {
    pub fn new() -> Self {
        Self::default()
    }

    fn show(&self, id: ShowId) -> LedgerResult<ShowCell> {
        self.shows
            .read()
            .expect("ledger lock")
            .get(&id)
            .cloned()
            .ok_or(LedgerError::UnknownShow(id))
    }

    fn locate(&self, hold: HoldId) -> LedgerResult<(ShowId, ShowCell)> {
        let show = *self
            .locator
            .lock()
            .expect("locator lock")
            .get(&hold)
            .ok_or(LedgerError::HoldNotFound(hold))?;
        Ok((show, self.show(show)?))
    }

    fn forget_locator(&self, hold: HoldId) {
        self.locator.lock().expect("locator lock").remove(&hold);
    }
}
