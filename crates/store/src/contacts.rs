//! A client's known callers; a number is known at most once per client.

use crate::Db;
use crate::convert::{
    checked, flag, get, get_flag, is_foreign_key_violation, parsed, storage, unique,
};
use async_trait::async_trait;
use centrale_core::ports::{Change, ContactStore};
use centrale_core::{ClientId, Contact, ContactDraft, ContactId, Error, Result};
use sqlx::any::AnyRow;

const COLUMNS: &str = "id, client_id, number, name, company, remarks, vip";

fn contact_from_row(row: &AnyRow) -> Result<Contact> {
    Ok(Contact {
        id: parsed(get(row, "id")?, "id")?,
        client_id: parsed(get(row, "client_id")?, "client_id")?,
        draft: ContactDraft {
            number: checked(get(row, "number")?, "number")?,
            name: get(row, "name")?,
            company: get(row, "company")?,
            remarks: get(row, "remarks")?,
            vip: get_flag(row, "vip")?,
        },
    })
}

/// What a refused write of `draft` means to the user.
fn write_error(e: sqlx::Error, draft: &ContactDraft) -> Error {
    if is_foreign_key_violation(&e) {
        return Error::NotFound("client");
    }
    unique(e, "number", || {
        format!("{} is already a contact of this client", draft.number)
    })
}

#[async_trait]
impl ContactStore for Db {
    async fn create_contact(&self, client: ClientId, draft: &ContactDraft) -> Result<Contact> {
        let contact = Contact {
            id: ContactId::new(),
            client_id: client,
            draft: draft.clone(),
        };
        sqlx::query(
            "INSERT INTO contacts (id, client_id, number, name, company, remarks, vip)
             VALUES ($1, $2, $3, $4, $5, $6, $7)",
        )
        .bind(contact.id.to_string())
        .bind(client.to_string())
        .bind(draft.number.as_str())
        .bind(&draft.name)
        .bind(&draft.company)
        .bind(&draft.remarks)
        .bind(flag(draft.vip))
        .execute(&self.pool)
        .await
        .map_err(|e| write_error(e, draft))?;
        self.changed(Change::Client(client)).await;
        Ok(contact)
    }

    async fn list_contacts(&self, client: ClientId) -> Result<Vec<Contact>> {
        let sql =
            format!("SELECT {COLUMNS} FROM contacts WHERE client_id = $1 ORDER BY lower(name), id");
        let rows = sqlx::query(&sql)
            .bind(client.to_string())
            .fetch_all(&self.pool)
            .await
            .map_err(storage)?;
        rows.iter().map(contact_from_row).collect()
    }

    async fn contact(&self, client: ClientId, id: ContactId) -> Result<Contact> {
        let sql = format!("SELECT {COLUMNS} FROM contacts WHERE client_id = $1 AND id = $2");
        let row = sqlx::query(&sql)
            .bind(client.to_string())
            .bind(id.to_string())
            .fetch_optional(&self.pool)
            .await
            .map_err(storage)?;
        row.as_ref()
            .map(contact_from_row)
            .unwrap_or(Err(Error::NotFound("contact")))
    }

    async fn update_contact(
        &self,
        client: ClientId,
        id: ContactId,
        draft: &ContactDraft,
    ) -> Result<Contact> {
        let done = sqlx::query(
            "UPDATE contacts SET number = $3, name = $4, company = $5, remarks = $6, vip = $7
             WHERE client_id = $1 AND id = $2",
        )
        .bind(client.to_string())
        .bind(id.to_string())
        .bind(draft.number.as_str())
        .bind(&draft.name)
        .bind(&draft.company)
        .bind(&draft.remarks)
        .bind(flag(draft.vip))
        .execute(&self.pool)
        .await
        .map_err(|e| write_error(e, draft))?;
        if done.rows_affected() == 0 {
            return Err(Error::NotFound("contact"));
        }
        self.changed(Change::Client(client)).await;
        Ok(Contact {
            id,
            client_id: client,
            draft: draft.clone(),
        })
    }

    async fn delete_contact(&self, client: ClientId, id: ContactId) -> Result<()> {
        let done = sqlx::query("DELETE FROM contacts WHERE client_id = $1 AND id = $2")
            .bind(client.to_string())
            .bind(id.to_string())
            .execute(&self.pool)
            .await
            .map_err(storage)?;
        if done.rows_affected() == 0 {
            return Err(Error::NotFound("contact"));
        }
        self.changed(Change::Client(client)).await;
        Ok(())
    }
}
