//! The one representation of ids and times in MongoDB: every id is a BSON UUID (binary
//! subtype 4), every timestamp a BSON DateTime (milliseconds since the epoch, so MongoDB keeps
//! times to the millisecond). Records are converted here on their way in and out, so queries,
//! sorts and ranges work on real dates and ids, and no shadow fields are needed.
//!
//! The records serialise through the driver's raw (non human-readable) serializer, as the
//! driver itself does for typed collections; it writes a
//! `Uuid` as 16 bytes of generic binary and a chrono time as an RFC 3339 string. [`encode`]
//! turns every 16-byte generic binary into a UUID (every such value in the records is an id)
//! and the collection's date fields into DateTimes; [`decode`] turns them back.

use anyhow::anyhow;
use chrono::{DateTime, SecondsFormat, Utc};
use mongodb::bson::spec::BinarySubtype;
use mongodb::bson::{self, Binary, Bson, Document};
use serde::de::DeserializeOwned;
use serde::Serialize;
use uuid::Uuid;

use super::schema::Coll;
use crate::store::{StoreError, StoreResult};

/// An id as stored: BSON UUID.
pub fn uuid(id: &Uuid) -> Bson {
    Bson::Binary(Binary {
        subtype: BinarySubtype::Uuid,
        bytes: id.as_bytes().to_vec(),
    })
}

/// A time as stored: BSON DateTime.
pub fn date(at: DateTime<Utc>) -> Bson {
    Bson::DateTime(bson::DateTime::from_millis(at.timestamp_millis()))
}

/// The UUID in a stored value (of either subtype, or a string of the old layout).
pub fn uuid_of(value: &Bson) -> Option<Uuid> {
    match value {
        Bson::Binary(b) => Uuid::from_slice(&b.bytes).ok(),
        Bson::String(s) => s.parse().ok(),
        _ => None,
    }
}

fn bson_error(e: impl std::fmt::Display) -> StoreError {
    StoreError::Backend(anyhow!("bson: {e}"))
}

/// A record as a document, serialised as the driver does (ids as 16 bytes of binary).
fn serialise<T: Serialize>(record: &T) -> StoreResult<Document> {
    bson::to_raw_document_buf(record)
        .map_err(bson_error)?
        .to_document()
        .map_err(bson_error)
}

/// A value of a record as a filter or update operand (ids become UUIDs).
pub fn value<T: Serialize>(value: &T) -> StoreResult<Bson> {
    #[derive(Serialize)]
    struct Operand<'a, T> {
        v: &'a T,
    }
    let mut bson = serialise(&Operand { v: value })?
        .remove("v")
        .unwrap_or(Bson::Null);
    uuids_in(&mut bson);
    Ok(bson)
}

/// Turns 16-byte generic binaries (ids, as serialised) into UUIDs, at any depth.
pub fn uuids_in(value: &mut Bson) {
    match value {
        Bson::Binary(b) if b.subtype == BinarySubtype::Generic && b.bytes.len() == 16 => {
            b.subtype = BinarySubtype::Uuid;
        }
        Bson::Document(d) => d.iter_mut().for_each(|(_, v)| uuids_in(v)),
        Bson::Array(a) => a.iter_mut().for_each(uuids_in),
        _ => {}
    }
}

/// Turns the RFC 3339 strings of `fields` into DateTimes (a field absent or null stays so).
pub fn dates_in(doc: &mut Document, fields: &[&str]) -> StoreResult<()> {
    for field in fields {
        if let Some(Bson::String(text)) = doc.get(*field) {
            let at = DateTime::parse_from_rfc3339(text)
                .map_err(|e| bson_error(format!("{field}: {e}")))?
                .with_timezone(&Utc);
            doc.insert(*field, date(at));
        }
    }
    Ok(())
}

/// A record as the document of `coll` under `id`.
pub fn encode<T: Serialize>(coll: &Coll, id: Bson, record: &T) -> StoreResult<Document> {
    let mut body = serialise(record)?;
    body.iter_mut().for_each(|(_, v)| uuids_in(v));
    dates_in(&mut body, coll.dates)?;
    let mut doc = Document::new();
    doc.insert("_id", id);
    doc.extend(body);
    Ok(doc)
}

/// Back from the stored form to what the records' deserializers read.
fn plain(value: &mut Bson) {
    match value {
        Bson::Binary(b) if b.subtype == BinarySubtype::Uuid => b.subtype = BinarySubtype::Generic,
        Bson::DateTime(at) => {
            let at =
                DateTime::<Utc>::from_timestamp_millis(at.timestamp_millis()).unwrap_or_default();
            *value = Bson::String(at.to_rfc3339_opts(SecondsFormat::AutoSi, true));
        }
        Bson::Document(d) => d.iter_mut().for_each(|(_, v)| plain(v)),
        Bson::Array(a) => a.iter_mut().for_each(plain),
        _ => {}
    }
}

/// A stored document as its record.
pub fn decode<T: DeserializeOwned>(mut doc: Document) -> StoreResult<T> {
    doc.remove("_id");
    doc.iter_mut().for_each(|(_, v)| plain(v));
    let mut bytes = Vec::new();
    doc.to_writer(&mut bytes).map_err(bson_error)?;
    bson::from_slice(&bytes).map_err(bson_error)
}
