//! Integers as JSON Schema means them: a number with no fractional part, so `684.0` is the
//! integer 684 (JSON Schema's `type: integer` accepts it, and a client in a language without
//! integers may send it). serde's own integer parsing rejects `684.0`; these accept it, and
//! still reject `684.5` and values out of range. For `#[serde(deserialize_with = ...)]` on the
//! integer fields of request bodies.

use std::fmt;
use std::marker::PhantomData;

use serde::de::{self, Deserializer, Visitor};

struct Integral<T>(PhantomData<T>);

impl<'de, T> Visitor<'de> for Integral<T>
where
    T: TryFrom<i64> + TryFrom<u64>,
{
    type Value = T;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "an integer from {}", std::any::type_name::<T>())
    }

    fn visit_i64<E: de::Error>(self, v: i64) -> Result<T, E> {
        T::try_from(v).map_err(|_| E::invalid_value(de::Unexpected::Signed(v), &self))
    }

    fn visit_u64<E: de::Error>(self, v: u64) -> Result<T, E> {
        T::try_from(v).map_err(|_| E::invalid_value(de::Unexpected::Unsigned(v), &self))
    }

    fn visit_f64<E: de::Error>(self, v: f64) -> Result<T, E> {
        // Within ±2^53 every integral f64 is exact; beyond that a float names no one integer.
        const EXACT: f64 = 9_007_199_254_740_992.0;
        if v.fract() == 0.0 && v.abs() <= EXACT {
            self.visit_i64(v as i64)
        } else {
            Err(E::invalid_value(de::Unexpected::Float(v), &self))
        }
    }
}

/// An `i64`, also from an integral number such as `-177.0`.
pub fn i64<'de, D: Deserializer<'de>>(deserializer: D) -> Result<i64, D::Error> {
    deserializer.deserialize_i64(Integral(PhantomData))
}

/// A `u16`, also from an integral number such as `684.0`.
pub fn u16<'de, D: Deserializer<'de>>(deserializer: D) -> Result<u16, D::Error> {
    deserializer.deserialize_u16(Integral(PhantomData))
}

/// A `u32`, also from an integral number such as `40.0`.
pub fn u32<'de, D: Deserializer<'de>>(deserializer: D) -> Result<u32, D::Error> {
    deserializer.deserialize_u32(Integral(PhantomData))
}

#[cfg(test)]
mod tests {
    use serde::Deserialize;

    #[derive(Debug, Deserialize)]
    struct Both {
        #[serde(deserialize_with = "super::i64")]
        signed: i64,
        #[serde(deserialize_with = "super::u16")]
        small: u16,
    }

    fn parse(json: &str) -> Result<(i64, u16), serde_json::Error> {
        serde_json::from_str::<Both>(json).map(|b| (b.signed, b.small))
    }

    #[test]
    fn integral_numbers_are_integers() {
        assert_eq!(
            parse(r#"{"signed":-177,"small":684}"#).unwrap(),
            (-177, 684)
        );
        assert_eq!(
            parse(r#"{"signed":-177.0,"small":684.0}"#).unwrap(),
            (-177, 684)
        );
        assert_eq!(parse(r#"{"signed":1e3,"small":0.0}"#).unwrap(), (1000, 0));
    }

    #[test]
    fn fractions_strings_and_out_of_range_are_not() {
        assert!(parse(r#"{"signed":1.5,"small":1}"#).is_err());
        assert!(parse(r#"{"signed":1,"small":65536}"#).is_err());
        assert!(parse(r#"{"signed":1,"small":-1}"#).is_err());
        assert!(parse(r#"{"signed":1,"small":1.0e300}"#).is_err());
        assert!(parse(r#"{"signed":1e300,"small":1}"#).is_err());
        assert!(parse(r#"{"signed":"1","small":1}"#).is_err());
        assert!(parse(r#"{"signed":9223372036854775808,"small":1}"#).is_err());
    }
}
