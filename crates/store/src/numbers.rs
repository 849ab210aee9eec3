//! The forwarding-number pool; a number is unique in the pool and assigned to at most one
//! client.

use crate::Db;
use crate::convert::{
    checked, get, instant, is_foreign_key_violation, millis, now, parsed, storage, unique,
};
use async_trait::async_trait;
use centrale_core::ports::{Change, NumberStore};
use centrale_core::{
    ClientId, Error, ForwardingNumber, NumberDraft, NumberId, PhoneNumber, Result,
};
use sqlx::any::AnyRow;

const COLUMNS: &str = "id, number, label, client_id, released_at";

fn number_from_row(row: &AnyRow) -> Result<ForwardingNumber> {
    Ok(ForwardingNumber {
        id: parsed(get(row, "id")?, "id")?,
        draft: NumberDraft {
            number: checked(get(row, "number")?, "number")?,
            label: get(row, "label")?,
            client_id: get::<Option<String>>(row, "client_id")?
                .map(|id| parsed(id, "client_id"))
                .transpose()?,
        },
        released_at: get::<Option<i64>>(row, "released_at")?
            .map(instant)
            .transpose()?,
    })
}

/// What a refused write of `draft` means to the user.
fn write_error(e: sqlx::Error, draft: &NumberDraft) -> Error {
    if is_foreign_key_violation(&e) {
        return Error::invalid("client_id", "no such client");
    }
    unique(e, "number", || {
        format!("{} is already in the pool", draft.number)
    })
}

impl Db {
    /// The numbers matching `condition` on `$1 = value`, or all numbers without a condition.
    async fn numbers_where(
        &self,
        condition: Option<(&str, String)>,
    ) -> Result<Vec<ForwardingNumber>> {
        let filter = condition
            .as_ref()
            .map_or(String::new(), |(c, _)| format!("WHERE {c} = $1"));
        let sql = format!("SELECT {COLUMNS} FROM forwarding_numbers {filter} ORDER BY number");
        let mut query = sqlx::query(&sql);
        if let Some((_, value)) = condition {
            query = query.bind(value);
        }
        let rows = query.fetch_all(&self.pool).await.map_err(storage)?;
        rows.iter().map(number_from_row).collect()
    }

    async fn one_number_where(&self, column: &str, value: String) -> Result<ForwardingNumber> {
        self.numbers_where(Some((column, value)))
            .await?
            .pop()
            .ok_or(Error::NotFound("forwarding number"))
    }
}

#[async_trait]
impl NumberStore for Db {
    async fn create_number(&self, draft: &NumberDraft) -> Result<ForwardingNumber> {
        let number = ForwardingNumber {
            id: NumberId::new(),
            draft: draft.clone(),
            released_at: None,
        };
        sqlx::query(
            "INSERT INTO forwarding_numbers (id, number, label, client_id) VALUES ($1, $2, $3, $4)",
        )
        .bind(number.id.to_string())
        .bind(draft.number.as_str())
        .bind(draft.label.as_deref())
        .bind(draft.client_id.map(|id| id.to_string()))
        .execute(&self.pool)
        .await
        .map_err(|e| write_error(e, draft))?;
        self.changed(Change::Numbers).await;
        Ok(number)
    }

    async fn list_numbers(&self) -> Result<Vec<ForwardingNumber>> {
        self.numbers_where(None).await
    }

    async fn number(&self, id: NumberId) -> Result<ForwardingNumber> {
        self.one_number_where("id", id.to_string()).await
    }

    async fn number_by_e164(&self, number: &PhoneNumber) -> Result<ForwardingNumber> {
        self.one_number_where("number", number.as_str().to_owned())
            .await
    }

    async fn update_number(&self, id: NumberId, draft: &NumberDraft) -> Result<ForwardingNumber> {
        // A number its client gives up starts its quarantine; one assigned ends it.
        let done = sqlx::query(
            "UPDATE forwarding_numbers SET number = $2, label = $3,
               released_at = CASE
                 WHEN $4 IS NOT NULL THEN NULL
                 WHEN client_id IS NOT NULL THEN $5
                 ELSE released_at END,
               client_id = $4
             WHERE id = $1",
        )
        .bind(id.to_string())
        .bind(draft.number.as_str())
        .bind(draft.label.as_deref())
        .bind(draft.client_id.map(|id| id.to_string()))
        .bind(millis(now()))
        .execute(&self.pool)
        .await
        .map_err(|e| write_error(e, draft))?;
        if done.rows_affected() == 0 {
            return Err(Error::NotFound("forwarding number"));
        }
        self.changed(Change::Numbers).await;
        self.number(id).await
    }

    async fn delete_number(&self, id: NumberId) -> Result<()> {
        let done = sqlx::query("DELETE FROM forwarding_numbers WHERE id = $1")
            .bind(id.to_string())
            .execute(&self.pool)
            .await
            .map_err(storage)?;
        if done.rows_affected() == 0 {
            return Err(Error::NotFound("forwarding number"));
        }
        self.changed(Change::Numbers).await;
        Ok(())
    }

    async fn client_numbers(&self, client: ClientId) -> Result<Vec<ForwardingNumber>> {
        self.numbers_where(Some(("client_id", client.to_string())))
            .await
    }

    async fn import_numbers(
        &self,
        numbers: &[PhoneNumber],
    ) -> Result<(Vec<PhoneNumber>, Vec<PhoneNumber>)> {
        let (mut added, mut known) = (Vec::new(), Vec::new());
        let mut tx = self.begin().await?;
        for number in numbers {
            let done = sqlx::query(
                "INSERT INTO forwarding_numbers (id, number) VALUES ($1, $2)
                 ON CONFLICT (number) DO NOTHING",
            )
            .bind(NumberId::new().to_string())
            .bind(number.as_str())
            .execute(&mut *tx)
            .await
            .map_err(storage)?;
            if done.rows_affected() == 0 {
                known.push(number.clone());
            } else {
                added.push(number.clone());
            }
        }
        tx.commit().await.map_err(storage)?;
        if !added.is_empty() {
            self.changed(Change::Numbers).await;
        }
        Ok((added, known))
    }
}
