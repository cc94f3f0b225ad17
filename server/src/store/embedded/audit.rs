//! The audit log in the embedded file: entries keyed by time, so the newest are the end of
//! the table; `audit_ids` makes each entry id appear once.

use async_trait::async_trait;

use super::schema::*;
use super::EmbeddedStore;
use crate::store::{AuditEntry, AuditStore, StoreResult};

#[async_trait]
impl AuditStore for EmbeddedStore {
    async fn append_audit(&self, entry: &AuditEntry) -> StoreResult<()> {
        let entry = entry.clone();
        self.write(move |tx| {
            let key = format!("{}|{}", millis_key(entry.at), entry.id);
            AUDIT_IDS
                .write(tx)?
                .insert_new(&entry.id.to_string(), &key, "audit entry")?;
            AUDIT.write(tx)?.insert(&key, &entry)
        })
        .await
    }

    async fn audit_log(&self, limit: usize) -> StoreResult<Vec<AuditEntry>> {
        self.read(move |tx| {
            let mut out = Vec::new();
            if limit == 0 {
                return Ok(out);
            }
            AUDIT.read(tx)?.visit_range("", None, true, |_, entry| {
                out.push(entry);
                Ok(out.len() < limit)
            })?;
            Ok(out)
        })
        .await
    }
}
