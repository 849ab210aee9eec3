//! API bearer tokens, kept only as hashes; live while not expired and not revoked.

use crate::Db;
use crate::convert::{is_foreign_key_violation, millis, now, storage, unique};
use crate::staff::staff_from_row;
use async_trait::async_trait;
use centrale_core::ports::TokenStore;
use centrale_core::{Error, Result, Staff, StaffId};
use chrono::{DateTime, Utc};

#[async_trait]
impl TokenStore for Db {
    async fn create_token(
        &self,
        token_hash: &str,
        staff: StaffId,
        expires_at: DateTime<Utc>,
    ) -> Result<()> {
        sqlx::query("INSERT INTO api_tokens (token_hash, staff_id, created_at, expires_at) VALUES ($1, $2, $3, $4)")
            .bind(token_hash)
            .bind(staff.to_string())
            .bind(millis(now()))
            .bind(millis(expires_at))
            .execute(&self.pool)
            .await
            .map_err(|e| {
                if is_foreign_key_violation(&e) {
                    Error::NotFound("staff member")
                } else {
                    unique(e, "token", || "this token exists already".into())
                }
            })?;
        Ok(())
    }

    async fn staff_by_token(&self, token_hash: &str, now: DateTime<Utc>) -> Result<Staff> {
        let row = sqlx::query(
            "SELECT s.id, s.email, s.name, s.role, s.sip_username
             FROM api_tokens t JOIN staff s ON s.id = t.staff_id
             WHERE t.token_hash = $1 AND t.expires_at > $2 AND t.revoked_at IS NULL",
        )
        .bind(token_hash)
        .bind(millis(now))
        .fetch_optional(&self.pool)
        .await
        .map_err(storage)?
        .ok_or(Error::NotFound("token"))?;
        staff_from_row(&row)
    }

    async fn revoke_token(&self, token_hash: &str) -> Result<()> {
        // Revoking twice keeps the first moment.
        let done = sqlx::query(
            "UPDATE api_tokens SET revoked_at = COALESCE(revoked_at, $2) WHERE token_hash = $1",
        )
        .bind(token_hash)
        .bind(millis(now()))
        .execute(&self.pool)
        .await
        .map_err(storage)?;
        if done.rows_affected() == 0 {
            return Err(Error::NotFound("token"));
        }
        Ok(())
    }

    async fn revoke_staff_tokens(&self, staff: StaffId) -> Result<u64> {
        // Only live ones: a token revoked earlier keeps its own moment.
        let done = sqlx::query(
            "UPDATE api_tokens SET revoked_at = $2 WHERE staff_id = $1 AND revoked_at IS NULL",
        )
        .bind(staff.to_string())
        .bind(millis(now()))
        .execute(&self.pool)
        .await
        .map_err(storage)?;
        Ok(done.rows_affected())
    }
}
