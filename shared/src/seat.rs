//! Seats: the `SeatId` of a seat in a venue ("C12": row C, seat 12) and its `SeatState`.

use std::cmp::Ordering;
use std::fmt;
use std::str::FromStr;

use serde::{Deserialize, Serialize};

/// Longest row label accepted ("A".."Z", "AA".."ZZZ").
pub const MAX_ROW_LABEL_LEN: usize = 3;
/// Highest seat number accepted within a row.
pub const MAX_SEAT_NUMBER: u16 = 999;

/// A seat of a venue: a row label of 1-3 upper-case letters and a seat number 1..=999.
///
/// Written as one string on the wire, e.g. `"C12"`. Parsing accepts lower-case input and
/// normalises it (`"c12"` is `C12`), and rejects anything else with a [`SeatIdError`].
/// Seats order by row (A < B < ... < Z < AA) then number, the order a seat map is drawn in.
#[derive(Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct SeatId {
    row: String,
    number: u16,
}

/// Why a string is not a valid [`SeatId`].
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum SeatIdError {
    #[error("seat id is empty")]
    Empty,
    #[error("seat id {0:?} must start with a row of 1 to {MAX_ROW_LABEL_LEN} letters")]
    BadRow(String),
    #[error("seat id {0:?} must end with a seat number from 1 to {MAX_SEAT_NUMBER}")]
    BadNumber(String),
}

impl SeatId {
    /// Builds a seat id from a row label and a number, validating both.
    pub fn new(row: &str, number: u16) -> Result<Self, SeatIdError> {
        let row_ok = !row.is_empty()
            && row.len() <= MAX_ROW_LABEL_LEN
            && row.chars().all(|c| c.is_ascii_alphabetic());
        if !row_ok {
            return Err(SeatIdError::BadRow(format!("{row}{number}")));
        }
        if number == 0 || number > MAX_SEAT_NUMBER {
            return Err(SeatIdError::BadNumber(format!("{row}{number}")));
        }
        Ok(Self {
            row: row.to_ascii_uppercase(),
            number,
        })
    }

    /// The row label, upper case ("C").
    pub fn row(&self) -> &str {
        &self.row
    }

    /// The seat number within the row (12).
    pub fn number(&self) -> u16 {
        self.number
    }

    /// Zero-based index of the row in drawing order: A=0, Z=25, AA=26, ...
    pub fn row_index(&self) -> u32 {
        row_index(&self.row)
    }
}

/// Zero-based index of a row label in bijective base 26 (A=0, Z=25, AA=26).
pub fn row_index(label: &str) -> u32 {
    label
        .bytes()
        .fold(0u32, |acc, b| {
            acc * 26 + u32::from(b.to_ascii_uppercase() - b'A') + 1
        })
        .saturating_sub(1)
}

/// The row label of a zero-based row index (0 = "A", 26 = "AA"); the inverse of [`row_index`].
pub fn row_label(index: u32) -> String {
    let mut n = index + 1;
    let mut label = Vec::new();
    while n > 0 {
        let rem = (n - 1) % 26;
        label.push(b'A' + rem as u8);
        n = (n - 1) / 26;
    }
    label.reverse();
    String::from_utf8(label).expect("ASCII letters")
}

impl FromStr for SeatId {
    type Err = SeatIdError;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let s = s.trim();
        if s.is_empty() {
            return Err(SeatIdError::Empty);
        }
        let split = s
            .find(|c: char| !c.is_ascii_alphabetic())
            .ok_or_else(|| SeatIdError::BadNumber(s.to_owned()))?;
        let (row, digits) = s.split_at(split);
        if row.is_empty() || row.len() > MAX_ROW_LABEL_LEN {
            return Err(SeatIdError::BadRow(s.to_owned()));
        }
        // Digits only: no sign, no spaces, no leading zero ("C012" is not a seat).
        if digits.is_empty()
            || !digits.bytes().all(|b| b.is_ascii_digit())
            || digits.starts_with('0')
            || digits.len() > 3
        {
            return Err(SeatIdError::BadNumber(s.to_owned()));
        }
        let number: u16 = digits
            .parse()
            .map_err(|_| SeatIdError::BadNumber(s.to_owned()))?;
        Self::new(row, number)
    }
}

impl TryFrom<String> for SeatId {
    type Error = SeatIdError;

    fn try_from(value: String) -> Result<Self, Self::Error> {
        value.parse()
    }
}

impl From<SeatId> for String {
    fn from(seat: SeatId) -> Self {
        seat.to_string()
    }
}

/// On the wire a seat id is a string ("C12"), not the struct.
#[cfg(feature = "openapi")]
impl utoipa::PartialSchema for SeatId {
    fn schema() -> utoipa::openapi::RefOr<utoipa::openapi::schema::Schema> {
        crate::openapi_string_schema(
            "A seat: row letters then seat number",
            "C12",
            "^[A-Za-z]{1,3}[1-9][0-9]{0,2}$",
        )
    }
}

#[cfg(feature = "openapi")]
impl utoipa::ToSchema for SeatId {}

impl fmt::Display for SeatId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}{}", self.row, self.number)
    }
}

impl fmt::Debug for SeatId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "SeatId({self})")
    }
}

impl Ord for SeatId {
    fn cmp(&self, other: &Self) -> Ordering {
        self.row_index()
            .cmp(&other.row_index())
            .then(self.number.cmp(&other.number))
    }
}

impl PartialOrd for SeatId {
    fn partial_cmp(&self, other: &Self) -> Option<Ordering> {
        Some(self.cmp(other))
    }
}

/// Where a seat of a show is in its life: `available -> held -> processing -> sold`, and back to
/// `available` on release, expiry, payment failure or refund.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum SeatState {
    /// Free to hold.
    Available,
    /// Reserved by a hold that will expire unless payment starts.
    Held,
    /// Payment in progress; the hold cannot expire until the outcome is known.
    Processing,
    /// Sold: a ticket exists for it.
    Sold,
}

impl SeatState {
    /// The name used on the wire and in storage ("available", "held", ...).
    pub const fn as_str(self) -> &'static str {
        match self {
            SeatState::Available => "available",
            SeatState::Held => "held",
            SeatState::Processing => "processing",
            SeatState::Sold => "sold",
        }
    }
}

impl fmt::Display for SeatState {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl FromStr for SeatState {
    type Err = String;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        match s {
            "available" => Ok(SeatState::Available),
            "held" => Ok(SeatState::Held),
            "processing" => Ok(SeatState::Processing),
            "sold" => Ok(SeatState::Sold),
            other => Err(format!("unknown seat state {other:?}")),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_and_normalises_seat_ids() {
        let seat: SeatId = "C12".parse().unwrap();
        assert_eq!(seat.row(), "C");
        assert_eq!(seat.number(), 12);
        assert_eq!("c12".parse::<SeatId>().unwrap(), seat);
        assert_eq!(" C12 ".parse::<SeatId>().unwrap(), seat);
        assert_eq!("AA1".parse::<SeatId>().unwrap().to_string(), "AA1");
        assert_eq!("ZZZ999".parse::<SeatId>().unwrap().number(), 999);
    }

    #[test]
    fn rejects_malformed_seat_ids() {
        for bad in [
            "",
            "12",
            "C",
            "C0",
            "C012",
            "C1000",
            "C-1",
            "C+1",
            "C1A",
            "ABCD1",
            "É1",
            "C 12",
            "C12.5",
            "C99999999999",
        ] {
            assert!(bad.parse::<SeatId>().is_err(), "{bad:?} should be rejected");
        }
        assert_eq!("".parse::<SeatId>(), Err(SeatIdError::Empty));
        assert!(matches!(
            "C0".parse::<SeatId>(),
            Err(SeatIdError::BadNumber(_))
        ));
        assert!(SeatId::new("C", 0).is_err());
        assert!(SeatId::new("C1", 1).is_err());
    }

    #[test]
    fn seats_order_by_row_then_number() {
        let mut seats: Vec<SeatId> = ["AA1", "B2", "A10", "Z1", "A2"]
            .iter()
            .map(|s| s.parse().unwrap())
            .collect();
        seats.sort();
        let names: Vec<String> = seats.iter().map(ToString::to_string).collect();
        assert_eq!(names, ["A2", "A10", "B2", "Z1", "AA1"]);
    }

    #[test]
    fn row_labels_and_indices_are_inverse() {
        for i in 0..2000 {
            assert_eq!(row_index(&row_label(i)), i);
        }
        assert_eq!(row_label(0), "A");
        assert_eq!(row_label(25), "Z");
        assert_eq!(row_label(26), "AA");
    }

    #[test]
    fn seat_ids_round_trip_through_json_as_strings() {
        let seat: SeatId = "K7".parse().unwrap();
        assert_eq!(serde_json::to_string(&seat).unwrap(), "\"K7\"");
        assert_eq!(serde_json::from_str::<SeatId>("\"k7\"").unwrap(), seat);
        assert!(serde_json::from_str::<SeatId>("\"7K\"").is_err());
        assert!(serde_json::from_str::<SeatId>("7").is_err());
    }

    #[test]
    fn seat_states_use_snake_case_names() {
        for state in [
            SeatState::Available,
            SeatState::Held,
            SeatState::Processing,
            SeatState::Sold,
        ] {
            let json = serde_json::to_string(&state).unwrap();
            assert_eq!(json, format!("\"{}\"", state.as_str()));
            assert_eq!(state.as_str().parse::<SeatState>().unwrap(), state);
        }
    }
}
