//! Where values come from: the layers figment merges (the TOML file, then the environment)
//! and the names a key goes by in each.
//!
//! The keys are not listed by hand: they are the field names serde derives for the settings
//! structs ([`keys_of`]), and each key's environment variable follows from its name
//! ([`env_var`]). The environment is read through a lookup function rather than figment's
//! `Env` provider so tests can pass theirs, and so only these names are read (`Env::prefixed`
//! would also take `EVENTORY_REDIS_URL` and every other `EVENTORY_*` variable).

use std::path::Path;

use figment::providers::{Format, Toml};
use figment::value::{Dict, Map, Value};
use figment::{Metadata, Profile, Provider};
use serde::de::{self, DeserializeOwned, Deserializer, Visitor};

use super::ConfigError;

/// Keys whose environment variable has no `EVENTORY_` prefix: the names the services' own
/// tooling uses.
const UNPREFIXED: [&str; 4] = [
    "redis_url",
    "mongodb_uri",
    "mongodb_database",
    "kafka_brokers",
];

/// The environment variable of a configuration key: `REDIS_URL` and the other unprefixed
/// ones, else `EVENTORY_<KEY>`.
pub fn env_var(key: &str) -> String {
    if UNPREFIXED.contains(&key) {
        key.to_ascii_uppercase()
    } else {
        format!("EVENTORY_{}", key.to_ascii_uppercase())
    }
}

/// One layer of values with the metadata figment reports them under.
pub(super) struct Layer {
    metadata: Metadata,
    values: Dict,
}

impl Layer {
    /// The keys of the TOML `text` read from `path`. A syntax error or a key no settings
    /// struct has is an error (a typo must not silently leave the default).
    pub(super) fn file(path: &Path, text: &str, known: &[&str]) -> Result<Self, ConfigError> {
        let parse_error = |message: String| ConfigError::Parse {
            path: path.to_owned(),
            message,
        };
        let mut profiles = Toml::string(text)
            .data()
            .map_err(|e| parse_error(e.kind.to_string()))?;
        let values = profiles.remove(&Profile::Default).unwrap_or_default();
        if let Some(unknown) = values.keys().find(|k| !known.contains(&k.as_str())) {
            return Err(parse_error(format!(
                "unknown key `{unknown}` (the keys are listed in the README)"
            )));
        }
        let shown = path.display().to_string();
        Ok(Self {
            metadata: Metadata::from("config file", path)
                .interpolater(move |_, _| format!("config file {shown}")),
            values,
        })
    }

    /// The environment variable of every `known` key that `lookup` has; an empty (or
    /// all-blank) value counts as unset. Values are trimmed and stay text: the settings read
    /// numbers and booleans from text ("300", "false").
    pub(super) fn env(known: &[&str], lookup: impl Fn(&str) -> Option<String>) -> Self {
        let values = known
            .iter()
            .filter_map(|key| {
                let value = lookup(&env_var(key))?;
                let value = value.trim();
                (!value.is_empty()).then(|| ((*key).to_owned(), Value::from(value.to_owned())))
            })
            .collect();
        Self {
            metadata: Metadata::named("environment").interpolater(|_, keys| {
                format!(
                    "environment variable {}",
                    env_var(keys.last().unwrap_or(&""))
                )
            }),
            values,
        }
    }
}

impl Provider for Layer {
    fn metadata(&self) -> Metadata {
        self.metadata.clone()
    }

    fn data(&self) -> Result<Map<Profile, Dict>, figment::Error> {
        Ok(Map::from([(Profile::Default, self.values.clone())]))
    }
}

/// The keys (serde field names, renames applied) of a settings struct, read from what its
/// derived `Deserialize` tells a deserializer.
pub(super) fn keys_of<T: DeserializeOwned>() -> &'static [&'static str] {
    let mut keys: &'static [&'static str] = &[];
    let _ = T::deserialize(KeyProbe(&mut keys));
    keys
}

/// A deserializer that records the field list of the struct asked for and then gives up.
struct KeyProbe<'a>(&'a mut &'static [&'static str]);

impl<'de> Deserializer<'de> for KeyProbe<'_> {
    type Error = de::value::Error;

    fn deserialize_struct<V: Visitor<'de>>(
        self,
        _name: &'static str,
        fields: &'static [&'static str],
        _visitor: V,
    ) -> Result<V::Value, Self::Error> {
        *self.0 = fields;
        Err(de::Error::custom("only the field names were asked for"))
    }

    fn deserialize_any<V: Visitor<'de>>(self, _visitor: V) -> Result<V::Value, Self::Error> {
        Err(de::Error::custom("not a struct"))
    }

    serde::forward_to_deserialize_any! {
        bool i8 i16 i32 i64 i128 u8 u16 u32 u64 u128 f32 f64 char str string bytes byte_buf
        option unit unit_struct newtype_struct seq tuple tuple_struct map enum identifier
        ignored_any
    }
}
