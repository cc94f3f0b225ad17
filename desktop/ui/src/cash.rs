//! Cash at the counter: what the cashier types as the amount tendered, and the change due.

use eventory_shared::{Currency, Money};

/// Why a typed amount is not usable.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum CashError {
    Empty,
    NotANumber,
    TooManyDecimals(u32),
    TooLittle { due: Money },
}

impl std::fmt::Display for CashError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            CashError::Empty => write!(f, "Type the amount the customer gave."),
            CashError::NotANumber => write!(f, "That is not an amount (e.g. 20 or 20.50)."),
            CashError::TooManyDecimals(d) => write!(f, "At most {d} digits after the point."),
            CashError::TooLittle { due } => write!(f, "Not enough: {due} is due."),
        }
    }
}

/// Parses "20", "20.5", "20,50", " 7.05 " as an amount of `currency` (exact, no floats).
pub fn parse_amount(input: &str, currency: Currency) -> Result<Money, CashError> {
    let text = input.trim().replace(',', ".");
    if text.is_empty() {
        return Err(CashError::Empty);
    }
    let digits = currency.minor_digits();
    let (whole, fraction) = text.split_once('.').unwrap_or((&text, ""));
    if whole.is_empty() && fraction.is_empty()
        || !whole.chars().all(|c| c.is_ascii_digit())
        || !fraction.chars().all(|c| c.is_ascii_digit())
    {
        return Err(CashError::NotANumber);
    }
    if fraction.len() as u32 > digits {
        return Err(CashError::TooManyDecimals(digits));
    }
    let whole: i64 = if whole.is_empty() {
        0
    } else {
        whole.parse().map_err(|_| CashError::NotANumber)?
    };
    let mut minor_fraction: i64 = if fraction.is_empty() {
        0
    } else {
        fraction.parse().map_err(|_| CashError::NotANumber)?
    };
    for _ in fraction.len() as u32..digits {
        minor_fraction *= 10;
    }
    let scale = 10i64.pow(digits);
    let minor = whole
        .checked_mul(scale)
        .and_then(|w| w.checked_add(minor_fraction))
        .ok_or(CashError::NotANumber)?;
    Ok(Money::new(minor, currency))
}

/// The change for `tendered` against `due`, or why the amount does not do.
pub fn change_due(tendered: Money, due: Money) -> Result<Money, CashError> {
    match tendered.checked_sub(due) {
        Ok(change) if !change.is_negative() => Ok(change),
        _ => Err(CashError::TooLittle { due }),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn eur(minor: i64) -> Money {
        Money::new(minor, Currency::EUR)
    }

    #[test]
    fn parses_exactly() {
        assert_eq!(parse_amount("20", Currency::EUR), Ok(eur(2000)));
        assert_eq!(parse_amount(" 20.5 ", Currency::EUR), Ok(eur(2050)));
        assert_eq!(parse_amount("20,05", Currency::EUR), Ok(eur(2005)));
        assert_eq!(parse_amount(".5", Currency::EUR), Ok(eur(50)));
        assert_eq!(
            parse_amount("1000", "JPY".parse().unwrap()),
            Ok(Money::new(1000, "JPY".parse().unwrap()))
        );
    }

    #[test]
    fn refuses_what_is_not_an_amount() {
        assert_eq!(parse_amount("", Currency::EUR), Err(CashError::Empty));
        assert_eq!(
            parse_amount("abc", Currency::EUR),
            Err(CashError::NotANumber)
        );
        assert_eq!(
            parse_amount("-5", Currency::EUR),
            Err(CashError::NotANumber)
        );
        assert_eq!(
            parse_amount("1.2.3", Currency::EUR),
            Err(CashError::NotANumber)
        );
        assert_eq!(parse_amount(".", Currency::EUR), Err(CashError::NotANumber));
        assert_eq!(
            parse_amount("1.234", Currency::EUR),
            Err(CashError::TooManyDecimals(2))
        );
        assert_eq!(
            parse_amount("99999999999999999999", Currency::EUR),
            Err(CashError::NotANumber)
        );
    }

    #[test]
    fn change_is_exact_and_never_negative() {
        assert_eq!(change_due(eur(5000), eur(3150)), Ok(eur(1850)));
        assert_eq!(change_due(eur(3150), eur(3150)), Ok(eur(0)));
        assert_eq!(
            change_due(eur(3000), eur(3150)),
            Err(CashError::TooLittle { due: eur(3150) })
        );
    }
}
