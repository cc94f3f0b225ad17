//! Settings of rewards: the scratch-card prize table.

use serde::Deserialize;

use super::parse;
use super::prizes::PrizeTable;

/// What scratch cards can win.
#[derive(Clone, Debug, Default, Deserialize)]
#[serde(default)]
pub struct RewardSettings {
    /// Scratch-card prizes and weights ("cashback_10:20,popcorn_combo:25,...").
    #[serde(deserialize_with = "parse::text")]
    pub prize_table: PrizeTable,
}
