//! The scratch-card prize table: a setting (`EVENTORY_PRIZE_TABLE`), validated at start, and
//! the weighted draw the rewards capability makes from it.

use std::str::FromStr;

use rand::Rng;

/// A prize on a scratch card.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Prize {
    Cashback(u32),
    PopcornCombo,
    Beverage,
    DiscountVoucher,
    SurpriseGift,
}

impl Prize {
    pub fn name(&self) -> &'static str {
        match self {
            Prize::Cashback(10) => "cashback_10",
            Prize::Cashback(25) => "cashback_25",
            Prize::Cashback(_) => "cashback_50",
            Prize::PopcornCombo => "popcorn_combo",
            Prize::Beverage => "beverage",
            Prize::DiscountVoucher => "discount_voucher",
            Prize::SurpriseGift => "surprise_gift",
        }
    }
}

impl FromStr for Prize {
    type Err = PrizeTableError;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Ok(match s {
            "cashback_10" => Prize::Cashback(10),
            "cashback_25" => Prize::Cashback(25),
            "cashback_50" => Prize::Cashback(50),
            "popcorn_combo" => Prize::PopcornCombo,
            "beverage" => Prize::Beverage,
            "discount_voucher" => Prize::DiscountVoucher,
            "surprise_gift" => Prize::SurpriseGift,
            other => return Err(PrizeTableError::UnknownPrize(other.to_owned())),
        })
    }
}

#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum PrizeTableError {
    #[error("unknown prize {0:?}")]
    UnknownPrize(String),
    #[error("entries are prize:weight, comma separated")]
    Syntax,
    #[error("the weights must add up to more than zero")]
    Empty,
}

/// Prizes with weights; a prize's chance is its weight over the sum.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct PrizeTable {
    entries: Vec<(Prize, u32)>,
}

/// The default table (weights in percent).
pub const DEFAULT_PRIZE_TABLE: &str =
    "cashback_10:20,cashback_25:8,cashback_50:2,popcorn_combo:25,beverage:25,discount_voucher:15,surprise_gift:5";

impl FromStr for PrizeTable {
    type Err = PrizeTableError;

    /// "cashback_10:20,popcorn_combo:25,..."
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let mut entries = Vec::new();
        for part in s.split(',').map(str::trim).filter(|p| !p.is_empty()) {
            let (name, weight) = part.split_once(':').ok_or(PrizeTableError::Syntax)?;
            let weight: u32 = weight.trim().parse().map_err(|_| PrizeTableError::Syntax)?;
            entries.push((name.trim().parse()?, weight));
        }
        if entries.iter().map(|(_, w)| u64::from(*w)).sum::<u64>() == 0 {
            return Err(PrizeTableError::Empty);
        }
        Ok(Self { entries })
    }
}

impl Default for PrizeTable {
    fn default() -> Self {
        DEFAULT_PRIZE_TABLE
            .parse()
            .expect("the default table is valid")
    }
}

impl PrizeTable {
    /// Draws one prize.
    pub fn draw(&self, rng: &mut impl Rng) -> Prize {
        let total: u64 = self.entries.iter().map(|(_, w)| u64::from(*w)).sum();
        let mut pick = rng.random_range(0..total);
        for (prize, weight) in &self.entries {
            if pick < u64::from(*weight) {
                return *prize;
            }
            pick -= u64::from(*weight);
        }
        unreachable!("pick < total")
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use rand::SeedableRng;

    #[test]
    fn draws_follow_the_weights() {
        let table: PrizeTable = "beverage:3,surprise_gift:1".parse().unwrap();
        let mut rng = rand::rngs::StdRng::seed_from_u64(1);
        let beverages = (0..4000)
            .filter(|_| table.draw(&mut rng) == Prize::Beverage)
            .count();
        assert!((2800..3200).contains(&beverages), "{beverages}");
        let only: PrizeTable = "popcorn_combo:1,cashback_50:0".parse().unwrap();
        assert!((0..100).all(|_| only.draw(&mut rng) == Prize::PopcornCombo));
    }

    #[test]
    fn tables_are_validated() {
        assert_eq!(
            "caviar:1".parse::<PrizeTable>(),
            Err(PrizeTableError::UnknownPrize("caviar".into()))
        );
        assert_eq!(
            "beverage".parse::<PrizeTable>(),
            Err(PrizeTableError::Syntax)
        );
        assert_eq!(
            "beverage:0".parse::<PrizeTable>(),
            Err(PrizeTableError::Empty)
        );
        let default = PrizeTable::default();
        assert_eq!(default.entries.len(), 7);
        for (prize, _) in &default.entries {
            assert_eq!(prize.name().parse::<Prize>().unwrap(), *prize);
        }
    }
}
