//! Calendar feeds of callbacks: tokens (their SHA-256 only) that open a client's callbacks,
//! or one employee's; and the notes with a callback they list. Every query matches the
//! client.

use crate::Db;
use crate::convert::{get, instant, millis, parsed, storage};
use crate::notes::{COLUMNS, JOIN, notes_from_rows};
use async_trait::async_trait;
use centrale_core::notes::CallNote;
use centrale_core::ports::{CallbackFeed, CallbackFeedStore};
use centrale_core::{CallbackFeedId, ClientId, EmployeeId, Error, Result};
use chrono::{DateTime, Utc};

#[async_trait]
impl CallbackFeedStore for Db {
    async fn create_callback_feed(
        &self,
        client: ClientId,
        employee: Option<EmployeeId>,
        token_hash: &str,
        at: DateTime<Utc>,
    ) -> Result<CallbackFeed> {
        let feed = CallbackFeed {
            id: CallbackFeedId::new(),
            client_id: client,
            employee_id: employee,
            created_at: at,
        };
        // The employee must be the client's: selected through the client, or nothing is
        // inserted.
        let done = sqlx::query(
            "INSERT INTO callback_feeds (id, client_id, employee_id, token_hash, created_at)
             SELECT $1, c.id, $3, $4, $5 FROM clients c
             WHERE c.id = $2 AND ($3 IS NULL OR EXISTS (
               SELECT 1 FROM employees e WHERE e.client_id = c.id AND e.id = $3))",
        )
        .bind(feed.id.to_string())
        .bind(client.to_string())
        .bind(employee.map(|e| e.to_string()))
        .bind(token_hash)
        .bind(millis(at))
        .execute(&self.pool)
        .await
        .map_err(storage)?;
        if done.rows_affected() == 0 {
            return Err(Error::NotFound("client or employee"));
        }
        Ok(feed)
    }

    async fn revoke_callback_feed(
        &self,
        client: ClientId,
        feed: CallbackFeedId,
        at: DateTime<Utc>,
    ) -> Result<()> {
        let done = sqlx::query(
            "UPDATE callback_feeds SET revoked_at = COALESCE(revoked_at, $3)
             WHERE client_id = $1 AND id = $2",
        )
        .bind(client.to_string())
        .bind(feed.to_string())
        .bind(millis(at))
        .execute(&self.pool)
        .await
        .map_err(storage)?;
        if done.rows_affected() == 0 {
            return Err(Error::NotFound("callback feed"));
        }
        Ok(())
    }

    async fn callback_feed(&self, client: ClientId, token_hash: &str) -> Result<CallbackFeed> {
        let row = sqlx::query(
            "SELECT id, client_id, employee_id, created_at FROM callback_feeds
             WHERE client_id = $1 AND token_hash = $2 AND revoked_at IS NULL",
        )
        .bind(client.to_string())
        .bind(token_hash)
        .fetch_optional(&self.pool)
        .await
        .map_err(storage)?
        .ok_or(Error::NotFound("callback feed"))?;
        Ok(CallbackFeed {
            id: parsed(get(&row, "id")?, "id")?,
            client_id: parsed(get(&row, "client_id")?, "client_id")?,
            employee_id: get::<Option<String>>(&row, "employee_id")?
                .map(|text| parsed(text, "employee_id"))
                .transpose()?,
            created_at: instant(get(&row, "created_at")?)?,
        })
    }

    async fn callback_notes(
        &self,
        client: ClientId,
        employee: Option<EmployeeId>,
        limit: u32,
    ) -> Result<Vec<CallNote>> {
        let sql = format!(
            "SELECT {COLUMNS} FROM (
               SELECT * FROM call_notes WHERE client_id = $1 AND callback IS NOT NULL
               ORDER BY created_at DESC, id DESC LIMIT $2
             ) n {JOIN}
             ORDER BY n.created_at DESC, n.id DESC"
        );
        let rows = sqlx::query(&sql)
            .bind(client.to_string())
            .bind(i64::from(limit))
            .fetch_all(&self.pool)
            .await
            .map_err(storage)?;
        let notes = notes_from_rows(&rows)?;
        Ok(match employee {
            None => notes,
            Some(employee) => notes
                .into_iter()
                .filter(|n| n.draft.callback.as_ref().and_then(|c| c.with) == Some(employee))
                .collect(),
        })
    }
}
