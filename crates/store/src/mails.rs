//! The general outbox (`core::mail`): mails composed when queued, claimed and marked like the
//! other outboxes; a mail's body is blanked once it is sent or has failed for good, since it
//! may carry a link that is a secret.

use crate::Db;
use crate::convert::{
    checked, enum_from_text, enum_text, get, instant, millis, now, parsed, storage,
};
use async_trait::async_trait;
use centrale_core::mail::{MailDraft, QueuedMail};
use centrale_core::ports::MailStore;
use centrale_core::{MailId, Result};
use chrono::{DateTime, Utc};

const QUEUED: &str = "queued";

/// A table of mails waiting to be sent, and its column that holds a secret (a link).
pub(crate) struct MailTable {
    pub table: &'static str,
    pub secret: &'static str,
}

const MAILS: MailTable = MailTable {
    table: "mails",
    secret: "body",
};

impl Db {
    /// Marks a queued mail of `mails` sent; its secret is blanked.
    pub(crate) async fn mail_sent_in(
        &self,
        mails: MailTable,
        id: &str,
        at: DateTime<Utc>,
    ) -> Result<()> {
        let sql = format!(
            "UPDATE {} SET status = 'sent', sent_at = $2, {} = '', next_attempt_at = NULL
             WHERE id = $1 AND status = $3",
            mails.table, mails.secret
        );
        sqlx::query(&sql)
            .bind(id)
            .bind(millis(at))
            .bind(QUEUED)
            .execute(&self.pool)
            .await
            .map_err(storage)?;
        Ok(())
    }

    /// Puts a queued mail of `mails` off until `next_at`, with why.
    pub(crate) async fn mail_retry_in(
        &self,
        mails: MailTable,
        id: &str,
        next_at: DateTime<Utc>,
        error: &str,
    ) -> Result<()> {
        let sql = format!(
            "UPDATE {} SET next_attempt_at = $2, last_error = $3 WHERE id = $1 AND status = $4",
            mails.table
        );
        sqlx::query(&sql)
            .bind(id)
            .bind(millis(next_at))
            .bind(error)
            .bind(QUEUED)
            .execute(&self.pool)
            .await
            .map_err(storage)?;
        Ok(())
    }

    /// Gives a queued mail of `mails` up, with why; its secret is blanked.
    pub(crate) async fn mail_failed_in(
        &self,
        mails: MailTable,
        id: &str,
        error: &str,
    ) -> Result<()> {
        let sql = format!(
            "UPDATE {} SET status = 'failed', last_error = $2, sent_at = NULL, {} = '',
               next_attempt_at = NULL
             WHERE id = $1 AND status = $3",
            mails.table, mails.secret
        );
        sqlx::query(&sql)
            .bind(id)
            .bind(error)
            .bind(QUEUED)
            .execute(&self.pool)
            .await
            .map_err(storage)?;
        Ok(())
    }
}

/// Queues `mails`, due at once, on `conn` (inside the caller's transaction).
pub(crate) async fn insert_mails(
    conn: &mut sqlx::AnyConnection,
    mails: &[MailDraft],
) -> Result<()> {
    let at = millis(now());
    for mail in mails {
        sqlx::query(
            "INSERT INTO mails (id, purpose, recipient, subject, body, status, next_attempt_at, created_at)
             VALUES ($1, $2, $3, $4, $5, $6, $7, $7)",
        )
        .bind(MailId::new().to_string())
        .bind(enum_text(&mail.purpose)?)
        .bind(mail.to.as_str())
        .bind(&mail.subject)
        .bind(&mail.body)
        .bind(QUEUED)
        .bind(at)
        .execute(&mut *conn)
        .await
        .map_err(storage)?;
    }
    Ok(())
}

#[async_trait]
impl MailStore for Db {
    async fn queue_mails(&self, mails: &[MailDraft]) -> Result<()> {
        let mut tx = self.begin().await?;
        insert_mails(&mut tx, mails).await?;
        tx.commit().await.map_err(storage)
    }

    async fn claim_mails(
        &self,
        now: DateTime<Utc>,
        limit: u32,
        lease: chrono::Duration,
    ) -> Result<Vec<QueuedMail>> {
        let mut tx = self.begin().await?;
        let ids = self.claim_due(&mut tx, "mails", now, lease, limit).await?;
        let mut mails = Vec::with_capacity(ids.len());
        for id in ids {
            let row = sqlx::query(
                "SELECT id, purpose, recipient, subject, body, attempts, created_at FROM mails WHERE id = $1",
            )
            .bind(&id)
            .fetch_one(&mut *tx)
            .await
            .map_err(storage)?;
            mails.push(QueuedMail {
                id: parsed(get(&row, "id")?, "id")?,
                draft: MailDraft {
                    purpose: enum_from_text(get(&row, "purpose")?, "purpose")?,
                    to: checked(get(&row, "recipient")?, "recipient")?,
                    subject: get(&row, "subject")?,
                    body: get(&row, "body")?,
                },
                attempts: u32::try_from(get::<i64>(&row, "attempts")?).unwrap_or(u32::MAX),
                created_at: instant(get(&row, "created_at")?)?,
            });
        }
        tx.commit().await.map_err(storage)?;
        Ok(mails)
    }

    async fn mail_sent(&self, id: MailId, at: DateTime<Utc>) -> Result<()> {
        self.mail_sent_in(MAILS, &id.to_string(), at).await
    }

    async fn mail_retry(&self, id: MailId, next_at: DateTime<Utc>, error: &str) -> Result<()> {
        self.mail_retry_in(MAILS, &id.to_string(), next_at, error)
            .await
    }

    async fn mail_failed(&self, id: MailId, error: &str, _at: DateTime<Utc>) -> Result<()> {
        self.mail_failed_in(MAILS, &id.to_string(), error).await
    }
}
