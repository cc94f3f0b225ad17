//! The typed table helper over redb: `Table<V>` names a table of string keys and `V` values and
//! opens it inside a transaction as a [`Handle`] with typed `get` / `insert` / `remove` and
//! range reads. The value encoding is chosen per type ([`Value`]): records are JSON, index
//! entries are the raw UTF-8 of the id they point to (the layout the file always had), so the
//! helper reads files written before it existed.
//!
//! Keys are strings built by `schema.rs`: composite keys (`<show>|<seat>`, `<user>|<time>|<id>`)
//! sort by their parts, so the records of one show or user are one contiguous range.
//!
//! redb's error types convert into [`StoreError`] here, once, so the store's code uses `?`.

use std::marker::PhantomData;
use std::ops::Bound;

use anyhow::anyhow;
use eventory_shared::{Show, Venue};
use redb::{ReadOnlyTable, ReadTransaction, ReadableTable, TableDefinition, WriteTransaction};
use serde::de::DeserializeOwned;
use serde::Serialize;

use crate::store::records::*;
use crate::store::{StoreError, StoreResult};

/// How a value of a table is kept as bytes.
pub trait Value: Sized {
    fn to_bytes(&self) -> StoreResult<Vec<u8>>;
    fn from_bytes(bytes: &[u8]) -> StoreResult<Self>;
}

fn json_bytes<T: Serialize>(value: &T) -> StoreResult<Vec<u8>> {
    serde_json::to_vec(value).map_err(|e| backend(format!("encoding: {e}")))
}

fn json_value<T: DeserializeOwned>(bytes: &[u8]) -> StoreResult<T> {
    serde_json::from_slice(bytes).map_err(|e| backend(format!("decoding: {e}")))
}

/// Records (and counters) are JSON.
macro_rules! json_values {
    ($($t:ty),* $(,)?) => {$(
        impl Value for $t {
            fn to_bytes(&self) -> StoreResult<Vec<u8>> {
                json_bytes(self)
            }
            fn from_bytes(bytes: &[u8]) -> StoreResult<Self> {
                json_value(bytes)
            }
        }
    )*};
}

json_values!(
    UserRecord,
    RefreshTokenRecord,
    Venue,
    Show,
    BookingRecord,
    TicketRecord,
    PaymentRecord,
    OutboxEntry,
    RewardRecord,
    CouponRecord,
    AuditEntry,
    i64,
);

/// An index entry: the key (an id or a code) of the record it points to, as plain UTF-8.
impl Value for String {
    fn to_bytes(&self) -> StoreResult<Vec<u8>> {
        Ok(self.as_bytes().to_vec())
    }
    fn from_bytes(bytes: &[u8]) -> StoreResult<Self> {
        String::from_utf8(bytes.to_vec()).map_err(|e| backend(format!("index entry: {e}")))
    }
}

/// A set member: the key is all there is.
impl Value for () {
    fn to_bytes(&self) -> StoreResult<Vec<u8>> {
        Ok(Vec::new())
    }
    fn from_bytes(_: &[u8]) -> StoreResult<Self> {
        Ok(())
    }
}

type Raw = TableDefinition<'static, &'static str, &'static [u8]>;

/// A table of `V` under string keys.
pub struct Table<V> {
    def: Raw,
    _value: PhantomData<fn() -> V>,
}

impl<V> Clone for Table<V> {
    fn clone(&self) -> Self {
        *self
    }
}

impl<V> Copy for Table<V> {}

impl<V: Value> Table<V> {
    pub const fn new(name: &'static str) -> Self {
        Self {
            def: TableDefinition::new(name),
            _value: PhantomData,
        }
    }

    /// The table inside a write transaction (created if missing).
    pub fn write<'tx>(
        &self,
        tx: &'tx WriteTransaction,
    ) -> StoreResult<Handle<redb::Table<'tx, &'static str, &'static [u8]>, V>> {
        Ok(Handle::new(tx.open_table(self.def)?))
    }

    /// The table inside a read transaction.
    pub fn read(
        &self,
        tx: &ReadTransaction,
    ) -> StoreResult<Handle<ReadOnlyTable<&'static str, &'static [u8]>, V>> {
        Ok(Handle::new(tx.open_table(self.def)?))
    }

    /// Creates the table if the file has none yet.
    pub fn create(&self, tx: &WriteTransaction) -> StoreResult<()> {
        tx.open_table(self.def)?;
        Ok(())
    }
}

/// An open table, typed.
pub struct Handle<T, V> {
    table: T,
    _value: PhantomData<fn() -> V>,
}

/// The first key after every key that starts with `prefix` (keys are ASCII).
fn prefix_end(prefix: &str) -> String {
    format!("{prefix}\u{10FFFF}")
}

impl<T, V> Handle<T, V>
where
    T: ReadableTable<&'static str, &'static [u8]>,
    V: Value,
{
    fn new(table: T) -> Self {
        Self {
            table,
            _value: PhantomData,
        }
    }

    pub fn get(&self, key: &str) -> StoreResult<Option<V>> {
        match self.table.get(key)? {
            Some(guard) => Ok(Some(V::from_bytes(guard.value())?)),
            None => Ok(None),
        }
    }

    pub fn contains(&self, key: &str) -> StoreResult<bool> {
        Ok(self.table.get(key)?.is_some())
    }

    /// Visits the entries with `start <= key < end` in key order (or reversed), until `visit`
    /// answers `false`.
    pub fn visit_range(
        &self,
        start: &str,
        end: Option<&str>,
        reverse: bool,
        mut visit: impl FnMut(&str, V) -> StoreResult<bool>,
    ) -> StoreResult<()> {
        let end = end.map_or(Bound::Unbounded, Bound::Excluded);
        let range = self.table.range::<&str>((Bound::Included(start), end))?;
        let mut step = |entry: Result<_, redb::StorageError>| -> StoreResult<bool> {
            let (key, value): (redb::AccessGuard<'_, &str>, redb::AccessGuard<'_, &[u8]>) = entry?;
            visit(key.value(), V::from_bytes(value.value())?)
        };
        if reverse {
            for entry in range.rev() {
                if !step(entry)? {
                    break;
                }
            }
        } else {
            for entry in range {
                if !step(entry)? {
                    break;
                }
            }
        }
        Ok(())
    }

    /// Every value whose key starts with `prefix`, in key order.
    pub fn with_prefix(&self, prefix: &str) -> StoreResult<Vec<V>> {
        let mut out = Vec::new();
        self.visit_range(prefix, Some(&prefix_end(prefix)), false, |_, v| {
            out.push(v);
            Ok(true)
        })?;
        Ok(out)
    }

    /// Every value, in key order.
    pub fn all(&self) -> StoreResult<Vec<V>> {
        self.with_prefix("")
    }
}

impl<V: Value> Handle<redb::Table<'_, &'static str, &'static [u8]>, V> {
    /// Writes `value` under `key`, replacing what was there.
    pub fn insert(&mut self, key: &str, value: &V) -> StoreResult<()> {
        self.table.insert(key, value.to_bytes()?.as_slice())?;
        Ok(())
    }

    /// Writes `value` under a key that must be new: `Duplicate(what)` (writing nothing) if it
    /// exists.
    pub fn insert_new(&mut self, key: &str, value: &V, what: &'static str) -> StoreResult<()> {
        if self.contains(key)? {
            return Err(StoreError::Duplicate(what));
        }
        self.insert(key, value)
    }

    pub fn remove(&mut self, key: &str) -> StoreResult<()> {
        self.table.remove(key)?;
        Ok(())
    }
}

/// A backend failure of the embedded store.
pub fn backend(e: impl std::fmt::Display) -> StoreError {
    StoreError::Backend(anyhow!("embedded store: {e}"))
}

/// redb's errors are backend failures.
macro_rules! from_redb {
    ($($t:ty),* $(,)?) => {$(
        impl From<$t> for StoreError {
            fn from(e: $t) -> Self {
                backend(e)
            }
        }
    )*};
}

from_redb!(
    redb::Error,
    redb::DatabaseError,
    redb::TransactionError,
    redb::TableError,
    redb::StorageError,
    redb::CommitError,
);
