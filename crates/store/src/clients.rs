//! Clients (tenants); a new client gets its empty standard instruction set in the same
//! transaction.

use crate::Db;
use crate::convert::{
    enum_from_text, enum_text, from_json, get, instant, millis, now, parsed, storage, to_json,
};
use crate::instructions;
use async_trait::async_trait;
use centrale_core::ports::{Change, ClientStore};
use centrale_core::{
    Actor, Client, ClientDraft, ClientId, EmailAddress, Error, InstructionContent, InstructionSet,
    InstructionSetDraft, InstructionSetId, Result, TimeZone,
};
use sqlx::any::AnyRow;

const COLUMNS: &str = "id, name, greeting, emails, time_zone, language, status, sms_default, transfer_rules, created_at";

fn client_from_row(row: &AnyRow) -> Result<Client> {
    Ok(Client {
        id: parsed(get(row, "id")?, "id")?,
        draft: ClientDraft {
            name: get(row, "name")?,
            greeting: get(row, "greeting")?,
            emails: from_json(&get::<String>(row, "emails")?, "emails")?,
            time_zone: TimeZone::parse(&get::<String>(row, "time_zone")?).map_err(storage)?,
            language: enum_from_text(get(row, "language")?, "language")?,
            status: enum_from_text(get(row, "status")?, "status")?,
            sms_default: enum_from_text(get(row, "sms_default")?, "sms_default")?,
            transfers: from_json(&get::<String>(row, "transfer_rules")?, "transfer_rules")?,
        },
        created_at: instant(get(row, "created_at")?)?,
    })
}

/// Writes a new client's row (its standard set is the caller's to write, in the same
/// transaction).
pub(crate) async fn insert_client(conn: &mut sqlx::AnyConnection, client: &Client) -> Result<()> {
    sqlx::query(
        "INSERT INTO clients (id, name, greeting, emails, time_zone, language, status, sms_default,
               transfer_rules, created_at)
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)",
    )
    .bind(client.id.to_string())
    .bind(&client.draft.name)
    .bind(&client.draft.greeting)
    .bind(to_json(&client.draft.emails)?)
    .bind(client.draft.time_zone.to_string())
    .bind(enum_text(&client.draft.language)?)
    .bind(enum_text(&client.draft.status)?)
    .bind(enum_text(&client.draft.sms_default)?)
    .bind(to_json(&client.draft.transfers)?)
    .bind(millis(client.created_at))
    .execute(conn)
    .await
    .map_err(storage)?;
    Ok(())
}

#[async_trait]
impl ClientStore for Db {
    async fn create_client(&self, draft: &ClientDraft, actor: &Actor) -> Result<Client> {
        let client = Client {
            id: ClientId::new(),
            draft: draft.clone(),
            created_at: now(),
        };
        let standard = InstructionSet {
            id: InstructionSetId::new(),
            client_id: client.id,
            draft: InstructionSetDraft {
                period: None,
                title: String::new(),
                content: InstructionContent::default(),
            },
            version: 1,
            created_at: client.created_at,
            updated_at: client.created_at,
            updated_by: actor.clone(),
        };
        let mut tx = self.begin().await?;
        insert_client(&mut tx, &client).await?;
        instructions::insert_set(&mut tx, &standard).await?;
        tx.commit().await.map_err(storage)?;
        self.changed(Change::Client(client.id)).await;
        Ok(client)
    }

    async fn list_clients(&self) -> Result<Vec<Client>> {
        let sql = format!("SELECT {COLUMNS} FROM clients ORDER BY lower(name), id");
        let rows = sqlx::query(&sql)
            .fetch_all(&self.pool)
            .await
            .map_err(storage)?;
        rows.iter().map(client_from_row).collect()
    }

    async fn client(&self, id: ClientId) -> Result<Client> {
        let sql = format!("SELECT {COLUMNS} FROM clients WHERE id = $1");
        let row = sqlx::query(&sql)
            .bind(id.to_string())
            .fetch_optional(&self.pool)
            .await
            .map_err(storage)?;
        row.as_ref()
            .map(client_from_row)
            .unwrap_or(Err(Error::NotFound("client")))
    }

    async fn update_client(&self, id: ClientId, draft: &ClientDraft) -> Result<Client> {
        let done = sqlx::query(
            "UPDATE clients SET name = $2, greeting = $3, emails = $4, time_zone = $5, language = $6, status = $7,
                 sms_default = $8, transfer_rules = $9
             WHERE id = $1",
        )
        .bind(id.to_string())
        .bind(&draft.name)
        .bind(&draft.greeting)
        .bind(to_json(&draft.emails)?)
        .bind(draft.time_zone.to_string())
        .bind(enum_text(&draft.language)?)
        .bind(enum_text(&draft.status)?)
        .bind(enum_text(&draft.sms_default)?)
        .bind(to_json(&draft.transfers)?)
        .execute(&self.pool)
        .await
        .map_err(storage)?;
        if done.rows_affected() == 0 {
            return Err(Error::NotFound("client"));
        }
        self.changed(Change::Client(id)).await;
        self.client(id).await
    }

    async fn set_client_emails(&self, id: ClientId, emails: &[EmailAddress]) -> Result<()> {
        let done = sqlx::query("UPDATE clients SET emails = $2 WHERE id = $1")
            .bind(id.to_string())
            .bind(to_json(emails)?)
            .execute(&self.pool)
            .await
            .map_err(storage)?;
        if done.rows_affected() == 0 {
            return Err(Error::NotFound("client"));
        }
        self.changed(Change::Client(id)).await;
        Ok(())
    }

    async fn delete_client(&self, id: ClientId) -> Result<()> {
        // Its numbers start their quarantine; the foreign keys do the rest: data cascades,
        // numbers fall back to the pool.
        let mut tx = self.begin().await?;
        sqlx::query("UPDATE forwarding_numbers SET released_at = $2 WHERE client_id = $1")
            .bind(id.to_string())
            .bind(millis(now()))
            .execute(&mut *tx)
            .await
            .map_err(storage)?;
        let done = sqlx::query("DELETE FROM clients WHERE id = $1")
            .bind(id.to_string())
            .execute(&mut *tx)
            .await
            .map_err(storage)?;
        if done.rows_affected() == 0 {
            return Err(Error::NotFound("client"));
        }
        tx.commit().await.map_err(storage)?;
        self.changed(Change::Client(id)).await;
        self.changed(Change::Numbers).await;
        Ok(())
    }
}
