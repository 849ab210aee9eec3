//! Portal logins of clients' own staff.

use crate::Db;
use crate::convert::{is_foreign_key_violation, millis, now, unique};
use async_trait::async_trait;
use centrale_core::ports::PortalUserStore;
use centrale_core::{ClientId, EmailAddress, Error, PasswordHash, PortalUserId, Result};

#[async_trait]
impl PortalUserStore for Db {
    async fn create_portal_user(
        &self,
        client: ClientId,
        email: &EmailAddress,
        password: &PasswordHash,
    ) -> Result<PortalUserId> {
        let id = PortalUserId::new();
        sqlx::query("INSERT INTO portal_users (id, client_id, email, password_hash, created_at) VALUES ($1, $2, $3, $4, $5)")
            .bind(id.to_string())
            .bind(client.to_string())
            .bind(email.as_str())
            .bind(password.as_str())
            .bind(millis(now()))
            .execute(&self.pool)
            .await
            .map_err(|e| {
                if is_foreign_key_violation(&e) {
                    Error::NotFound("client")
                } else {
                    unique(e, "email", || format!("{email} has a portal login already"))
                }
            })?;
        Ok(id)
    }
}
