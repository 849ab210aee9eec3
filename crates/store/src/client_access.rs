//! Which clients an operator may read: offered to her, or found by her search, lately.

use crate::Db;
use crate::convert::{millis, storage};
use async_trait::async_trait;
use centrale_core::ports::ClientAccessStore;
use centrale_core::{ClientId, Result, StaffId};
use chrono::{DateTime, Utc};

#[async_trait]
impl ClientAccessStore for Db {
    async fn grant_client_access(
        &self,
        staff: StaffId,
        clients: &[ClientId],
        at: DateTime<Utc>,
    ) -> Result<()> {
        let mut tx = self.pool.begin().await.map_err(storage)?;
        for client in clients {
            sqlx::query(
                "INSERT INTO client_access (staff_id, client_id, granted_at) VALUES ($1, $2, $3)
                 ON CONFLICT (staff_id, client_id) DO UPDATE SET granted_at = excluded.granted_at",
            )
            .bind(staff.to_string())
            .bind(client.to_string())
            .bind(millis(at))
            .execute(&mut *tx)
            .await
            .map_err(storage)?;
        }
        tx.commit().await.map_err(storage)
    }

    async fn has_client_access(
        &self,
        staff: StaffId,
        client: ClientId,
        since: DateTime<Utc>,
    ) -> Result<bool> {
        let found = sqlx::query(
            "SELECT 1 FROM call_offers
             WHERE operator_id = $1 AND client_id = $2 AND offered_at >= $3
             UNION ALL
             SELECT 1 FROM client_access
             WHERE staff_id = $1 AND client_id = $2 AND granted_at >= $3
             LIMIT 1",
        )
        .bind(staff.to_string())
        .bind(client.to_string())
        .bind(millis(since))
        .fetch_optional(&self.pool)
        .await
        .map_err(storage)?;
        Ok(found.is_some())
    }
}
