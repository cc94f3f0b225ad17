//! What the scripts answer, decoded: one JSON reply per call, and the errors they name.

use anyhow::{anyhow, Context};
use eventory_shared::{BookingId, HoldId, SeatId, SeatState, ShowId};
use serde::Deserialize;
use uuid::Uuid;

use crate::seats::{from_millis, Hold, HoldState, LedgerError, LedgerResult};

/// One script answer; which fields are present depends on `r`.
#[derive(Debug, Deserialize)]
pub(super) struct Reply {
    pub(super) r: String,
    #[serde(default)]
    pub(super) v: Option<String>,
    #[serde(default)]
    pub(super) hold: Option<String>,
    #[serde(default)]
    pub(super) state: Option<HoldState>,
    #[serde(default)]
    pub(super) exp: Option<String>,
    #[serde(default)]
    pub(super) owner: Option<String>,
    #[serde(default)]
    pub(super) booking: Option<String>,
    /// cjson encodes an empty Lua table as `{}`, so lists arrive as arbitrary JSON.
    #[serde(default)]
    pub(super) seats: serde_json::Value,
    #[serde(default)]
    pub(super) occupied: serde_json::Value,
    #[serde(default)]
    pub(super) released: serde_json::Value,
    #[serde(default)]
    pub(super) more: bool,
    #[serde(default)]
    pub(super) holds: serde_json::Value,
    /// `limit`: the seats the owner holds already, and the most it may.
    #[serde(default)]
    pub(super) held: Option<u64>,
    #[serde(default)]
    pub(super) max: Option<u64>,
}

#[derive(Debug, Deserialize)]
pub(super) struct Released {
    pub(super) hold: String,
    pub(super) v: String,
    pub(super) seats: Vec<SeatId>,
}

/// A Lua list: an array, or `{}`/absent for an empty one.
pub(super) fn lua_list<T: serde::de::DeserializeOwned>(
    value: serde_json::Value,
) -> anyhow::Result<Vec<T>> {
    match value {
        serde_json::Value::Array(_) => Ok(serde_json::from_value(value)?),
        serde_json::Value::Null => Ok(Vec::new()),
        serde_json::Value::Object(map) if map.is_empty() => Ok(Vec::new()),
        other => Err(anyhow!("unexpected list from script: {other}")),
    }
}

impl Reply {
    pub(super) fn version(&self) -> anyhow::Result<u64> {
        self.v
            .as_deref()
            .context("script answer has no version")?
            .parse()
            .context("version is not an integer")
    }

    pub(super) fn seats(&mut self) -> anyhow::Result<Vec<SeatId>> {
        lua_list(self.seats.take())
    }

    pub(super) fn into_hold(mut self, show_id: ShowId) -> anyhow::Result<Hold> {
        let seats = self.seats()?;
        Ok(Hold {
            id: parse_hold(self.hold.as_deref().context("no hold id")?)?,
            show_id,
            seats,
            owner: self.owner.context("no owner")?,
            state: self.state.context("no state")?,
            expires_at: from_millis(self.exp.as_deref().context("no expiry")?.parse()?),
            booking: match self.booking.as_deref() {
                Some(b) => Some(BookingId::from_uuid(Uuid::parse_str(b)?)),
                None => None,
            },
        })
    }

    pub(super) fn unexpected<T>(&self, op: &str) -> LedgerResult<T> {
        Err(LedgerError::Backend(anyhow!(
            "{op}: unexpected script answer {:?}",
            self.r
        )))
    }
}

pub(super) fn parse_hold(text: &str) -> anyhow::Result<HoldId> {
    Ok(HoldId::from_uuid(Uuid::parse_str(text)?))
}

pub(super) fn parse_occupant(text: &str) -> anyhow::Result<SeatState> {
    match text.split_once(':') {
        Some(("h", _)) => Ok(SeatState::Held),
        Some(("p", _)) => Ok(SeatState::Processing),
        Some(("s", _)) => Ok(SeatState::Sold),
        _ => Err(anyhow!("unknown seat occupant {text:?}")),
    }
}

pub(super) fn backend(e: redis::RedisError) -> LedgerError {
    LedgerError::Backend(anyhow::Error::new(e).context("redis"))
}
