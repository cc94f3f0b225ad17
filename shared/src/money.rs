//! Money as an integer count of minor units (cents) plus an ISO 4217 currency. No floats, ever:
//! prices are added and multiplied exactly, and mixing currencies is an error, not a silent sum.

use std::fmt;
use std::str::FromStr;

use serde::{Deserialize, Serialize};

/// An ISO 4217 currency code: three upper-case ASCII letters ("EUR").
#[derive(Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct Currency([u8; 3]);

impl Currency {
    pub const EUR: Currency = Currency(*b"EUR");
    pub const USD: Currency = Currency(*b"USD");

    /// The three-letter code.
    pub fn code(&self) -> &str {
        std::str::from_utf8(&self.0).expect("currency codes are ASCII")
    }

    /// Digits after the decimal point for display (ISO 4217 minor unit exponent).
    pub fn minor_digits(&self) -> u32 {
        match &self.0 {
            b"JPY" | b"KRW" | b"ISK" | b"CLP" | b"VND" => 0,
            b"BHD" | b"KWD" | b"OMR" | b"JOD" | b"TND" => 3,
            _ => 2,
        }
    }
}

/// On the wire a currency is its ISO 4217 code.
#[cfg(feature = "openapi")]
impl utoipa::PartialSchema for Currency {
    fn schema() -> utoipa::openapi::RefOr<utoipa::openapi::schema::Schema> {
        crate::openapi_string_schema("ISO 4217 currency code", "EUR", "^[A-Z]{3}$")
    }
}

#[cfg(feature = "openapi")]
impl utoipa::ToSchema for Currency {}

impl FromStr for Currency {
    type Err = MoneyError;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let bytes = s.as_bytes();
        if bytes.len() == 3 && bytes.iter().all(u8::is_ascii_uppercase) {
            Ok(Currency([bytes[0], bytes[1], bytes[2]]))
        } else {
            Err(MoneyError::BadCurrency(s.to_owned()))
        }
    }
}

impl TryFrom<String> for Currency {
    type Error = MoneyError;

    fn try_from(value: String) -> Result<Self, Self::Error> {
        value.parse()
    }
}

impl From<Currency> for String {
    fn from(c: Currency) -> Self {
        c.code().to_owned()
    }
}

impl fmt::Display for Currency {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.code())
    }
}

impl fmt::Debug for Currency {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Currency({})", self.code())
    }
}

/// What can go wrong with money arithmetic or parsing.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum MoneyError {
    #[error("{0:?} is not an ISO 4217 currency code (three upper-case letters)")]
    BadCurrency(String),
    #[error("cannot combine {0} with {1}")]
    CurrencyMismatch(Currency, Currency),
    #[error("amount out of range")]
    Overflow,
}

/// An amount of money: `amount_minor` minor units (cents) of `currency`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Money {
    #[serde(deserialize_with = "crate::integral::i64")]
    pub amount_minor: i64,
    pub currency: Currency,
}

impl Money {
    pub const fn new(amount_minor: i64, currency: Currency) -> Self {
        Self {
            amount_minor,
            currency,
        }
    }

    pub const fn zero(currency: Currency) -> Self {
        Self::new(0, currency)
    }

    pub fn is_negative(&self) -> bool {
        self.amount_minor < 0
    }

    /// `self + other`, refusing to mix currencies or overflow.
    pub fn checked_add(self, other: Money) -> Result<Money, MoneyError> {
        self.same_currency(other)?;
        self.amount_minor
            .checked_add(other.amount_minor)
            .map(|a| Money::new(a, self.currency))
            .ok_or(MoneyError::Overflow)
    }

    /// `self - other`, refusing to mix currencies or overflow.
    pub fn checked_sub(self, other: Money) -> Result<Money, MoneyError> {
        self.same_currency(other)?;
        self.amount_minor
            .checked_sub(other.amount_minor)
            .map(|a| Money::new(a, self.currency))
            .ok_or(MoneyError::Overflow)
    }

    /// `self * n` (e.g. a seat price times a seat count).
    pub fn checked_mul(self, n: i64) -> Result<Money, MoneyError> {
        self.amount_minor
            .checked_mul(n)
            .map(|a| Money::new(a, self.currency))
            .ok_or(MoneyError::Overflow)
    }

    /// `percent`% of this amount, rounded half away from zero to a whole minor unit.
    pub fn percent(self, percent: u32) -> Money {
        let scaled = i128::from(self.amount_minor) * i128::from(percent);
        let rounded = (scaled + scaled.signum() * 50) / 100;
        Money::new(rounded as i64, self.currency)
    }

    /// This amount less `percent`% of it (a discount, rounded as [`Money::percent`]); the
    /// amount itself if that would overflow.
    pub fn less_percent(self, percent: u32) -> Money {
        self.checked_sub(self.percent(percent)).unwrap_or(self)
    }

    /// Sums amounts of one currency; `None` for an empty list.
    pub fn sum<I: IntoIterator<Item = Money>>(items: I) -> Result<Option<Money>, MoneyError> {
        let mut total: Option<Money> = None;
        for m in items {
            total = Some(match total {
                None => m,
                Some(t) => t.checked_add(m)?,
            });
        }
        Ok(total)
    }

    fn same_currency(&self, other: Money) -> Result<(), MoneyError> {
        if self.currency == other.currency {
            Ok(())
        } else {
            Err(MoneyError::CurrencyMismatch(self.currency, other.currency))
        }
    }
}

impl fmt::Display for Money {
    /// "12.50 EUR", "-0.05 EUR", "1200 JPY".
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let digits = self.currency.minor_digits();
        let sign = if self.amount_minor < 0 { "-" } else { "" };
        let abs = self.amount_minor.unsigned_abs();
        if digits == 0 {
            return write!(f, "{sign}{abs} {}", self.currency);
        }
        let unit = 10u64.pow(digits);
        write!(
            f,
            "{sign}{}.{:0width$} {}",
            abs / unit,
            abs % unit,
            self.currency,
            width = digits as usize
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn eur(c: i64) -> Money {
        Money::new(c, Currency::EUR)
    }

    #[test]
    fn adds_and_multiplies_exactly() {
        assert_eq!(eur(1050).checked_add(eur(999)).unwrap(), eur(2049));
        assert_eq!(eur(1250).checked_mul(3).unwrap(), eur(3750));
        assert_eq!(eur(1000).checked_sub(eur(1250)).unwrap(), eur(-250));
        assert_eq!(Money::sum([eur(1), eur(2), eur(3)]).unwrap(), Some(eur(6)));
        assert_eq!(Money::sum([]).unwrap(), None);
    }

    #[test]
    fn refuses_to_mix_currencies_or_overflow() {
        let usd = Money::new(100, Currency::USD);
        assert!(matches!(
            eur(100).checked_add(usd),
            Err(MoneyError::CurrencyMismatch(_, _))
        ));
        assert_eq!(eur(i64::MAX).checked_add(eur(1)), Err(MoneyError::Overflow));
        assert_eq!(eur(i64::MAX).checked_mul(2), Err(MoneyError::Overflow));
    }

    #[test]
    fn percentages_round_half_away_from_zero() {
        assert_eq!(eur(1000).percent(10), eur(100));
        assert_eq!(eur(999).percent(50), eur(500)); // 499.5 -> 500
        assert_eq!(eur(-999).percent(50), eur(-500));
        assert_eq!(eur(1).percent(10), eur(0));
        assert_eq!(eur(1250).less_percent(40), eur(750));
        assert_eq!(eur(999).less_percent(50), eur(499));
    }

    #[test]
    fn displays_with_the_currency_exponent() {
        assert_eq!(eur(1250).to_string(), "12.50 EUR");
        assert_eq!(eur(-5).to_string(), "-0.05 EUR");
        assert_eq!(
            Money::new(1200, "JPY".parse().unwrap()).to_string(),
            "1200 JPY"
        );
    }

    #[test]
    fn currencies_are_validated_on_the_wire() {
        let json = serde_json::to_string(&eur(1250)).unwrap();
        assert_eq!(json, r#"{"amount_minor":1250,"currency":"EUR"}"#);
        assert_eq!(serde_json::from_str::<Money>(&json).unwrap(), eur(1250));
        for bad in ["eur", "EURO", "E1R", ""] {
            let json = format!(r#"{{"amount_minor":1,"currency":"{bad}"}}"#);
            assert!(serde_json::from_str::<Money>(&json).is_err(), "{bad}");
        }
        // Floats are not money.
        assert!(
            serde_json::from_str::<Money>(r#"{"amount_minor":12.5,"currency":"EUR"}"#).is_err()
        );
    }
}
