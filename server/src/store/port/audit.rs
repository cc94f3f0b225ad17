//! `AuditStore`: the audit log.

use async_trait::async_trait;

use crate::store::{AuditEntry, StoreResult};

/// Who did what, when: appended once per entry id, read newest first.
#[async_trait]
pub trait AuditStore: Send + Sync + 'static {
    /// A second entry with the same id is a `Duplicate`.
    async fn append_audit(&self, entry: &AuditEntry) -> StoreResult<()>;
    /// The newest `limit` entries, newest first.
    async fn audit_log(&self, limit: usize) -> StoreResult<Vec<AuditEntry>>;
}
