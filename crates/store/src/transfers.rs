//! Transfers (outbound legs of calls) and the usage events they become: written as steps of
//! the call journal, read with the call and for billing. A connected transfer takes the
//! price in force at its connection from `transfer_prices`, in the same statement.

use crate::Db;
use crate::convert::{
    checked, enum_from_text, enum_text, get, instant, is_foreign_key_violation, millis, parsed,
    storage,
};
use centrale_core::calls::{NewTransfer, Transfer, TransferResult, UsageEvent};
use centrale_core::transfer::{LineKind, TransferMode, TransferPrice};
use centrale_core::{CallId, ClientId, Error, Result};
use chrono::{DateTime, Utc};
use sqlx::Any;
use sqlx::any::AnyRow;

type Tx = sqlx::Transaction<'static, Any>;

const COLUMNS: &str = "call_id, client_id, seq, operator_id, number, line, name, mode, \
    started_at, ended_at, result, price_cents";

pub(crate) async fn write_start(
    tx: &mut Tx,
    client: ClientId,
    call: CallId,
    transfer: &NewTransfer,
) -> Result<()> {
    let NewTransfer {
        operator,
        to,
        mode,
        at,
    } = transfer;
    let done = sqlx::query(
        "INSERT INTO call_transfers (call_id, client_id, seq, operator_id, number, line, name, mode,
           started_at)
         SELECT c.id, c.client_id, COALESCE(MAX(t.seq), 0) + 1, $3, $4, $5, $6, $8, $7
         FROM calls c LEFT JOIN call_transfers t ON t.call_id = c.id
         WHERE c.client_id = $1 AND c.id = $2
         GROUP BY c.id, c.client_id",
    )
    .bind(client.to_string())
    .bind(call.to_string())
    .bind(operator.to_string())
    .bind(to.number.as_str())
    .bind(to.line.as_str())
    .bind(to.name.as_deref())
    .bind(millis(*at))
    .bind(mode.as_str())
    .execute(&mut **tx)
    .await
    .map_err(|e| {
        if is_foreign_key_violation(&e) {
            Error::NotFound("staff member")
        } else {
            storage(e)
        }
    })?;
    if done.rows_affected() == 0 {
        return Err(Error::NotFound("call"));
    }
    Ok(())
}

/// Ends the call's open transfer; a connected one is priced as the list says at `at`.
pub(crate) async fn write_end(
    tx: &mut Tx,
    client: ClientId,
    call: CallId,
    at: DateTime<Utc>,
    result: TransferResult,
) -> Result<()> {
    let done = sqlx::query(
        "UPDATE call_transfers SET ended_at = $3, result = $4,
           price_cents = CASE WHEN $4 = 'connected' THEN (
             SELECT p.cents FROM transfer_prices p
             WHERE p.line = call_transfers.line AND p.valid_from <= $3
             ORDER BY p.valid_from DESC LIMIT 1) END
         WHERE client_id = $1 AND call_id = $2 AND ended_at IS NULL",
    )
    .bind(client.to_string())
    .bind(call.to_string())
    .bind(millis(at))
    .bind(enum_text(&result)?)
    .execute(&mut **tx)
    .await
    .map_err(storage)?;
    if done.rows_affected() == 0 {
        return Err(Error::NotFound("transfer"));
    }
    Ok(())
}

fn line_from_row(row: &AnyRow) -> Result<LineKind> {
    let line: String = get(row, "line")?;
    LineKind::parse(&line).ok_or_else(|| storage(format!("column line: unknown kind {line}")))
}

fn transfer_from_row(row: &AnyRow) -> Result<Transfer> {
    Ok(Transfer {
        operator_id: get::<Option<String>>(row, "operator_id")?
            .map(|text| parsed(text, "operator_id"))
            .transpose()?,
        number: checked(get(row, "number")?, "number")?,
        line: line_from_row(row)?,
        name: get(row, "name")?,
        mode: {
            let mode: String = get(row, "mode")?;
            TransferMode::parse(&mode)
                .ok_or_else(|| storage(format!("column mode: unknown mode {mode}")))?
        },
        started_at: instant(get(row, "started_at")?)?,
        ended_at: get::<Option<i64>>(row, "ended_at")?
            .map(instant)
            .transpose()?,
        result: get::<Option<String>>(row, "result")?
            .map(|text| enum_from_text(text, "result"))
            .transpose()?,
        price_cents: get(row, "price_cents")?,
    })
}

impl Db {
    /// The price of each line in force at `at`.
    pub(crate) async fn prices_at(&self, at: DateTime<Utc>) -> Result<Vec<TransferPrice>> {
        let rows = sqlx::query(
            "SELECT p.line, p.cents, p.valid_from FROM transfer_prices p
             WHERE p.valid_from = (SELECT MAX(q.valid_from) FROM transfer_prices q
                                   WHERE q.line = p.line AND q.valid_from <= $1)
             ORDER BY p.line DESC",
        )
        .bind(millis(at))
        .fetch_all(&self.pool)
        .await
        .map_err(storage)?;
        rows.iter()
            .map(|row| {
                Ok(TransferPrice {
                    line: line_from_row(row)?,
                    cents: get(row, "cents")?,
                    valid_from: instant(get(row, "valid_from")?)?,
                })
            })
            .collect()
    }

    /// The transfers of the client's calls named, per call in order.
    pub(crate) async fn transfers_of(
        &self,
        client: ClientId,
        calls: &[CallId],
    ) -> Result<Vec<(CallId, Transfer)>> {
        if calls.is_empty() {
            return Ok(Vec::new());
        }
        let places: Vec<String> = (0..calls.len()).map(|i| format!("${}", i + 2)).collect();
        let sql = format!(
            "SELECT {COLUMNS} FROM call_transfers WHERE client_id = $1 AND call_id IN ({})
             ORDER BY call_id, seq",
            places.join(", ")
        );
        let mut query = sqlx::query(&sql).bind(client.to_string());
        for call in calls {
            query = query.bind(call.to_string());
        }
        let rows = query.fetch_all(&self.pool).await.map_err(storage)?;
        rows.iter()
            .map(|row| {
                Ok((
                    parsed(get(row, "call_id")?, "call_id")?,
                    transfer_from_row(row)?,
                ))
            })
            .collect()
    }

    /// The client's connected transfers from `from` until before `to`, oldest first.
    pub(crate) async fn usage_between(
        &self,
        client: ClientId,
        from: DateTime<Utc>,
        to: DateTime<Utc>,
    ) -> Result<Vec<UsageEvent>> {
        let sql = format!(
            "SELECT {COLUMNS} FROM call_transfers
             WHERE client_id = $1 AND result = 'connected' AND ended_at >= $2 AND ended_at < $3
             ORDER BY ended_at, call_id"
        );
        let rows = sqlx::query(&sql)
            .bind(client.to_string())
            .bind(millis(from))
            .bind(millis(to))
            .fetch_all(&self.pool)
            .await
            .map_err(storage)?;
        rows.iter()
            .map(|row| {
                let transfer = transfer_from_row(row)?;
                Ok(UsageEvent {
                    call_id: parsed(get(row, "call_id")?, "call_id")?,
                    client_id: client,
                    number: transfer.number,
                    line: transfer.line,
                    price_cents: transfer
                        .price_cents
                        .ok_or_else(|| storage("a connected transfer without a price"))?,
                    at: transfer
                        .ended_at
                        .ok_or_else(|| storage("a connected transfer without its end"))?,
                })
            })
            .collect()
    }
}
