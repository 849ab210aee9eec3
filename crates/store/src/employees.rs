//! A client's employees; every query matches the client's id.

use crate::Db;
use crate::convert::{
    checked, enum_from_text, enum_text, flag, from_json, get, get_flag, is_foreign_key_violation,
    parsed,
};
use crate::convert::{storage, to_json};
use async_trait::async_trait;
use centrale_core::ports::{Change, EmployeeStore};
use centrale_core::{ClientId, Employee, EmployeeDraft, EmployeeId, Error, PhoneNumber, Result};
use sqlx::any::AnyRow;

const COLUMNS: &str = "id, client_id, name, role, emails, mobile, landline, reachable, sms";

fn phone(row: &AnyRow, column: &str) -> Result<Option<PhoneNumber>> {
    get::<Option<String>>(row, column)?
        .map(|text| checked(text, column))
        .transpose()
}

fn employee_from_row(row: &AnyRow) -> Result<Employee> {
    Ok(Employee {
        id: parsed(get(row, "id")?, "id")?,
        client_id: parsed(get(row, "client_id")?, "client_id")?,
        draft: EmployeeDraft {
            name: get(row, "name")?,
            role: get(row, "role")?,
            emails: from_json(&get::<String>(row, "emails")?, "emails")?,
            mobile: phone(row, "mobile")?,
            landline: phone(row, "landline")?,
            reachable: get_flag(row, "reachable")?,
            sms: enum_from_text(get(row, "sms")?, "sms")?,
        },
    })
}

/// Writes a new employee's row.
pub(crate) async fn insert_employee(
    conn: &mut sqlx::AnyConnection,
    employee: &Employee,
) -> Result<()> {
    let draft = &employee.draft;
    sqlx::query(
        "INSERT INTO employees (id, client_id, name, role, emails, mobile, landline, reachable, sms)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)",
    )
    .bind(employee.id.to_string())
    .bind(employee.client_id.to_string())
    .bind(&draft.name)
    .bind(&draft.role)
    .bind(to_json(&draft.emails)?)
    .bind(draft.mobile.as_ref().map(PhoneNumber::as_str))
    .bind(draft.landline.as_ref().map(PhoneNumber::as_str))
    .bind(flag(draft.reachable))
    .bind(enum_text(&draft.sms)?)
    .execute(conn)
    .await
    .map_err(|e| if is_foreign_key_violation(&e) { Error::NotFound("client") } else { storage(e) })?;
    Ok(())
}

#[async_trait]
impl EmployeeStore for Db {
    async fn create_employee(&self, client: ClientId, draft: &EmployeeDraft) -> Result<Employee> {
        let employee = Employee {
            id: EmployeeId::new(),
            client_id: client,
            draft: draft.clone(),
        };
        let mut conn = self.pool.acquire().await.map_err(storage)?;
        insert_employee(&mut conn, &employee).await?;
        self.changed(Change::Client(client)).await;
        Ok(employee)
    }

    async fn list_employees(&self, client: ClientId) -> Result<Vec<Employee>> {
        let sql = format!(
            "SELECT {COLUMNS} FROM employees WHERE client_id = $1 ORDER BY lower(name), id"
        );
        let rows = sqlx::query(&sql)
            .bind(client.to_string())
            .fetch_all(&self.pool)
            .await
            .map_err(storage)?;
        rows.iter().map(employee_from_row).collect()
    }

    async fn employee(&self, client: ClientId, id: EmployeeId) -> Result<Employee> {
        let sql = format!("SELECT {COLUMNS} FROM employees WHERE client_id = $1 AND id = $2");
        let row = sqlx::query(&sql)
            .bind(client.to_string())
            .bind(id.to_string())
            .fetch_optional(&self.pool)
            .await
            .map_err(storage)?;
        row.as_ref()
            .map(employee_from_row)
            .unwrap_or(Err(Error::NotFound("employee")))
    }

    async fn update_employee(
        &self,
        client: ClientId,
        id: EmployeeId,
        draft: &EmployeeDraft,
    ) -> Result<Employee> {
        let done = sqlx::query(
            "UPDATE employees SET name = $3, role = $4, emails = $5, mobile = $6, landline = $7, reachable = $8,
             sms = $9 WHERE client_id = $1 AND id = $2",
        )
        .bind(client.to_string())
        .bind(id.to_string())
        .bind(&draft.name)
        .bind(&draft.role)
        .bind(to_json(&draft.emails)?)
        .bind(draft.mobile.as_ref().map(PhoneNumber::as_str))
        .bind(draft.landline.as_ref().map(PhoneNumber::as_str))
        .bind(flag(draft.reachable))
        .bind(enum_text(&draft.sms)?)
        .execute(&self.pool)
        .await
        .map_err(storage)?;
        if done.rows_affected() == 0 {
            return Err(Error::NotFound("employee"));
        }
        self.changed(Change::Client(client)).await;
        Ok(Employee {
            id,
            client_id: client,
            draft: draft.clone(),
        })
    }

    async fn delete_employee(&self, client: ClientId, id: EmployeeId) -> Result<()> {
        let done = sqlx::query("DELETE FROM employees WHERE client_id = $1 AND id = $2")
            .bind(client.to_string())
            .bind(id.to_string())
            .execute(&self.pool)
            .await
            .map_err(storage)?;
        if done.rows_affected() == 0 {
            return Err(Error::NotFound("employee"));
        }
        self.changed(Change::Client(client)).await;
        Ok(())
    }
}
