//! Employees' agendas: busy times only (JSON), from a URL fetched on a schedule or an
//! uploaded file. Every write names the client and the employee must be the client's; each
//! write tells the directory, so the next call's pop shows who is busy.

use crate::Db;
use crate::convert::{checked, from_json, get, instant, millis, parsed, storage, to_json};
use async_trait::async_trait;
use centrale_core::agenda::Busy;
use centrale_core::ports::{Agenda, AgendaStore, Change};
use centrale_core::{ClientId, EmployeeId, Error, Result, TimeZone};
use chrono::{DateTime, Utc};

impl Db {
    /// Inserts or replaces an employee's agenda row, only for an employee of `client`.
    async fn put_agenda(
        &self,
        client: ClientId,
        employee: EmployeeId,
        url: Option<&str>,
        busy: &[Busy],
        fetched_at: Option<DateTime<Utc>>,
    ) -> Result<()> {
        let at = millis(Utc::now());
        let mut tx = self.begin().await?;
        sqlx::query("DELETE FROM employee_agendas WHERE client_id = $1 AND employee_id = $2")
            .bind(client.to_string())
            .bind(employee.to_string())
            .execute(&mut *tx)
            .await
            .map_err(storage)?;
        let done = sqlx::query(
            "INSERT INTO employee_agendas (employee_id, client_id, url, busy, fetched_at, updated_at)
             SELECT e.id, e.client_id, $3, $4, $5, $6 FROM employees e WHERE e.client_id = $1 AND e.id = $2",
        )
        .bind(client.to_string())
        .bind(employee.to_string())
        .bind(url)
        .bind(to_json(busy)?)
        .bind(fetched_at.map(millis))
        .bind(at)
        .execute(&mut *tx)
        .await
        .map_err(storage)?;
        if done.rows_affected() == 0 {
            return Err(Error::NotFound("employee"));
        }
        tx.commit().await.map_err(storage)?;
        self.changed(Change::Client(client)).await;
        Ok(())
    }
}

#[async_trait]
impl AgendaStore for Db {
    async fn agendas(&self, client: ClientId) -> Result<Vec<Agenda>> {
        let rows = sqlx::query(
            "SELECT employee_id, url, busy, fetched_at, last_error FROM employee_agendas WHERE client_id = $1",
        )
        .bind(client.to_string())
        .fetch_all(&self.pool)
        .await
        .map_err(storage)?;
        rows.iter()
            .map(|row| {
                Ok(Agenda {
                    employee_id: parsed(get(row, "employee_id")?, "employee_id")?,
                    url: get(row, "url")?,
                    busy: from_json(&get::<String>(row, "busy")?, "busy")?,
                    fetched_at: get::<Option<i64>>(row, "fetched_at")?
                        .map(instant)
                        .transpose()?,
                    last_error: get(row, "last_error")?,
                })
            })
            .collect()
    }

    async fn set_agenda_url(
        &self,
        client: ClientId,
        employee: EmployeeId,
        url: &str,
    ) -> Result<()> {
        self.put_agenda(client, employee, Some(url), &[], None)
            .await
    }

    async fn upload_agenda(
        &self,
        client: ClientId,
        employee: EmployeeId,
        busy: &[Busy],
        at: DateTime<Utc>,
    ) -> Result<()> {
        self.put_agenda(client, employee, None, busy, Some(at))
            .await
    }

    async fn remove_agenda(&self, client: ClientId, employee: EmployeeId) -> Result<()> {
        let done =
            sqlx::query("DELETE FROM employee_agendas WHERE client_id = $1 AND employee_id = $2")
                .bind(client.to_string())
                .bind(employee.to_string())
                .execute(&self.pool)
                .await
                .map_err(storage)?;
        if done.rows_affected() == 0 {
            return Err(Error::NotFound("agenda"));
        }
        self.changed(Change::Client(client)).await;
        Ok(())
    }

    async fn agendas_to_fetch(&self) -> Result<Vec<(ClientId, EmployeeId, String, TimeZone)>> {
        let rows = sqlx::query(
            "SELECT a.client_id, a.employee_id, a.url, c.time_zone FROM employee_agendas a
             JOIN clients c ON c.id = a.client_id WHERE a.url IS NOT NULL ORDER BY a.fetched_at",
        )
        .fetch_all(&self.pool)
        .await
        .map_err(storage)?;
        rows.iter()
            .map(|row| {
                Ok((
                    parsed(get(row, "client_id")?, "client_id")?,
                    parsed(get(row, "employee_id")?, "employee_id")?,
                    get(row, "url")?,
                    checked(get(row, "time_zone")?, "time_zone")?,
                ))
            })
            .collect()
    }

    async fn agenda_fetched(
        &self,
        client: ClientId,
        employee: EmployeeId,
        url: &str,
        outcome: std::result::Result<Vec<Busy>, String>,
        at: DateTime<Utc>,
    ) -> Result<()> {
        let query = match &outcome {
            Ok(busy) => sqlx::query(
                "UPDATE employee_agendas SET busy = $3, fetched_at = $4, last_error = NULL, updated_at = $4
                 WHERE client_id = $1 AND employee_id = $2 AND url = $5",
            )
            .bind(client.to_string())
            .bind(employee.to_string())
            .bind(to_json(busy)?)
            .bind(millis(at))
            .bind(url),
            Err(error) => sqlx::query(
                "UPDATE employee_agendas SET last_error = $3, updated_at = $4
                 WHERE client_id = $1 AND employee_id = $2 AND url = $5",
            )
            .bind(client.to_string())
            .bind(employee.to_string())
            .bind(error.as_str())
            .bind(millis(at))
            .bind(url),
        };
        query.execute(&self.pool).await.map_err(storage)?;
        if outcome.is_ok() {
            self.changed(Change::Client(client)).await;
        }
        Ok(())
    }
}
