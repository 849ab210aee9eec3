//! The audit log of reads of notes by staff: appended, never changed, read by supervisors.

use crate::Db;
use crate::convert::{enum_from_text, enum_text, get, instant, millis, parsed, storage};
use async_trait::async_trait;
use centrale_core::audit::{AuditEntry, AuditQuery};
use centrale_core::ports::AuditStore;
use centrale_core::{Actor, Result};

#[async_trait]
impl AuditStore for Db {
    async fn record_audit(&self, entry: &AuditEntry) -> Result<()> {
        sqlx::query(
            "INSERT INTO audit_log (id, at, staff_id, actor, client_id, action, detail)
             VALUES ($1, $2, $3, $4, $5, $6, $7)",
        )
        .bind(entry.id.to_string())
        .bind(millis(entry.at))
        .bind(entry.staff_id.to_string())
        .bind(entry.actor.as_str())
        .bind(entry.client_id.to_string())
        .bind(enum_text(&entry.action)?)
        .bind(&entry.detail)
        .execute(&self.pool)
        .await
        .map_err(storage)?;
        Ok(())
    }

    async fn audit_log(&self, query: &AuditQuery) -> Result<Vec<AuditEntry>> {
        // Absent bounds are open: the widest instants there are, so one statement serves all.
        let rows = sqlx::query(
            "SELECT id, at, staff_id, actor, client_id, action, detail FROM audit_log
             WHERE ($1 = '' OR client_id = $1) AND at >= $2 AND at < $3
             ORDER BY at DESC, id DESC LIMIT $4",
        )
        .bind(query.client_id.map(|c| c.to_string()).unwrap_or_default())
        .bind(query.from.map_or(i64::MIN, millis))
        .bind(query.to.map_or(i64::MAX, millis))
        .bind(i64::from(query.limit))
        .fetch_all(&self.pool)
        .await
        .map_err(storage)?;
        rows.iter()
            .map(|row| {
                Ok(AuditEntry {
                    id: parsed(get(row, "id")?, "id")?,
                    at: instant(get(row, "at")?)?,
                    staff_id: parsed(get(row, "staff_id")?, "staff_id")?,
                    actor: Actor::from_stored(get(row, "actor")?),
                    client_id: parsed(get(row, "client_id")?, "client_id")?,
                    action: enum_from_text(get(row, "action")?, "action")?,
                    detail: get(row, "detail")?,
                })
            })
            .collect()
    }
}
