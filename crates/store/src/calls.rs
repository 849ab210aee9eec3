//! Calls as they happen and their history; every query matches the call's client.
//!
//! A call is one `calls` row, filled in step by step (arrival, offers, answer, end); each
//! offer to an operator is a `call_offers` row numbered per call (`seq`). The waiting time
//! is computed by the database from the stored arrival, so the telephony need not know it.

use crate::Db;
use crate::convert::{
    checked, enum_from_text, enum_text, get, get_flag, instant, is_foreign_key_violation, millis,
    parsed, storage, unique,
};
use crate::notes::contains_pattern;
use async_trait::async_trait;
use centrale_core::calls::{
    CallFact, CallOutcome, CallRecord, CallStats, CallerId, NewCall, Offer, OfferResult, Party,
    UsageEvent,
};
use centrale_core::notes::NoteSummary;
use centrale_core::portal::CallFilter;
use centrale_core::ports::CallStore;
use centrale_core::transfer::TransferPrice;
use centrale_core::{CallId, ClientId, Error, PhoneNumber, Result, StaffId};
use chrono::{DateTime, Utc};
use sqlx::Any;
use sqlx::any::{AnyQueryResult, AnyRow};

/// The batch's transaction.
type Tx = sqlx::Transaction<'static, Any>;

/// A call's columns and its offers' (renamed where they clash), for `calls c LEFT JOIN call_offers o`.
const COLUMNS: &str = "c.id, c.client_id, c.caller_number, c.caller_name, c.dialled_number,
    c.original_number, c.arrived_at, c.answered_at, c.ended_at, c.operator_id, c.ended_by,
    c.outcome, c.wait_ms, c.hold_count, c.held_ms, c.held_since, o.seq AS offer_seq, o.operator_id AS offer_operator_id,
    o.offered_at AS offer_offered_at, o.ended_at AS offer_ended_at, o.result AS offer_result";

/// An optional stored instant.
fn maybe_instant(row: &AnyRow, column: &str) -> Result<Option<DateTime<Utc>>> {
    get::<Option<i64>>(row, column)?.map(instant).transpose()
}

/// An optional stored enum.
fn maybe_enum<T: serde::de::DeserializeOwned>(row: &AnyRow, column: &str) -> Result<Option<T>> {
    get::<Option<String>>(row, column)?
        .map(|name| enum_from_text(name, column))
        .transpose()
}

/// An optional stored id.
fn maybe_staff(row: &AnyRow, column: &str) -> Result<Option<StaffId>> {
    get::<Option<String>>(row, column)?
        .map(|text| parsed(text, column))
        .transpose()
}

fn record_from_row(row: &AnyRow) -> Result<CallRecord> {
    let caller_number: Option<String> = get(row, "caller_number")?;
    Ok(CallRecord {
        call: NewCall {
            id: parsed(get(row, "id")?, "id")?,
            client_id: parsed(get(row, "client_id")?, "client_id")?,
            caller: CallerId {
                number: caller_number
                    .map(|text| checked(text, "caller_number"))
                    .transpose()?,
                name: get(row, "caller_name")?,
            },
            dialled: checked(get(row, "dialled_number")?, "dialled_number")?,
            original: get(row, "original_number")?,
            arrived_at: instant(get(row, "arrived_at")?)?,
        },
        answered_at: maybe_instant(row, "answered_at")?,
        ended_at: maybe_instant(row, "ended_at")?,
        operator_id: maybe_staff(row, "operator_id")?,
        ended_by: maybe_enum(row, "ended_by")?,
        outcome: maybe_enum(row, "outcome")?,
        wait_ms: get(row, "wait_ms")?,
        holds: get(row, "hold_count")?,
        // A hold going on counts up to now.
        held_ms: get::<i64>(row, "held_ms")?
            + maybe_instant(row, "held_since")?
                .map_or(0, |since| (Utc::now() - since).num_milliseconds().max(0)),
        offers: Vec::new(),
        transfers: Vec::new(),
    })
}

/// The offer a joined row carries; none when the call has no offers, or when the offer's
/// operator has since been deleted (an [`Offer`] always names its operator).
fn offer_from_row(row: &AnyRow) -> Result<Option<Offer>> {
    if get::<Option<i64>>(row, "offer_seq")?.is_none() {
        return Ok(None);
    }
    let Some(operator_id) = maybe_staff(row, "offer_operator_id")? else {
        return Ok(None);
    };
    let offered_at = get::<Option<i64>>(row, "offer_offered_at")?
        .ok_or_else(|| storage("column offer_offered_at: NULL in an offer"))?;
    Ok(Some(Offer {
        operator_id,
        offered_at: instant(offered_at)?,
        ended_at: maybe_instant(row, "offer_ended_at")?,
        result: maybe_enum(row, "offer_result")?,
    }))
}

/// Calls from joined rows ordered by call, then by offer: one record per call.
fn records_from_rows(rows: &[AnyRow]) -> Result<Vec<CallRecord>> {
    let mut records: Vec<CallRecord> = Vec::new();
    for row in rows {
        let id: CallId = parsed(get(row, "id")?, "id")?;
        if records.last().is_none_or(|last| last.call.id != id) {
            records.push(record_from_row(row)?);
        }
        if let (Some(offer), Some(record)) = (offer_from_row(row)?, records.last_mut()) {
            record.offers.push(offer);
        }
    }
    Ok(records)
}

/// A write naming an operator that does not exist, as such; anything else as a failure.
fn operator_error(e: sqlx::Error) -> Error {
    if is_foreign_key_violation(&e) {
        Error::NotFound("staff member")
    } else {
        storage(e)
    }
}

/// One step of a call, written inside the batch's transaction.
async fn write_fact(tx: &mut Tx, fact: &CallFact) -> Result<()> {
    match fact {
        CallFact::Arrived(call) => write_arrival(tx, call).await,
        CallFact::Offered {
            client,
            call,
            operator,
            at,
        } => write_offer(tx, *client, *call, *operator, *at).await,
        CallFact::OfferEnded {
            client,
            call,
            operator,
            at,
            result,
        } => write_offer_end(tx, *client, *call, *operator, *at, *result).await,
        CallFact::Answered {
            client,
            call,
            operator,
            at,
        } => write_answer(tx, *client, *call, *operator, *at).await,
        CallFact::Hold {
            client,
            call,
            at,
            held,
        } => write_hold(tx, *client, *call, *at, *held).await,
        CallFact::Ended {
            client,
            call,
            at,
            ended_by,
            outcome,
        } => write_end(tx, *client, *call, *at, *ended_by, *outcome).await,
        CallFact::TransferStarted {
            client,
            call,
            transfer,
        } => crate::transfers::write_start(tx, *client, *call, transfer).await,
        CallFact::TransferEnded {
            client,
            call,
            at,
            result,
        } => crate::transfers::write_end(tx, *client, *call, *at, *result).await,
    }
}

async fn write_arrival(tx: &mut Tx, call: &NewCall) -> Result<()> {
    sqlx::query(
        "INSERT INTO calls (id, client_id, caller_number, caller_name, dialled_number,
           original_number, arrived_at)
         VALUES ($1, $2, $3, $4, $5, $6, $7)",
    )
    .bind(call.id.to_string())
    .bind(call.client_id.to_string())
    .bind(call.caller.number.as_ref().map(PhoneNumber::as_str))
    .bind(call.caller.name.as_deref())
    .bind(call.dialled.as_str())
    .bind(call.original.as_deref())
    .bind(millis(call.arrived_at))
    .execute(&mut **tx)
    .await
    .map_err(|e| {
        if is_foreign_key_violation(&e) {
            Error::NotFound("client")
        } else {
            unique(e, "id", || format!("call {} is already recorded", call.id))
        }
    })?;
    Ok(())
}

async fn write_offer(
    tx: &mut Tx,
    client: ClientId,
    call: CallId,
    operator: StaffId,
    at: DateTime<Utc>,
) -> Result<()> {
    // Updating the call first also locks it (PostgreSQL), so concurrent offers of one
    // call number themselves one after the other.
    let done = sqlx::query(
        "UPDATE calls SET offered_at = COALESCE(offered_at, $3)
         WHERE client_id = $1 AND id = $2",
    )
    .bind(client.to_string())
    .bind(call.to_string())
    .bind(millis(at))
    .execute(&mut **tx)
    .await
    .map_err(operator_error)?;
    one_call(&done)?;
    sqlx::query(
        "INSERT INTO call_offers (call_id, client_id, seq, operator_id, offered_at)
         SELECT $2, $1, COALESCE(MAX(seq), 0) + 1, $3, $4
         FROM call_offers WHERE client_id = $1 AND call_id = $2",
    )
    .bind(client.to_string())
    .bind(call.to_string())
    .bind(operator.to_string())
    .bind(millis(at))
    .execute(&mut **tx)
    .await
    .map_err(operator_error)?;
    Ok(())
}

async fn write_offer_end(
    tx: &mut Tx,
    client: ClientId,
    call: CallId,
    operator: StaffId,
    at: DateTime<Utc>,
    result: OfferResult,
) -> Result<()> {
    let done = sqlx::query(
        "UPDATE call_offers SET ended_at = $4, result = $5
         WHERE client_id = $1 AND call_id = $2 AND seq = (
           SELECT MAX(seq) FROM call_offers
           WHERE client_id = $1 AND call_id = $2 AND operator_id = $3 AND ended_at IS NULL)",
    )
    .bind(client.to_string())
    .bind(call.to_string())
    .bind(operator.to_string())
    .bind(millis(at))
    .bind(enum_text(&result)?)
    .execute(&mut **tx)
    .await
    .map_err(storage)?;
    if done.rows_affected() == 0 {
        return Err(if call_exists(tx, client, call).await? {
            Error::NotFound("open offer")
        } else {
            Error::NotFound("call")
        });
    }
    Ok(())
}

async fn write_answer(
    tx: &mut Tx,
    client: ClientId,
    call: CallId,
    operator: StaffId,
    at: DateTime<Utc>,
) -> Result<()> {
    let done = sqlx::query(
        // Answered again (an operator took a call back that her colleague could not put
        // through): the caller's wait ended at the first answer; the call is the latest's.
        "UPDATE calls SET answered_at = COALESCE(answered_at, $3), operator_id = $4,
           wait_ms = COALESCE(wait_ms, $3 - arrived_at)
         WHERE client_id = $1 AND id = $2",
    )
    .bind(client.to_string())
    .bind(call.to_string())
    .bind(millis(at))
    .bind(operator.to_string())
    .execute(&mut **tx)
    .await
    .map_err(operator_error)?;
    one_call(&done)
}

/// A hold starts (counted, its start kept) or ends (its length added); a repeated start or
/// end changes nothing.
async fn write_hold(
    tx: &mut Tx,
    client: ClientId,
    call: CallId,
    at: DateTime<Utc>,
    held: bool,
) -> Result<()> {
    let sql = if held {
        "UPDATE calls SET hold_count = hold_count + CASE WHEN held_since IS NULL THEN 1 ELSE 0 END,
           held_since = COALESCE(held_since, $3)
         WHERE client_id = $1 AND id = $2"
    } else {
        "UPDATE calls SET held_ms = held_ms + COALESCE($3 - held_since, 0), held_since = NULL
         WHERE client_id = $1 AND id = $2"
    };
    let done = sqlx::query(sql)
        .bind(client.to_string())
        .bind(call.to_string())
        .bind(millis(at))
        .execute(&mut **tx)
        .await
        .map_err(storage)?;
    one_call(&done)
}

async fn write_end(
    tx: &mut Tx,
    client: ClientId,
    call: CallId,
    at: DateTime<Utc>,
    ended_by: Party,
    outcome: CallOutcome,
) -> Result<()> {
    // An answered call keeps the wait up to the answer; any other waited until the end.
    let done = sqlx::query(
        "UPDATE calls SET ended_at = $3, ended_by = $4, outcome = $5,
           wait_ms = COALESCE(wait_ms, $3 - arrived_at),
           held_ms = held_ms + COALESCE($3 - held_since, 0), held_since = NULL
         WHERE client_id = $1 AND id = $2",
    )
    .bind(client.to_string())
    .bind(call.to_string())
    .bind(millis(at))
    .bind(enum_text(&ended_by)?)
    .bind(enum_text(&outcome)?)
    .execute(&mut **tx)
    .await
    .map_err(storage)?;
    one_call(&done)
}

/// A statement on one call's row found it, or the call does not exist.
fn one_call(done: &AnyQueryResult) -> Result<()> {
    if done.rows_affected() == 0 {
        return Err(Error::NotFound("call"));
    }
    Ok(())
}

impl Db {
    /// Fills in the records' transfers.
    async fn add_transfers(&self, client: ClientId, records: &mut [CallRecord]) -> Result<()> {
        let ids: Vec<CallId> = records.iter().map(|r| r.call.id).collect();
        for (call, transfer) in self.transfers_of(client, &ids).await? {
            if let Some(record) = records.iter_mut().find(|r| r.call.id == call) {
                record.transfers.push(transfer);
            }
        }
        Ok(())
    }
}

/// True when the client has this call.
async fn call_exists(tx: &mut Tx, client: ClientId, call: CallId) -> Result<bool> {
    let row = sqlx::query("SELECT 1 FROM calls WHERE client_id = $1 AND id = $2")
        .bind(client.to_string())
        .bind(call.to_string())
        .fetch_optional(&mut **tx)
        .await
        .map_err(storage)?;
    Ok(row.is_some())
}

#[async_trait]
impl CallStore for Db {
    async fn record_facts(&self, facts: &[CallFact]) -> Result<()> {
        let mut tx = self.begin().await?;
        for fact in facts {
            write_fact(&mut tx, fact).await?;
        }
        tx.commit().await.map_err(storage)
    }

    async fn call_client(&self, call: CallId) -> Result<ClientId> {
        let row = sqlx::query("SELECT client_id FROM calls WHERE id = $1")
            .bind(call.to_string())
            .fetch_optional(&self.pool)
            .await
            .map_err(storage)?;
        // A call without a client is one Centrale refused; nobody takes a note on it.
        match row.map(|row| get::<Option<String>>(&row, "client_id")) {
            Some(Ok(Some(client))) => parsed(client, "client_id"),
            Some(Err(e)) => Err(e),
            _ => Err(Error::NotFound("call")),
        }
    }

    async fn call_record(&self, client: ClientId, call: CallId) -> Result<CallRecord> {
        let sql = format!(
            "SELECT {COLUMNS} FROM calls c
             LEFT JOIN call_offers o ON o.client_id = c.client_id AND o.call_id = c.id
             WHERE c.client_id = $1 AND c.id = $2
             ORDER BY o.seq"
        );
        let rows = sqlx::query(&sql)
            .bind(client.to_string())
            .bind(call.to_string())
            .fetch_all(&self.pool)
            .await
            .map_err(storage)?;
        let mut records = records_from_rows(&rows)?;
        self.add_transfers(client, &mut records).await?;
        records.pop().ok_or(Error::NotFound("call"))
    }

    async fn list_calls(&self, client: ClientId, limit: u32) -> Result<Vec<CallRecord>> {
        // One statement, so the calls and their offers are read from the same state.
        let sql = format!(
            "SELECT {COLUMNS} FROM (
               SELECT * FROM calls WHERE client_id = $1 ORDER BY arrived_at DESC, id DESC LIMIT $2
             ) c
             LEFT JOIN call_offers o ON o.client_id = c.client_id AND o.call_id = c.id
             ORDER BY c.arrived_at DESC, c.id DESC, o.seq"
        );
        let rows = sqlx::query(&sql)
            .bind(client.to_string())
            .bind(i64::from(limit))
            .fetch_all(&self.pool)
            .await
            .map_err(storage)?;
        let mut records = records_from_rows(&rows)?;
        self.add_transfers(client, &mut records).await?;
        Ok(records)
    }

    async fn find_calls(
        &self,
        client: ClientId,
        filter: &CallFilter,
        limit: u32,
        offset: u32,
    ) -> Result<Vec<CallRecord>> {
        let mut params: Vec<Param> = vec![
            Param::Text(client.to_string()),
            Param::Int(i64::from(limit)),
            Param::Int(i64::from(offset)),
        ];
        let mut sql = String::from(
            "SELECT c.* FROM calls c
             LEFT JOIN call_notes n ON n.client_id = c.client_id AND n.call_id = c.id
             WHERE c.client_id = $1",
        );
        let mut bind = |param: Param| {
            params.push(param);
            format!("${}", params.len())
        };
        if let Some(from) = filter.from {
            sql += &format!(" AND c.arrived_at >= {}", bind(Param::Int(millis(from))));
        }
        if let Some(until) = filter.until {
            sql += &format!(" AND c.arrived_at < {}", bind(Param::Int(millis(until))));
        }
        if filter.urgent {
            sql += " AND n.urgent = 1";
        }
        if let Some(employee) = filter.employee {
            // for_employees is a JSON array of ids; an id is quoted in it.
            let pattern = contains_pattern(&format!("\"{employee}\""));
            sql += &format!(
                " AND n.for_employees LIKE {} ESCAPE '\\'",
                bind(Param::Text(pattern))
            );
        }
        let caller = filter.caller.trim();
        if !caller.is_empty() {
            let typed = contains_pattern(&caller.to_lowercase());
            let number = PhoneNumber::parse(caller)
                .map(|n| contains_pattern(n.as_str()))
                .unwrap_or_else(|_| typed.clone());
            let (t, n) = (bind(Param::Text(typed)), bind(Param::Text(number)));
            sql += &format!(
                " AND (c.caller_number LIKE {n} ESCAPE '\\' OR lower(COALESCE(c.caller_name, '')) LIKE {t} ESCAPE '\\'
                   OR n.search_text LIKE {t} ESCAPE '\\' OR n.search_text LIKE {n} ESCAPE '\\')"
            );
        }
        let text = filter.text.trim();
        if !text.is_empty() {
            let t = bind(Param::Text(contains_pattern(&text.to_lowercase())));
            sql += &format!(
                " AND (lower(n.message) LIKE {t} ESCAPE '\\' OR n.search_text LIKE {t} ESCAPE '\\')"
            );
        }
        sql += " ORDER BY c.arrived_at DESC, c.id DESC LIMIT $2 OFFSET $3";
        // The page's calls with their offers in one statement, as list_calls reads them.
        let sql = format!(
            "SELECT {COLUMNS} FROM ({sql}) c
             LEFT JOIN call_offers o ON o.client_id = c.client_id AND o.call_id = c.id
             ORDER BY c.arrived_at DESC, c.id DESC, o.seq"
        );
        let mut query = sqlx::query(&sql);
        for param in &params {
            query = match param {
                Param::Text(text) => query.bind(text.as_str()),
                Param::Int(value) => query.bind(*value),
            };
        }
        let rows = query.fetch_all(&self.pool).await.map_err(storage)?;
        let mut records = records_from_rows(&rows)?;
        self.add_transfers(client, &mut records).await?;
        Ok(records)
    }

    async fn usage(
        &self,
        client: ClientId,
        from: DateTime<Utc>,
        to: DateTime<Utc>,
    ) -> Result<Vec<UsageEvent>> {
        self.usage_between(client, from, to).await
    }

    async fn transfer_prices(&self, at: DateTime<Utc>) -> Result<Vec<TransferPrice>> {
        self.prices_at(at).await
    }

    async fn call_stats(&self, since: DateTime<Utc>, target_ms: i64) -> Result<CallStats> {
        // CAST: PostgreSQL sums BIGINT into NUMERIC, which the Any driver cannot read.
        let row = sqlx::query(
            "SELECT COUNT(*) AS offered,
                COALESCE(CAST(SUM(CASE WHEN answered_at IS NOT NULL THEN 1 ELSE 0 END) AS BIGINT), 0) AS answered,
                COALESCE(CAST(SUM(CASE WHEN outcome IN ('abandoned_queued', 'abandoned_ringing') THEN 1 ELSE 0 END) AS BIGINT), 0) AS abandoned,
                COALESCE(CAST(SUM(CASE WHEN answered_at IS NOT NULL AND wait_ms <= $2 THEN 1 ELSE 0 END) AS BIGINT), 0) AS within,
                COALESCE(CAST(SUM(CASE WHEN answered_at IS NOT NULL THEN wait_ms ELSE 0 END) AS BIGINT), 0) AS waited
             FROM calls WHERE arrived_at >= $1",
        )
        .bind(millis(since))
        .bind(target_ms)
        .fetch_one(&self.pool)
        .await
        .map_err(storage)?;
        Ok(CallStats {
            offered: get(&row, "offered")?,
            answered: get(&row, "answered")?,
            abandoned: get(&row, "abandoned")?,
            answered_within_target: get(&row, "within")?,
            answered_wait_ms: get(&row, "waited")?,
        })
    }

    async fn last_notes(
        &self,
        client: ClientId,
        caller: &PhoneNumber,
        limit: u32,
    ) -> Result<Vec<NoteSummary>> {
        let rows = sqlx::query(
            "SELECT id, call_id, created_at, caller_name, message, urgent FROM call_notes
             WHERE client_id = $1 AND caller_phone = $2
             ORDER BY created_at DESC, id DESC LIMIT $3",
        )
        .bind(client.to_string())
        .bind(caller.as_str())
        .bind(i64::from(limit))
        .fetch_all(&self.pool)
        .await
        .map_err(storage)?;
        rows.iter()
            .map(|row| {
                Ok(NoteSummary {
                    id: parsed(get(row, "id")?, "id")?,
                    call_id: get::<Option<String>>(row, "call_id")?
                        .map(|text| parsed(text, "call_id"))
                        .transpose()?,
                    created_at: instant(get(row, "created_at")?)?,
                    caller_name: get(row, "caller_name")?,
                    message: get(row, "message")?,
                    urgent: get_flag(row, "urgent")?,
                })
            })
            .collect()
    }
}

/// A value bound to a statement put together from a filter.
enum Param {
    Text(String),
    Int(i64),
}
