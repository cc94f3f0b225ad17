//! How the settings whose written form is not their type are read (`deserialize_with`
//! helpers): `*_secs` / `*_ms` numbers to [`Duration`], comma-separated address lists, and
//! anything with a [`FromStr`] whose error message names the problem.
//!
//! Environment values arrive as text and file values typed; these accept both.

use std::net::{IpAddr, SocketAddr};
use std::str::FromStr;
use std::time::Duration;

use serde::de::{self, Deserializer};
use serde::Deserialize;

/// A whole number of seconds (`hold_ttl_secs = 300`).
pub fn secs<'de, D: Deserializer<'de>>(d: D) -> Result<Duration, D::Error> {
    u64::deserialize(d).map(Duration::from_secs)
}

/// A whole number of milliseconds (`card_latency_ms = 150`).
pub fn millis<'de, D: Deserializer<'de>>(d: D) -> Result<Duration, D::Error> {
    u64::deserialize(d).map(Duration::from_millis)
}

/// A number written as a number or as text, read exactly (`"0.15"` is 0.15, not the `f32`
/// figment's lossy reading would make of it).
pub fn fraction<'de, D: Deserializer<'de>>(d: D) -> Result<f64, D::Error> {
    #[derive(Deserialize)]
    #[serde(untagged)]
    enum Written {
        Number(f64),
        Text(String),
    }
    match Written::deserialize(d)? {
        Written::Number(n) => Ok(n),
        Written::Text(text) => text
            .trim()
            .parse()
            .map_err(|_| de::Error::custom(format!("{text:?} is not a number"))),
    }
}

/// A listen address like `127.0.0.1:8080`.
pub fn socket_addr<'de, D: Deserializer<'de>>(d: D) -> Result<SocketAddr, D::Error> {
    let text = String::deserialize(d)?;
    text.trim()
        .parse()
        .map_err(|_| de::Error::custom(format!("{text:?} is not an address like 127.0.0.1:8080")))
}

/// An optional listen address; blank is none.
pub fn optional_socket_addr<'de, D: Deserializer<'de>>(
    d: D,
) -> Result<Option<SocketAddr>, D::Error> {
    let text = String::deserialize(d)?;
    if text.trim().is_empty() {
        return Ok(None);
    }
    text.trim()
        .parse()
        .map(Some)
        .map_err(|_| de::Error::custom(format!("{text:?} is not an address like 127.0.0.1:9100")))
}

/// Comma-separated IP addresses (`"10.0.0.1, 10.0.0.2"`); blank entries are skipped.
pub fn ip_list<'de, D: Deserializer<'de>>(d: D) -> Result<Vec<IpAddr>, D::Error> {
    String::deserialize(d)?
        .split(',')
        .map(str::trim)
        .filter(|t| !t.is_empty())
        .map(|t| {
            t.parse()
                .map_err(|_| de::Error::custom(format!("{t:?} is not an IP address")))
        })
        .collect()
}

/// Any text with a [`FromStr`]; its error becomes the message.
pub fn text<'de, D, T>(d: D) -> Result<T, D::Error>
where
    D: Deserializer<'de>,
    T: FromStr,
    T::Err: std::fmt::Display,
{
    String::deserialize(d)?.parse().map_err(de::Error::custom)
}
