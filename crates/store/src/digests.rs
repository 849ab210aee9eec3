//! The daily digest: settings per client, and `digests_sent`, one row per client and day.
//!
//! Deciding a day's digest is one `INSERT … ON CONFLICT DO NOTHING` on the key
//! (client_id, day): whoever inserts first decided it, any other worker or a restarted one
//! finds it decided. The row is then the digest's own outbox entry, claimed with a lease and
//! marked like a delivery (see `outbox.rs`): the same `FOR UPDATE SKIP LOCKED` on PostgreSQL,
//! a write transaction on SQLite.

use crate::Db;
use crate::convert::{
    checked, day_text, enum_from_text, flag, from_json, get, get_flag, instant,
    is_foreign_key_violation, millis, now, parsed, storage,
};
use crate::notes::{COLUMNS, JOIN, notes_from_rows};
use async_trait::async_trait;
use centrale_core::digest::{DigestItem, DigestSchedule, DigestSettings, SendTime};
use centrale_core::ports::DigestStore;
use centrale_core::{ClientId, Error, Result};
use chrono::{DateTime, NaiveDate, Utc};
use sqlx::any::AnyRow;

const QUEUED: &str = "queued";
const SENT: &str = "sent";
const FAILED: &str = "failed";
const EMPTY: &str = "empty";

fn day_from(text: &str) -> Result<NaiveDate> {
    NaiveDate::parse_from_str(text, "%Y-%m-%d")
        .map_err(|e| storage(format!("column day: '{text}': {e}")))
}

fn settings_from_row(row: &AnyRow) -> Result<DigestSettings> {
    Ok(DigestSettings {
        enabled: get_flag(row, "enabled")?,
        send_at: SendTime::parse(&get::<String>(row, "send_at")?).map_err(storage)?,
        include_empty: get_flag(row, "include_empty")?,
    })
}

#[async_trait]
impl DigestStore for Db {
    async fn digest_settings(&self, client: ClientId) -> Result<DigestSettings> {
        let row = sqlx::query(
            "SELECT enabled, send_at, include_empty FROM digest_settings WHERE client_id = $1",
        )
        .bind(client.to_string())
        .fetch_optional(&self.pool)
        .await
        .map_err(storage)?;
        row.as_ref()
            .map_or(Ok(DigestSettings::default()), settings_from_row)
    }

    async fn set_digest_settings(
        &self,
        client: ClientId,
        settings: &DigestSettings,
    ) -> Result<DigestSettings> {
        sqlx::query(
            "INSERT INTO digest_settings (client_id, enabled, send_at, include_empty, updated_at)
             VALUES ($1, $2, $3, $4, $5)
             ON CONFLICT (client_id) DO UPDATE SET enabled = $2, send_at = $3,
               include_empty = $4, updated_at = $5",
        )
        .bind(client.to_string())
        .bind(flag(settings.enabled))
        .bind(settings.send_at.to_string())
        .bind(flag(settings.include_empty))
        .bind(millis(now()))
        .execute(&self.pool)
        .await
        .map_err(|e| {
            if is_foreign_key_violation(&e) {
                Error::NotFound("client")
            } else {
                storage(e)
            }
        })?;
        self.digest_settings(client).await
    }

    async fn digest_schedules(&self) -> Result<Vec<DigestSchedule>> {
        let rows = sqlx::query(
            "SELECT s.client_id, s.enabled, s.send_at, s.include_empty, c.time_zone,
               (SELECT MAX(d.day) FROM digests_sent d WHERE d.client_id = s.client_id) AS last_day
             FROM digest_settings s JOIN clients c ON c.id = s.client_id
             WHERE s.enabled = 1
             ORDER BY s.client_id",
        )
        .fetch_all(&self.pool)
        .await
        .map_err(storage)?;
        rows.iter()
            .map(|row| {
                Ok(DigestSchedule {
                    client_id: parsed(get(row, "client_id")?, "client_id")?,
                    settings: settings_from_row(row)?,
                    time_zone: checked(get(row, "time_zone")?, "time_zone")?,
                    last_day: get::<Option<String>>(row, "last_day")?
                        .as_deref()
                        .map(day_from)
                        .transpose()?,
                })
            })
            .collect()
    }

    async fn decide_digest(
        &self,
        client: ClientId,
        day: NaiveDate,
        window: (DateTime<Utc>, DateTime<Utc>),
        include_empty: bool,
        now: DateTime<Utc>,
    ) -> Result<bool> {
        let mut tx = self.begin().await?;
        let notes: i64 = sqlx::query(
            "SELECT COUNT(*) AS n FROM call_notes
             WHERE client_id = $1 AND created_at >= $2 AND created_at < $3",
        )
        .bind(client.to_string())
        .bind(millis(window.0))
        .bind(millis(window.1))
        .fetch_one(&mut *tx)
        .await
        .map_err(storage)
        .and_then(|row| get(&row, "n"))?;
        let (status, due) = if notes > 0 || include_empty {
            (QUEUED, Some(millis(now)))
        } else {
            (EMPTY, None)
        };
        let done = sqlx::query(
            "INSERT INTO digests_sent (client_id, day, window_start, window_end, status,
               next_attempt_at, created_at)
             VALUES ($1, $2, $3, $4, $5, $6, $7)
             ON CONFLICT (client_id, day) DO NOTHING",
        )
        .bind(client.to_string())
        .bind(day_text(day))
        .bind(millis(window.0))
        .bind(millis(window.1))
        .bind(status)
        .bind(due)
        .bind(millis(now))
        .execute(&mut *tx)
        .await
        .map_err(storage)?;
        tx.commit().await.map_err(storage)?;
        Ok(done.rows_affected() > 0)
    }

    async fn claim_digests(
        &self,
        now: DateTime<Utc>,
        limit: u32,
        lease: chrono::Duration,
    ) -> Result<Vec<DigestItem>> {
        let lock = self.skip_locked();
        let mut tx = self.begin().await?;
        // PostgreSQL has no row-value IN with a locking subquery on a composite key that both
        // backends read alike, so candidates are picked first, then claimed one by one.
        let picked = sqlx::query(&format!(
            "SELECT client_id, day FROM digests_sent
             WHERE status = $1 AND next_attempt_at <= $2
             ORDER BY next_attempt_at, client_id, day LIMIT $3 {lock}"
        ))
        .bind(QUEUED)
        .bind(millis(now))
        .bind(i64::from(limit))
        .fetch_all(&mut *tx)
        .await
        .map_err(storage)?;
        let mut items = Vec::with_capacity(picked.len());
        for row in &picked {
            let client: String = get(row, "client_id")?;
            let day: String = get(row, "day")?;
            let claimed = sqlx::query(
                "UPDATE digests_sent SET next_attempt_at = $3, attempts = attempts + 1
                 WHERE client_id = $1 AND day = $2
                 RETURNING window_start, window_end, attempts, created_at",
            )
            .bind(client.as_str())
            .bind(day.as_str())
            .bind(millis(now + lease))
            .fetch_one(&mut *tx)
            .await
            .map_err(storage)?;
            let c =
                sqlx::query("SELECT name, emails, language, time_zone FROM clients WHERE id = $1")
                    .bind(client.as_str())
                    .fetch_one(&mut *tx)
                    .await
                    .map_err(storage)?;
            let notes = sqlx::query(&format!(
                "SELECT {COLUMNS} FROM (
                   SELECT * FROM call_notes
                   WHERE client_id = $1 AND created_at >= $2 AND created_at < $3
                 ) n {JOIN}
                 ORDER BY n.created_at, n.id, d.id"
            ))
            .bind(client.as_str())
            .bind(get::<i64>(&claimed, "window_start")?)
            .bind(get::<i64>(&claimed, "window_end")?)
            .fetch_all(&mut *tx)
            .await
            .map_err(storage)?;
            let mut notes = notes_from_rows(&notes)?;
            for note in &mut notes {
                note.deliveries.clear();
            }
            items.push(DigestItem {
                client_id: parsed(client, "client_id")?,
                day: day_from(&day)?,
                client_name: get(&c, "name")?,
                language: enum_from_text(get(&c, "language")?, "language")?,
                time_zone: checked(get(&c, "time_zone")?, "time_zone")?,
                emails: from_json(&get::<String>(&c, "emails")?, "emails")?,
                notes,
                attempts: u32::try_from(get::<i64>(&claimed, "attempts")?).unwrap_or(u32::MAX),
                created_at: instant(get(&claimed, "created_at")?)?,
            });
        }
        tx.commit().await.map_err(storage)?;
        Ok(items)
    }

    async fn digest_sent(&self, client: ClientId, day: NaiveDate, at: DateTime<Utc>) -> Result<()> {
        sqlx::query(
            "UPDATE digests_sent SET status = $3, sent_at = $4, next_attempt_at = NULL,
               last_error = NULL
             WHERE client_id = $1 AND day = $2 AND status = $5",
        )
        .bind(client.to_string())
        .bind(day_text(day))
        .bind(SENT)
        .bind(millis(at))
        .bind(QUEUED)
        .execute(&self.pool)
        .await
        .map_err(storage)?;
        Ok(())
    }

    async fn digest_retry(
        &self,
        client: ClientId,
        day: NaiveDate,
        next_at: DateTime<Utc>,
        error: &str,
    ) -> Result<()> {
        sqlx::query(
            "UPDATE digests_sent SET next_attempt_at = $3, last_error = $4
             WHERE client_id = $1 AND day = $2 AND status = $5",
        )
        .bind(client.to_string())
        .bind(day_text(day))
        .bind(millis(next_at))
        .bind(error)
        .bind(QUEUED)
        .execute(&self.pool)
        .await
        .map_err(storage)?;
        Ok(())
    }

    async fn digest_failed(
        &self,
        client: ClientId,
        day: NaiveDate,
        error: &str,
        _at: DateTime<Utc>,
    ) -> Result<()> {
        sqlx::query(
            "UPDATE digests_sent SET status = $3, last_error = $4, next_attempt_at = NULL
             WHERE client_id = $1 AND day = $2 AND status = $5",
        )
        .bind(client.to_string())
        .bind(day_text(day))
        .bind(FAILED)
        .bind(error)
        .bind(QUEUED)
        .execute(&self.pool)
        .await
        .map_err(storage)?;
        Ok(())
    }
}
