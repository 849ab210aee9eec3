//! Retention, export and erasure (`core::privacy`): `client_retention`, `purge_runs`,
//! `caller_erasures`, and deletes and updates across calls, notes, deliveries and digests —
//! each purge or erasure of a client in one transaction.

use crate::Db;
use crate::convert::{day_text, get, millis, storage};
use async_trait::async_trait;
use centrale_core::calls::CallRecord;
use centrale_core::notes::CallNote;
use centrale_core::ports::{CallStore, Change, NoteStore, PrivacyStore};
use centrale_core::privacy::{ERASED_TEXT, Erased, Purged, Retention};
use centrale_core::{Actor, ClientId, PhoneNumber, Result};
use chrono::{DateTime, NaiveDate, Utc};

const RUNNING: &str = "running";
const DONE: &str = "done";

fn retention_from(months: i64) -> Result<Retention> {
    let months = u32::try_from(months).map_err(storage)?;
    Retention::new(months).map_err(storage)
}

#[async_trait]
impl PrivacyStore for Db {
    async fn client_retention(&self, client: ClientId) -> Result<Option<Retention>> {
        let row = sqlx::query("SELECT months FROM client_retention WHERE client_id = $1")
            .bind(client.to_string())
            .fetch_optional(&self.pool)
            .await
            .map_err(storage)?;
        row.map(|row| retention_from(get(&row, "months")?))
            .transpose()
    }

    async fn set_client_retention(
        &self,
        client: ClientId,
        retention: Option<Retention>,
    ) -> Result<()> {
        // The client must exist (through its own id): an unknown one is not found.
        let exists = sqlx::query("SELECT 1 AS one FROM clients WHERE id = $1")
            .bind(client.to_string())
            .fetch_optional(&self.pool)
            .await
            .map_err(storage)?;
        if exists.is_none() {
            return Err(centrale_core::Error::NotFound("client"));
        }
        let mut tx = self.pool.begin().await.map_err(storage)?;
        sqlx::query("DELETE FROM client_retention WHERE client_id = $1")
            .bind(client.to_string())
            .execute(&mut *tx)
            .await
            .map_err(storage)?;
        if let Some(retention) = retention {
            sqlx::query("INSERT INTO client_retention (client_id, months) VALUES ($1, $2)")
                .bind(client.to_string())
                .bind(i64::from(retention.months))
                .execute(&mut *tx)
                .await
                .map_err(storage)?;
        }
        tx.commit().await.map_err(storage)
    }

    async fn retentions(&self) -> Result<Vec<(ClientId, Option<Retention>)>> {
        let rows = sqlx::query(
            "SELECT c.id, r.months FROM clients c
             LEFT JOIN client_retention r ON r.client_id = c.id ORDER BY c.id",
        )
        .fetch_all(&self.pool)
        .await
        .map_err(storage)?;
        rows.iter()
            .map(|row| {
                let id: String = get(row, "id")?;
                let months: Option<i64> = get(row, "months")?;
                Ok((
                    id.parse().map_err(storage)?,
                    months.map(retention_from).transpose()?,
                ))
            })
            .collect()
    }

    async fn claim_purge(
        &self,
        day: NaiveDate,
        now: DateTime<Utc>,
        lease: std::time::Duration,
    ) -> Result<bool> {
        let inserted = sqlx::query(
            "INSERT INTO purge_runs (day, status, claimed_at) VALUES ($1, $2, $3)
             ON CONFLICT (day) DO NOTHING",
        )
        .bind(day_text(day))
        .bind(RUNNING)
        .bind(millis(now))
        .execute(&self.pool)
        .await
        .map_err(storage)?;
        if inserted.rows_affected() == 1 {
            return Ok(true);
        }
        // A run whose worker died: taken again once its lease has passed (one UPDATE decides).
        let lease_ms = i64::try_from(lease.as_millis()).unwrap_or(i64::MAX);
        let retaken = sqlx::query(
            "UPDATE purge_runs SET claimed_at = $3
             WHERE day = $1 AND status = $2 AND claimed_at < $4",
        )
        .bind(day_text(day))
        .bind(RUNNING)
        .bind(millis(now))
        .bind(millis(now).saturating_sub(lease_ms))
        .execute(&self.pool)
        .await
        .map_err(storage)?;
        Ok(retaken.rows_affected() == 1)
    }

    async fn purge_done(&self, day: NaiveDate, now: DateTime<Utc>) -> Result<()> {
        sqlx::query("UPDATE purge_runs SET status = $2, done_at = $3 WHERE day = $1")
            .bind(day_text(day))
            .bind(DONE)
            .bind(millis(now))
            .execute(&self.pool)
            .await
            .map_err(storage)?;
        Ok(())
    }

    async fn purge_client(&self, client: ClientId, before: DateTime<Utc>) -> Result<Purged> {
        let (client, before) = (client.to_string(), millis(before));
        let mut tx = self.pool.begin().await.map_err(storage)?;
        let mut delete = async |sql: &str| -> Result<u64> {
            let done = sqlx::query(sql)
                .bind(client.as_str())
                .bind(before)
                .execute(&mut *tx)
                .await
                .map_err(storage)?;
            Ok(done.rows_affected())
        };
        // Deliveries first (counted), then their notes; a call's offers go with the call.
        let deliveries = delete(
            "DELETE FROM deliveries WHERE client_id = $1 AND note_id IN
               (SELECT id FROM call_notes WHERE client_id = $1 AND created_at < $2)",
        )
        .await?;
        let notes =
            delete("DELETE FROM call_notes WHERE client_id = $1 AND created_at < $2").await?;
        let calls = delete("DELETE FROM calls WHERE client_id = $1 AND arrived_at < $2").await?;
        let digests =
            delete("DELETE FROM digests_sent WHERE client_id = $1 AND created_at < $2").await?;
        tx.commit().await.map_err(storage)?;
        Ok(Purged {
            calls,
            notes,
            deliveries,
            digests,
        })
    }

    async fn erase_caller(
        &self,
        client: ClientId,
        number: &PhoneNumber,
        actor: &Actor,
    ) -> Result<Erased> {
        let id = client;
        let (client, number) = (client.to_string(), number.as_str());
        let mut tx = self.pool.begin().await.map_err(storage)?;
        // The texts an edit replaced name the caller too.
        sqlx::query(
            "DELETE FROM note_versions WHERE client_id = $1 AND note_id IN
               (SELECT id FROM call_notes WHERE client_id = $1 AND caller_phone = $2)",
        )
        .bind(client.as_str())
        .bind(number)
        .execute(&mut *tx)
        .await
        .map_err(storage)?;
        let notes = sqlx::query(
            "UPDATE call_notes SET caller_name = '', caller_company = '',
                       caller_phone = NULL, message = $3, callback_wish = NULL, callback = NULL,
                       search_text = ''
                     WHERE client_id = $1 AND caller_phone = $2",
        )
        .bind(client.as_str())
        .bind(number)
        .bind(ERASED_TEXT)
        .execute(&mut *tx)
        .await
        .map_err(storage)?
        .rows_affected();
        let contacts = sqlx::query("DELETE FROM contacts WHERE client_id = $1 AND number = $2")
            .bind(client.as_str())
            .bind(number)
            .execute(&mut *tx)
            .await
            .map_err(storage)?
            .rows_affected();
        let calls = sqlx::query(
            "UPDATE calls SET caller_number = NULL, caller_name = NULL
                     WHERE client_id = $1 AND caller_number = $2",
        )
        .bind(client.as_str())
        .bind(number)
        .execute(&mut *tx)
        .await
        .map_err(storage)?
        .rows_affected();
        let count = |n: u64| i64::try_from(n).unwrap_or(i64::MAX);
        sqlx::query(
            "INSERT INTO caller_erasures (id, client_id, erased_by, erased_at, notes, contacts,
                   calls) VALUES ($1, $2, $3, $4, $5, $6, $7)",
        )
        .bind(uuid::Uuid::now_v7().to_string())
        .bind(client.as_str())
        .bind(actor.as_str())
        .bind(millis(Utc::now()))
        .bind(count(notes))
        .bind(count(contacts))
        .bind(count(calls))
        .execute(&mut *tx)
        .await
        .map_err(storage)?;
        tx.commit().await.map_err(storage)?;
        self.changed(Change::Client(id)).await;
        Ok(Erased {
            notes,
            contacts,
            calls,
        })
    }

    async fn all_calls(&self, client: ClientId) -> Result<Vec<CallRecord>> {
        self.list_calls(client, u32::MAX).await
    }

    async fn all_notes(&self, client: ClientId) -> Result<Vec<CallNote>> {
        self.list_notes(client, u32::MAX, None).await
    }
}
