//! The audit log in MongoDB, newest first from the `at` index.

use async_trait::async_trait;
use mongodb::bson::doc;

use super::codec::uuid;
use super::schema::AUDIT;
use super::MongoStore;
use crate::store::{AuditEntry, AuditStore, StoreResult};

#[async_trait]
impl AuditStore for MongoStore {
    async fn append_audit(&self, entry: &AuditEntry) -> StoreResult<()> {
        self.insert_unique(&AUDIT, uuid(&entry.id), entry, "audit entry")
            .await
    }

    async fn audit_log(&self, limit: usize) -> StoreResult<Vec<AuditEntry>> {
        self.find_all(&AUDIT, doc! {}, Some(doc! { "at": -1 }), Some(limit as i64))
            .await
    }
}
