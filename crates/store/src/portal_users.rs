//! Portal logins of clients' own staff: users, sessions, password links and the small
//! outbox those links are e-mailed through (claimed and marked like `outbox.rs`).

use crate::Db;
use crate::convert::{
    checked, get, get_flag, instant, is_foreign_key_violation, millis, now, parsed, storage, unique,
};
use async_trait::async_trait;
use centrale_core::portal::{PortalMail, PortalUser, PortalUserDraft};
use centrale_core::ports::{PortalAccessStore, PortalMailStore, PortalUserStore, SecondFactor};
use centrale_core::{
    ClientId, DeliveryId, EmailAddress, Error, PasswordHash, PortalUserId, Result,
};
use chrono::{DateTime, Utc};
use sqlx::any::AnyRow;

const USER_COLUMNS: &str =
    "u.id, u.client_id, u.email, u.name, u.is_admin, u.password_hash, u.totp_secret, u.created_at";
const QUEUED: &str = "queued";
const PORTAL_MAILS: crate::mails::MailTable = crate::mails::MailTable {
    table: "portal_mails",
    secret: "link",
};
/// Test messages a client may have sent in 24 hours: a test, not a way to mail anyone.
const TEST_MAILS_A_DAY: i64 = 10;

fn user_from_row(row: &AnyRow) -> Result<PortalUser> {
    Ok(PortalUser {
        id: parsed(get(row, "id")?, "id")?,
        client_id: parsed(get(row, "client_id")?, "client_id")?,
        draft: PortalUserDraft {
            email: checked(get(row, "email")?, "email")?,
            name: get(row, "name")?,
            admin: get_flag(row, "is_admin")?,
        },
        has_password: !get::<String>(row, "password_hash")?.is_empty(),
        has_totp: get::<Option<String>>(row, "totp_secret")?.is_some(),
        created_at: instant(get(row, "created_at")?)?,
    })
}

/// Ends the user's links not used yet: a newer link, a new password or a used link makes
/// them worthless.
async fn end_open_links(conn: &mut sqlx::AnyConnection, user: &str, at: i64) -> Result<()> {
    sqlx::query(
        "UPDATE portal_links SET used_at = $2 WHERE portal_user_id = $1 AND used_at IS NULL",
    )
    .bind(user)
    .bind(at)
    .execute(conn)
    .await
    .map_err(storage)?;
    Ok(())
}

/// Writes a new portal user (with a password, or invited without one yet).
pub(crate) async fn insert_portal_user(
    conn: &mut sqlx::AnyConnection,
    client: ClientId,
    draft: &PortalUserDraft,
    password: Option<&PasswordHash>,
) -> Result<PortalUser> {
    let id = PortalUserId::new();
    let created_at = now();
    sqlx::query(
        "INSERT INTO portal_users (id, client_id, email, name, is_admin, password_hash, created_at, password_changed_at)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $7)",
    )
    .bind(id.to_string())
    .bind(client.to_string())
    .bind(draft.email.as_str())
    .bind(draft.name.as_str())
    .bind(crate::convert::flag(draft.admin))
    .bind(password.map_or("", PasswordHash::as_str))
    .bind(millis(created_at))
    .execute(conn)
    .await
    .map_err(|e| {
        if is_foreign_key_violation(&e) {
            Error::NotFound("client")
        } else {
            let email = &draft.email;
            unique(e, "email", || format!("{email} has a portal login already"))
        }
    })?;
    Ok(PortalUser {
        id,
        client_id: client,
        draft: draft.clone(),
        has_password: password.is_some(),
        has_totp: false,
        created_at: crate::convert::instant(millis(created_at))?,
    })
}

/// Writes a set-password link for `user` (only the token's hash), ending any older one: at
/// most one link per user is open.
pub(crate) async fn insert_link(
    conn: &mut sqlx::AnyConnection,
    user: PortalUserId,
    token_hash: &str,
    at: i64,
    expires_at: DateTime<Utc>,
) -> Result<()> {
    end_open_links(conn, &user.to_string(), at).await?;
    sqlx::query(
        "INSERT INTO portal_links (token_hash, portal_user_id, created_at, expires_at) VALUES ($1, $2, $3, $4)",
    )
    .bind(token_hash)
    .bind(user.to_string())
    .bind(at)
    .bind(millis(expires_at))
    .execute(conn)
    .await
    .map_err(storage)?;
    Ok(())
}

impl Db {
    async fn one_user(
        &self,
        sql: &str,
        key: &str,
        at: Option<DateTime<Utc>>,
    ) -> Result<Option<AnyRow>> {
        let mut query = sqlx::query(sql).bind(key.to_owned());
        if let Some(at) = at {
            query = query.bind(millis(at));
        }
        query.fetch_optional(&self.pool).await.map_err(storage)
    }
}

#[async_trait]
impl PortalUserStore for Db {
    async fn create_portal_user(
        &self,
        client: ClientId,
        draft: &PortalUserDraft,
        password: Option<&PasswordHash>,
    ) -> Result<PortalUser> {
        let mut conn = self.pool.acquire().await.map_err(storage)?;
        insert_portal_user(&mut conn, client, draft, password).await
    }

    async fn list_portal_users(&self, client: ClientId) -> Result<Vec<PortalUser>> {
        let rows = sqlx::query(&format!(
            "SELECT {USER_COLUMNS} FROM portal_users u WHERE u.client_id = $1 ORDER BY lower(u.email)"
        ))
        .bind(client.to_string())
        .fetch_all(&self.pool)
        .await
        .map_err(storage)?;
        rows.iter().map(user_from_row).collect()
    }

    async fn delete_portal_user(&self, client: ClientId, user: PortalUserId) -> Result<()> {
        let done = sqlx::query("DELETE FROM portal_users WHERE client_id = $1 AND id = $2")
            .bind(client.to_string())
            .bind(user.to_string())
            .execute(&self.pool)
            .await
            .map_err(storage)?;
        if done.rows_affected() == 0 {
            return Err(Error::NotFound("portal user"));
        }
        Ok(())
    }

    async fn create_password_link(
        &self,
        client: ClientId,
        user: PortalUserId,
        token_hash: &str,
        link: &str,
        expires_at: DateTime<Utc>,
    ) -> Result<()> {
        let at = millis(now());
        let mut tx = self.begin().await?;
        let recipient =
            sqlx::query("SELECT email FROM portal_users WHERE client_id = $1 AND id = $2")
                .bind(client.to_string())
                .bind(user.to_string())
                .fetch_optional(&mut *tx)
                .await
                .map_err(storage)?
                .ok_or(Error::NotFound("portal user"))?;
        insert_link(&mut tx, user, token_hash, at, expires_at).await?;
        sqlx::query(
            "INSERT INTO portal_mails (id, client_id, portal_user_id, recipient, link, status, next_attempt_at, created_at)
             VALUES ($1, $2, $3, $4, $5, $6, $7, $7)",
        )
        .bind(DeliveryId::new().to_string())
        .bind(client.to_string())
        .bind(user.to_string())
        .bind(get::<String>(&recipient, "email")?)
        .bind(link)
        .bind(QUEUED)
        .bind(at)
        .execute(&mut *tx)
        .await
        .map_err(storage)?;
        tx.commit().await.map_err(storage)
    }

    async fn set_portal_password(
        &self,
        client: ClientId,
        user: PortalUserId,
        password: &PasswordHash,
    ) -> Result<()> {
        let done = sqlx::query(
            "UPDATE portal_users SET password_hash = $3, password_changed_at = $4 WHERE client_id = $1 AND id = $2",
        )
        .bind(client.to_string())
        .bind(user.to_string())
        .bind(password.as_str())
        .bind(millis(now()))
        .execute(&self.pool)
        .await
        .map_err(storage)?;
        if done.rows_affected() == 0 {
            return Err(Error::NotFound("portal user"));
        }
        // A link mailed before no longer sets it.
        let mut conn = self.pool.acquire().await.map_err(storage)?;
        end_open_links(&mut conn, &user.to_string(), millis(now())).await?;
        Ok(())
    }

    async fn enable_totp(
        &self,
        client: ClientId,
        user: PortalUserId,
        secret: &str,
        recovery_hashes: &[String],
    ) -> Result<()> {
        let mut tx = self.begin().await?;
        let done = sqlx::query(
            "UPDATE portal_users SET totp_secret = $3, totp_last_step = NULL WHERE client_id = $1 AND id = $2",
        )
        .bind(client.to_string())
        .bind(user.to_string())
        .bind(secret)
        .execute(&mut *tx)
        .await
        .map_err(storage)?;
        if done.rows_affected() == 0 {
            return Err(Error::NotFound("portal user"));
        }
        sqlx::query("DELETE FROM portal_recovery_codes WHERE portal_user_id = $1")
            .bind(user.to_string())
            .execute(&mut *tx)
            .await
            .map_err(storage)?;
        for hash in recovery_hashes {
            sqlx::query(
                "INSERT INTO portal_recovery_codes (portal_user_id, code_hash) VALUES ($1, $2)",
            )
            .bind(user.to_string())
            .bind(hash.as_str())
            .execute(&mut *tx)
            .await
            .map_err(storage)?;
        }
        tx.commit().await.map_err(storage)
    }

    async fn disable_totp(&self, client: ClientId, user: PortalUserId) -> Result<()> {
        let mut tx = self.begin().await?;
        let done = sqlx::query(
            "UPDATE portal_users SET totp_secret = NULL, totp_last_step = NULL WHERE client_id = $1 AND id = $2",
        )
        .bind(client.to_string())
        .bind(user.to_string())
        .execute(&mut *tx)
        .await
        .map_err(storage)?;
        if done.rows_affected() == 0 {
            return Err(Error::NotFound("portal user"));
        }
        sqlx::query("DELETE FROM portal_recovery_codes WHERE portal_user_id = $1")
            .bind(user.to_string())
            .execute(&mut *tx)
            .await
            .map_err(storage)?;
        tx.commit().await.map_err(storage)
    }

    async fn totp_secret(&self, client: ClientId, user: PortalUserId) -> Result<Option<String>> {
        let row =
            sqlx::query("SELECT totp_secret FROM portal_users WHERE client_id = $1 AND id = $2")
                .bind(client.to_string())
                .bind(user.to_string())
                .fetch_optional(&self.pool)
                .await
                .map_err(storage)?
                .ok_or(Error::NotFound("portal user"))?;
        get(&row, "totp_secret")
    }

    async fn queue_test_mails(
        &self,
        client: ClientId,
        user: PortalUserId,
        to: &[EmailAddress],
    ) -> Result<()> {
        let at = millis(now());
        let mut tx = self.begin().await?;
        let day_ago = at - 24 * 3600 * 1000;
        let sent = sqlx::query(
            "SELECT COUNT(*) AS n FROM portal_mails WHERE client_id = $1 AND kind = 'test' AND created_at > $2",
        )
        .bind(client.to_string())
        .bind(day_ago)
        .fetch_one(&mut *tx)
        .await
        .map_err(storage)?;
        if get::<i64>(&sent, "n")? + i64::try_from(to.len()).unwrap_or(i64::MAX) > TEST_MAILS_A_DAY
        {
            return Err(Error::invalid(
                "to",
                format!("at most {TEST_MAILS_A_DAY} test messages a day"),
            ));
        }
        for recipient in to {
            sqlx::query(
                "INSERT INTO portal_mails (id, client_id, portal_user_id, recipient, link, status, next_attempt_at, created_at, kind)
                 SELECT $1, client_id, id, $3, '', $4, $5, $5, 'test' FROM portal_users WHERE client_id = $2 AND id = $6",
            )
            .bind(DeliveryId::new().to_string())
            .bind(client.to_string())
            .bind(recipient.as_str())
            .bind(QUEUED)
            .bind(at)
            .bind(user.to_string())
            .execute(&mut *tx)
            .await
            .map_err(storage)?;
        }
        tx.commit().await.map_err(storage)
    }
}

#[async_trait]
impl PortalAccessStore for Db {
    async fn portal_login(&self, email: &str) -> Result<(PortalUser, PasswordHash)> {
        let row = self
            .one_user(
                &format!(
                    "SELECT {USER_COLUMNS} FROM portal_users u WHERE lower(u.email) = lower($1)"
                ),
                email,
                None,
            )
            .await?
            .ok_or(Error::NotFound("portal user"))?;
        let hash: String = get(&row, "password_hash")?;
        if hash.is_empty() {
            return Err(Error::NotFound("portal user"));
        }
        Ok((user_from_row(&row)?, PasswordHash::from_stored(hash)))
    }

    async fn create_portal_session(
        &self,
        token_hash: &str,
        user: PortalUserId,
        expires_at: DateTime<Utc>,
        verified: bool,
    ) -> Result<()> {
        sqlx::query(
            "INSERT INTO portal_sessions (token_hash, portal_user_id, created_at, expires_at, verified) VALUES ($1, $2, $3, $4, $5)",
        )
        .bind(token_hash)
        .bind(user.to_string())
        .bind(millis(now()))
        .bind(millis(expires_at))
        .bind(crate::convert::flag(verified))
        .execute(&self.pool)
        .await
        .map_err(|e| {
            if is_foreign_key_violation(&e) {
                Error::NotFound("portal user")
            } else {
                unique(e, "token", || "this session exists already".into())
            }
        })?;
        Ok(())
    }

    async fn portal_session(&self, token_hash: &str, now: DateTime<Utc>) -> Result<PortalUser> {
        let row = self
            .one_user(
                &format!(
                    "SELECT {USER_COLUMNS} FROM portal_sessions s JOIN portal_users u ON u.id = s.portal_user_id
                     WHERE s.token_hash = $1 AND s.expires_at > $2 AND s.revoked_at IS NULL
                       AND s.created_at >= u.password_changed_at AND s.verified = 1"
                ),
                token_hash,
                Some(now),
            )
            .await?
            .ok_or(Error::NotFound("session"))?;
        user_from_row(&row)
    }

    async fn revoke_portal_session(&self, token_hash: &str) -> Result<()> {
        sqlx::query(
            "UPDATE portal_sessions SET revoked_at = COALESCE(revoked_at, $2) WHERE token_hash = $1",
        )
        .bind(token_hash)
        .bind(millis(now()))
        .execute(&self.pool)
        .await
        .map_err(storage)?;
        Ok(())
    }

    async fn pending_portal_session(
        &self,
        token_hash: &str,
        now: DateTime<Utc>,
    ) -> Result<(PortalUser, String)> {
        let row = self
            .one_user(
                &format!(
                    "SELECT {USER_COLUMNS} FROM portal_sessions s JOIN portal_users u ON u.id = s.portal_user_id
                     WHERE s.token_hash = $1 AND s.expires_at > $2 AND s.revoked_at IS NULL
                       AND s.created_at >= u.password_changed_at AND s.verified = 0
                       AND u.totp_secret IS NOT NULL"
                ),
                token_hash,
                Some(now),
            )
            .await?
            .ok_or(Error::NotFound("session"))?;
        let secret: Option<String> = get(&row, "totp_secret")?;
        Ok((user_from_row(&row)?, secret.unwrap_or_default()))
    }

    async fn complete_second_factor(
        &self,
        token_hash: &str,
        code: SecondFactor<'_>,
        now: DateTime<Utc>,
        expires_at: DateTime<Utc>,
    ) -> Result<PortalUser> {
        let at = millis(now);
        let mut tx = self.begin().await?;
        let session = sqlx::query(
            "SELECT portal_user_id FROM portal_sessions
             WHERE token_hash = $1 AND expires_at > $2 AND revoked_at IS NULL AND verified = 0",
        )
        .bind(token_hash)
        .bind(at)
        .fetch_optional(&mut *tx)
        .await
        .map_err(storage)?
        .ok_or(Error::NotFound("session"))?;
        let user: String = get(&session, "portal_user_id")?;
        // Each guarded update decides once: a code taken already changes no row.
        let taken = match code {
            SecondFactor::Step(step) => sqlx::query(
                "UPDATE portal_users SET totp_last_step = $2
                 WHERE id = $1 AND totp_secret IS NOT NULL AND (totp_last_step IS NULL OR totp_last_step < $2)",
            )
            .bind(user.as_str())
            .bind(step),
            SecondFactor::Recovery(hash) => sqlx::query(
                "UPDATE portal_recovery_codes SET used_at = $3
                 WHERE portal_user_id = $1 AND code_hash = $2 AND used_at IS NULL",
            )
            .bind(user.as_str())
            .bind(hash)
            .bind(at),
        }
        .execute(&mut *tx)
        .await
        .map_err(storage)?;
        if taken.rows_affected() == 0 {
            return Err(Error::NotFound("code"));
        }
        sqlx::query(
            "UPDATE portal_sessions SET verified = 1, expires_at = $2 WHERE token_hash = $1",
        )
        .bind(token_hash)
        .bind(millis(expires_at))
        .execute(&mut *tx)
        .await
        .map_err(storage)?;
        let row = sqlx::query(&format!(
            "SELECT {USER_COLUMNS} FROM portal_users u WHERE u.id = $1"
        ))
        .bind(user.as_str())
        .fetch_one(&mut *tx)
        .await
        .map_err(storage)?;
        tx.commit().await.map_err(storage)?;
        user_from_row(&row)
    }

    async fn reset_link(
        &self,
        email: &str,
        token_hash: &str,
        link: &str,
        expires_at: DateTime<Utc>,
    ) -> Result<()> {
        let row = self
            .one_user(
                &format!(
                    "SELECT {USER_COLUMNS} FROM portal_users u WHERE lower(u.email) = lower($1)"
                ),
                email,
                None,
            )
            .await?
            .ok_or(Error::NotFound("portal user"))?;
        let user = user_from_row(&row)?;
        self.create_password_link(user.client_id, user.id, token_hash, link, expires_at)
            .await
    }

    async fn password_link(&self, token_hash: &str, now: DateTime<Utc>) -> Result<PortalUser> {
        let row = self
            .one_user(
                &format!(
                    "SELECT {USER_COLUMNS} FROM portal_links l JOIN portal_users u ON u.id = l.portal_user_id
                     WHERE l.token_hash = $1 AND l.expires_at > $2 AND l.used_at IS NULL"
                ),
                token_hash,
                Some(now),
            )
            .await?
            .ok_or(Error::NotFound("link"))?;
        user_from_row(&row)
    }

    async fn use_password_link(
        &self,
        token_hash: &str,
        password: &PasswordHash,
        now: DateTime<Utc>,
    ) -> Result<PortalUser> {
        let at = millis(now);
        let mut tx = self.begin().await?;
        // The guarded update decides: of two requests with the same link, one changes the row.
        let used = sqlx::query(
            "UPDATE portal_links SET used_at = $2
             WHERE token_hash = $1 AND used_at IS NULL AND expires_at > $2
             RETURNING portal_user_id",
        )
        .bind(token_hash)
        .bind(at)
        .fetch_optional(&mut *tx)
        .await
        .map_err(storage)?
        .ok_or(Error::NotFound("link"))?;
        let user: String = get(&used, "portal_user_id")?;
        // Sessions opened before this instant end; the one opened right after it is valid.
        sqlx::query(
            "UPDATE portal_users SET password_hash = $2, password_changed_at = $3 WHERE id = $1",
        )
        .bind(user.as_str())
        .bind(password.as_str())
        .bind(at)
        .execute(&mut *tx)
        .await
        .map_err(storage)?;
        sqlx::query(
            "UPDATE portal_sessions SET revoked_at = $2 WHERE portal_user_id = $1 AND revoked_at IS NULL",
        )
        .bind(user.as_str())
        .bind(at)
        .execute(&mut *tx)
        .await
        .map_err(storage)?;
        end_open_links(&mut tx, &user, at).await?;
        let row = sqlx::query(&format!(
            "SELECT {USER_COLUMNS} FROM portal_users u WHERE u.id = $1"
        ))
        .bind(user.as_str())
        .fetch_one(&mut *tx)
        .await
        .map_err(storage)?;
        tx.commit().await.map_err(storage)?;
        user_from_row(&row)
    }
}

#[async_trait]
impl PortalMailStore for Db {
    async fn claim_portal_mails(
        &self,
        now: DateTime<Utc>,
        limit: u32,
        lease: chrono::Duration,
    ) -> Result<Vec<PortalMail>> {
        let mut tx = self.begin().await?;
        let ids = self
            .claim_due(&mut tx, "portal_mails", now, lease, limit)
            .await?;
        let mut mails = Vec::with_capacity(ids.len());
        for id in ids {
            let row = sqlx::query(
                "SELECT m.id, m.kind, m.recipient, m.link, m.attempts, m.created_at, u.name, c.name AS client_name, c.language
                 FROM portal_mails m JOIN portal_users u ON u.id = m.portal_user_id
                 JOIN clients c ON c.id = m.client_id
                 WHERE m.id = $1",
            )
            .bind(id.as_str())
            .fetch_one(&mut *tx)
            .await
            .map_err(storage)?;
            mails.push(PortalMail {
                id: parsed(get(&row, "id")?, "id")?,
                kind: crate::convert::enum_from_text(get(&row, "kind")?, "kind")?,
                client_name: get(&row, "client_name")?,
                language: crate::convert::enum_from_text(get(&row, "language")?, "language")?,
                recipient: checked::<EmailAddress>(get(&row, "recipient")?, "recipient")?,
                name: get(&row, "name")?,
                link: get(&row, "link")?,
                attempts: u32::try_from(get::<i64>(&row, "attempts")?).unwrap_or(u32::MAX),
                created_at: instant(get(&row, "created_at")?)?,
            });
        }
        tx.commit().await.map_err(storage)?;
        Ok(mails)
    }

    async fn portal_mail_sent(&self, id: DeliveryId, at: DateTime<Utc>) -> Result<()> {
        self.mail_sent_in(PORTAL_MAILS, &id.to_string(), at).await
    }

    async fn portal_mail_retry(
        &self,
        id: DeliveryId,
        next_at: DateTime<Utc>,
        error: &str,
    ) -> Result<()> {
        self.mail_retry_in(PORTAL_MAILS, &id.to_string(), next_at, error)
            .await
    }

    async fn portal_mail_failed(
        &self,
        id: DeliveryId,
        error: &str,
        _at: DateTime<Utc>,
    ) -> Result<()> {
        self.mail_failed_in(PORTAL_MAILS, &id.to_string(), error)
            .await
    }
}
