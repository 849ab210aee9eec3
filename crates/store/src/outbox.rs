//! The outbox as the delivery worker sees it: claims (leases) and marks on `deliveries`.
//!
//! A claim moves the delivery's `next_attempt_at` to the end of the lease and counts the
//! attempt, in one statement: on PostgreSQL the candidate rows are locked with
//! `FOR UPDATE SKIP LOCKED`, so concurrent workers take disjoint sets without waiting; on
//! SQLite the statement runs in a write transaction (`BEGIN IMMEDIATE`), which orders workers.
//! A worker that dies mid-send leaves nothing to clean up: the lease runs out and the
//! delivery is due again.

use crate::Db;
use crate::convert::{checked, enum_from_text, enum_text, get, millis, parsed, storage};
use crate::notes::{COLUMNS, delivery_from_row, note_from_row};
use async_trait::async_trait;
use centrale_core::notes::{DeliveryStatus, FailedDelivery, OutboxItem};
use centrale_core::ports::OutboxStore;
use centrale_core::{ClientId, DeliveryId, EmployeeId, Result};
use chrono::{DateTime, Utc};
use sqlx::any::AnyRow;
use std::collections::HashMap;

fn status(value: DeliveryStatus) -> Result<String> {
    enum_text(&value)
}

/// `$from, $from+1, …` for `count` values.
fn placeholders(from: usize, count: usize) -> String {
    (from..from + count)
        .map(|i| format!("${i}"))
        .collect::<Vec<_>>()
        .join(", ")
}

fn delivery(row: &AnyRow) -> Result<centrale_core::notes::Delivery> {
    delivery_from_row(row)?.ok_or_else(|| storage("a delivery row without an id"))
}

#[async_trait]
impl OutboxStore for Db {
    async fn claim_deliveries(
        &self,
        now: DateTime<Utc>,
        limit: u32,
        lease: chrono::Duration,
    ) -> Result<Vec<OutboxItem>> {
        let mut tx = self.begin().await?;
        let ids = self
            .claim_due(&mut tx, "deliveries", now, lease, limit)
            .await?;
        if ids.is_empty() {
            tx.commit().await.map_err(storage)?;
            return Ok(Vec::new());
        }
        let sql = format!(
            "SELECT {COLUMNS}, c.name AS client_name, c.language AS client_language,
               c.time_zone AS client_time_zone
             FROM deliveries d
             JOIN call_notes n ON n.client_id = d.client_id AND n.id = d.note_id
             JOIN clients c ON c.id = d.client_id
             WHERE d.id IN ({})
             ORDER BY d.next_attempt_at, d.id",
            placeholders(1, ids.len())
        );
        let mut query = sqlx::query(&sql);
        for id in &ids {
            query = query.bind(id.as_str());
        }
        let rows = query.fetch_all(&mut *tx).await.map_err(storage)?;
        // The names of the employees of the clients concerned, once per client.
        let mut names: HashMap<ClientId, HashMap<EmployeeId, String>> = HashMap::new();
        let mut items = Vec::with_capacity(rows.len());
        for row in &rows {
            let note = note_from_row(row)?;
            if let std::collections::hash_map::Entry::Vacant(slot) = names.entry(note.client_id) {
                let employees = sqlx::query("SELECT id, name FROM employees WHERE client_id = $1")
                    .bind(note.client_id.to_string())
                    .fetch_all(&mut *tx)
                    .await
                    .map_err(storage)?
                    .iter()
                    .map(|r| Ok((parsed(get(r, "id")?, "id")?, get::<String>(r, "name")?)))
                    .collect::<Result<HashMap<_, _>>>()?;
                slot.insert(employees);
            }
            let known = &names[&note.client_id];
            let employee_names = note
                .draft
                .for_employees
                .iter()
                .filter_map(|id| known.get(id).cloned())
                .collect();
            let callback_with = note
                .draft
                .callback
                .as_ref()
                .and_then(|c| c.with.as_ref())
                .and_then(|id| known.get(id).cloned());
            items.push(OutboxItem {
                delivery: delivery(row)?,
                client_name: get(row, "client_name")?,
                language: enum_from_text(get(row, "client_language")?, "client_language")?,
                time_zone: checked(get(row, "client_time_zone")?, "client_time_zone")?,
                employee_names,
                callback_with,
                note,
            });
        }
        tx.commit().await.map_err(storage)?;
        Ok(items)
    }

    async fn delivery_sent(
        &self,
        id: DeliveryId,
        reference: Option<&str>,
        at: DateTime<Utc>,
    ) -> Result<()> {
        sqlx::query(
            "UPDATE deliveries SET status = $2, reference = $3, sent_at = $4,
               next_attempt_at = NULL, last_error = NULL
             WHERE id = $1 AND status = $5",
        )
        .bind(id.to_string())
        .bind(status(DeliveryStatus::Sent)?)
        .bind(reference)
        .bind(millis(at))
        .bind(status(DeliveryStatus::Queued)?)
        .execute(&self.pool)
        .await
        .map_err(storage)?;
        Ok(())
    }

    async fn delivery_retry(
        &self,
        id: DeliveryId,
        attempts: u32,
        next_at: DateTime<Utc>,
        error: &str,
    ) -> Result<()> {
        sqlx::query(
            "UPDATE deliveries SET attempts = $2, next_attempt_at = $3, last_error = $4
             WHERE id = $1 AND status = $5",
        )
        .bind(id.to_string())
        .bind(i64::from(attempts))
        .bind(millis(next_at))
        .bind(error)
        .bind(status(DeliveryStatus::Queued)?)
        .execute(&self.pool)
        .await
        .map_err(storage)?;
        Ok(())
    }

    async fn delivery_failed(&self, id: DeliveryId, error: &str, at: DateTime<Utc>) -> Result<()> {
        sqlx::query(
            "UPDATE deliveries SET status = $2, last_error = $3, failed_at = $4,
               next_attempt_at = NULL
             WHERE id = $1 AND status = $5",
        )
        .bind(id.to_string())
        .bind(status(DeliveryStatus::Failed)?)
        .bind(error)
        .bind(millis(at))
        .bind(status(DeliveryStatus::Queued)?)
        .execute(&self.pool)
        .await
        .map_err(storage)?;
        Ok(())
    }

    async fn delivery_receipt(
        &self,
        reference: &str,
        delivered: bool,
        at: DateTime<Utc>,
    ) -> Result<bool> {
        let (new_status, column, error) = if delivered {
            (DeliveryStatus::Delivered, "delivered_at", None)
        } else {
            (
                DeliveryStatus::Failed,
                "failed_at",
                Some("the receipt says it was not delivered"),
            )
        };
        let sql = format!(
            "UPDATE deliveries SET status = $2, {column} = $3, last_error = COALESCE($4, last_error)
             WHERE reference = $1 AND status = $5"
        );
        let done = sqlx::query(&sql)
            .bind(reference)
            .bind(status(new_status)?)
            .bind(millis(at))
            .bind(error)
            .bind(status(DeliveryStatus::Sent)?)
            .execute(&self.pool)
            .await
            .map_err(storage)?;
        Ok(done.rows_affected() > 0)
    }

    async fn failed_deliveries(&self, limit: u32) -> Result<Vec<FailedDelivery>> {
        let rows = sqlx::query(
            "SELECT d.id AS d_id, d.channel AS d_channel, d.recipient AS d_recipient,
               d.employee_id AS d_employee_id, d.status AS d_status,
               d.created_at AS d_created_at, d.attempts AS d_attempts,
               d.last_error AS d_last_error, d.sent_at AS d_sent_at,
               d.note_id, d.client_id, c.name AS client_name
             FROM deliveries d JOIN clients c ON c.id = d.client_id
             WHERE d.status = $1
             ORDER BY d.failed_at DESC, d.id DESC LIMIT $2",
        )
        .bind(status(DeliveryStatus::Failed)?)
        .bind(i64::from(limit))
        .fetch_all(&self.pool)
        .await
        .map_err(storage)?;
        rows.iter()
            .map(|row| {
                Ok(FailedDelivery {
                    delivery: delivery(row)?,
                    note_id: parsed(get(row, "note_id")?, "note_id")?,
                    client_id: parsed(get(row, "client_id")?, "client_id")?,
                    client_name: get(row, "client_name")?,
                })
            })
            .collect()
    }

    async fn retry_delivery(&self, id: DeliveryId, now: DateTime<Utc>) -> Result<()> {
        let done = sqlx::query(
            "UPDATE deliveries SET status = $2, next_attempt_at = $3, attempts = 0, failed_at = NULL
             WHERE id = $1 AND status = $4",
        )
        .bind(id.to_string())
        .bind(status(DeliveryStatus::Queued)?)
        .bind(crate::convert::millis(now))
        .bind(status(DeliveryStatus::Failed)?)
        .execute(&self.pool)
        .await
        .map_err(storage)?;
        if done.rows_affected() == 0 {
            return Err(centrale_core::Error::NotFound("failed delivery"));
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn numbered_placeholders() {
        assert_eq!(placeholders(1, 3), "$1, $2, $3");
        assert_eq!(placeholders(4, 1), "$4");
    }
}
