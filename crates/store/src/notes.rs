//! Call notes and their deliveries (the outbox); every query matches the note's client.
//!
//! A note and its `deliveries` rows are written in one transaction, so a saved note always
//! has what delivering it needs. Saving is idempotent twice over: per client by the
//! request's idempotency key (a unique index), and per call (a unique index on `call_id`).
//! Saving a call's note locks the call's row first, so concurrent saves of one call take
//! turns instead of racing to insert.

use crate::Db;
use crate::convert::{
    checked, enum_from_text, enum_text, flag, from_json, get, get_flag, instant,
    is_foreign_key_violation, millis, now, parsed, storage, to_json, unique,
};
use async_trait::async_trait;
use centrale_core::notes::{CallNote, Delivery, DeliveryStatus, NoteDraft, NoteVersion, Recipient};
use centrale_core::ports::NoteStore;
use centrale_core::{Actor, CallId, ClientId, DeliveryId, Error, NoteId, PhoneNumber, Result};
use chrono::{DateTime, Utc};
use sqlx::AnyConnection;
use sqlx::any::AnyRow;

/// A note's columns and its deliveries' (prefixed), for `call_notes n LEFT JOIN deliveries d`.
pub(crate) const COLUMNS: &str = "n.id, n.client_id, n.call_id, n.caller_name, n.caller_company,
    n.caller_phone, n.message, n.for_employees, n.for_general, n.urgent, n.callback_wish,
    n.callback, n.emergency, n.actions, n.created_by, n.created_at, n.updated_at, d.id AS d_id, d.channel AS d_channel,
    d.recipient AS d_recipient, d.employee_id AS d_employee_id, d.status AS d_status,
    d.created_at AS d_created_at, d.attempts AS d_attempts, d.last_error AS d_last_error,
    d.sent_at AS d_sent_at";

/// The join of notes (from a subquery `n`) with their deliveries.
pub(crate) const JOIN: &str =
    "LEFT JOIN deliveries d ON d.client_id = n.client_id AND d.note_id = n.id";

/// Deliveries in a stable order: e-mails before SMS, then by recipient.
const DELIVERY_ORDER: &str = "d.channel, d.recipient, d.id";

/// How one note is looked up.
enum By<'a> {
    Id(NoteId),
    Call(CallId),
    Key(&'a str),
}

/// What the portal's search looks in: caller name, company and phone, folded here so
/// both backends compare the same (SQLite's `lower` folds ASCII only).
fn search_text(draft: &NoteDraft) -> String {
    let phone = draft.caller_phone.as_ref().map_or("", PhoneNumber::as_str);
    format!("{} {} {phone}", draft.caller_name, draft.caller_company).to_lowercase()
}

/// A `LIKE` pattern for text containing `needle` literally (`\` escapes).
pub(crate) fn contains_pattern(needle: &str) -> String {
    let mut pattern = String::from("%");
    for c in needle.chars() {
        if matches!(c, '\\' | '%' | '_') {
            pattern.push('\\');
        }
        pattern.push(c);
    }
    pattern.push('%');
    pattern
}

pub(crate) fn note_from_row(row: &AnyRow) -> Result<CallNote> {
    Ok(CallNote {
        id: parsed(get(row, "id")?, "id")?,
        client_id: parsed(get(row, "client_id")?, "client_id")?,
        call_id: get::<Option<String>>(row, "call_id")?
            .map(|text| parsed(text, "call_id"))
            .transpose()?,
        draft: NoteDraft {
            caller_name: get(row, "caller_name")?,
            caller_company: get(row, "caller_company")?,
            caller_phone: get::<Option<String>>(row, "caller_phone")?
                .map(|text| checked(text, "caller_phone"))
                .transpose()?,
            message: get(row, "message")?,
            for_employees: from_json(&get::<String>(row, "for_employees")?, "for_employees")?,
            for_general: get_flag(row, "for_general")?,
            urgent: get_flag(row, "urgent")?,
            callback_wish: get(row, "callback_wish")?,
            callback: get::<Option<String>>(row, "callback")?
                .map(|text| from_json(&text, "callback"))
                .transpose()?,
            actions: from_json(&get::<String>(row, "actions")?, "actions")?,
            emergency: from_json(&get::<String>(row, "emergency")?, "emergency")?,
        },
        created_by: Actor::from_stored(get(row, "created_by")?),
        created_at: instant(get(row, "created_at")?)?,
        updated_at: instant(get(row, "updated_at")?)?,
        deliveries: Vec::new(),
    })
}

/// The delivery a joined row carries, if the note has any.
pub(crate) fn delivery_from_row(row: &AnyRow) -> Result<Option<Delivery>> {
    let Some(id) = get::<Option<String>>(row, "d_id")? else {
        return Ok(None);
    };
    let text = |column: &str| -> Result<String> {
        get::<Option<String>>(row, column)?
            .ok_or_else(|| storage(format!("column {column}: NULL in a delivery")))
    };
    let created_at = get::<Option<i64>>(row, "d_created_at")?
        .ok_or_else(|| storage("column d_created_at: NULL in a delivery"))?;
    Ok(Some(Delivery {
        id: parsed::<DeliveryId>(id, "d_id")?,
        channel: enum_from_text(text("d_channel")?, "d_channel")?,
        recipient: text("d_recipient")?,
        employee_id: get::<Option<String>>(row, "d_employee_id")?
            .map(|text| parsed(text, "d_employee_id"))
            .transpose()?,
        status: enum_from_text(text("d_status")?, "d_status")?,
        created_at: instant(created_at)?,
        attempts: u32::try_from(get::<Option<i64>>(row, "d_attempts")?.unwrap_or(0))
            .unwrap_or(u32::MAX),
        last_error: get(row, "d_last_error")?,
        sent_at: get::<Option<i64>>(row, "d_sent_at")?
            .map(instant)
            .transpose()?,
    }))
}

/// Notes from joined rows ordered by note, then by delivery: one note per id.
pub(crate) fn notes_from_rows(rows: &[AnyRow]) -> Result<Vec<CallNote>> {
    let mut notes: Vec<CallNote> = Vec::new();
    for row in rows {
        let id: NoteId = parsed(get(row, "id")?, "id")?;
        if notes.last().is_none_or(|last| last.id != id) {
            notes.push(note_from_row(row)?);
        }
        if let (Some(delivery), Some(note)) = (delivery_from_row(row)?, notes.last_mut()) {
            note.deliveries.push(delivery);
        }
    }
    Ok(notes)
}

/// One note of `client`, with its deliveries.
async fn fetch_note(
    conn: &mut AnyConnection,
    client: ClientId,
    by: By<'_>,
) -> Result<Option<CallNote>> {
    let (column, value) = match by {
        By::Id(id) => ("id", id.to_string()),
        By::Call(call) => ("call_id", call.to_string()),
        By::Key(key) => ("idempotency_key", key.to_owned()),
    };
    let sql = format!(
        "SELECT {COLUMNS} FROM call_notes n {JOIN}
         WHERE n.client_id = $1 AND n.{column} = $2
         ORDER BY {DELIVERY_ORDER}"
    );
    let rows = sqlx::query(&sql)
        .bind(client.to_string())
        .bind(value)
        .fetch_all(conn)
        .await
        .map_err(storage)?;
    Ok(notes_from_rows(&rows)?.pop())
}

/// The note a key made, when a request with that key comes again: the same note is
/// returned, a different one refused.
fn replay(existing: CallNote, call: Option<CallId>, draft: &NoteDraft) -> Result<CallNote> {
    if existing.call_id == call && existing.draft == *draft {
        Ok(existing)
    } else {
        Err(Error::invalid(
            "idempotency_key",
            "this idempotency key was used for a different note",
        ))
    }
}

/// Writes a new note row. A taken idempotency key is a conflict on `idempotency_key` (the
/// callers have made sure the call has no note yet).
async fn insert_note(
    conn: &mut AnyConnection,
    note: &CallNote,
    idempotency_key: &str,
) -> Result<()> {
    let draft = &note.draft;
    sqlx::query(
        "INSERT INTO call_notes (id, client_id, call_id, caller_name, caller_company,
           caller_phone, message, for_employees, for_general, urgent, callback_wish, actions,
           created_by, created_at, updated_at, idempotency_key, search_text, callback, emergency)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $14, $15, $16, $17,
           $18)",
    )
    .bind(note.id.to_string())
    .bind(note.client_id.to_string())
    .bind(note.call_id.map(|id| id.to_string()))
    .bind(&draft.caller_name)
    .bind(&draft.caller_company)
    .bind(draft.caller_phone.as_ref().map(PhoneNumber::as_str))
    .bind(&draft.message)
    .bind(to_json(&draft.for_employees)?)
    .bind(flag(draft.for_general))
    .bind(flag(draft.urgent))
    .bind(draft.callback_wish.as_deref())
    .bind(to_json(&draft.actions)?)
    .bind(note.created_by.as_str())
    .bind(millis(note.created_at))
    .bind(idempotency_key)
    .bind(search_text(draft))
    .bind(callback_json(draft)?)
    .bind(to_json(&draft.emergency)?)
    .execute(conn)
    .await
    .map_err(|e| {
        if is_foreign_key_violation(&e) {
            Error::NotFound("client")
        } else {
            unique(e, "idempotency_key", || {
                "this idempotency key was used for another note".into()
            })
        }
    })?;
    Ok(())
}

/// The note's callback as stored: JSON, or NULL.
fn callback_json(draft: &NoteDraft) -> Result<Option<String>> {
    draft.callback.as_ref().map(to_json).transpose()
}

/// Replaces a note's content.
async fn update_note(
    conn: &mut AnyConnection,
    client: ClientId,
    id: NoteId,
    draft: &NoteDraft,
    at: DateTime<Utc>,
) -> Result<()> {
    sqlx::query(
        "UPDATE call_notes SET caller_name = $3, caller_company = $4, caller_phone = $5,
           message = $6, for_employees = $7, for_general = $8, urgent = $9,
           callback_wish = $10, actions = $11, updated_at = $12, search_text = $13,
           callback = $14, emergency = $15
         WHERE client_id = $1 AND id = $2",
    )
    .bind(client.to_string())
    .bind(id.to_string())
    .bind(&draft.caller_name)
    .bind(&draft.caller_company)
    .bind(draft.caller_phone.as_ref().map(PhoneNumber::as_str))
    .bind(&draft.message)
    .bind(to_json(&draft.for_employees)?)
    .bind(flag(draft.for_general))
    .bind(flag(draft.urgent))
    .bind(draft.callback_wish.as_deref())
    .bind(to_json(&draft.actions)?)
    .bind(millis(at))
    .bind(search_text(draft))
    .bind(callback_json(draft)?)
    .bind(to_json(&draft.emergency)?)
    .execute(conn)
    .await
    .map_err(storage)?;
    Ok(())
}

/// Queues a delivery of a note to each recipient, due at once.
async fn insert_deliveries(
    conn: &mut AnyConnection,
    client: ClientId,
    note: NoteId,
    recipients: &[&Recipient],
    at: DateTime<Utc>,
) -> Result<()> {
    for recipient in recipients {
        sqlx::query(
            "INSERT INTO deliveries (id, client_id, note_id, channel, recipient, employee_id,
               status, attempts, next_attempt_at, created_at)
             VALUES ($1, $2, $3, $4, $5, $6, $7, 0, $8, $8)",
        )
        .bind(DeliveryId::new().to_string())
        .bind(client.to_string())
        .bind(note.to_string())
        .bind(enum_text(&recipient.channel)?)
        .bind(&recipient.to)
        .bind(recipient.employee_id.map(|id| id.to_string()))
        .bind(enum_text(&DeliveryStatus::Queued)?)
        .bind(millis(at))
        .execute(&mut *conn)
        .await
        .map_err(storage)?;
    }
    Ok(())
}

/// Brings an edited note's deliveries in line with its new recipients: queued deliveries
/// no longer wanted go, recipients without a delivery get one. A queued delivery that stays
/// keeps its attempts; one already made is not made again.
async fn replace_deliveries(
    conn: &mut AnyConnection,
    existing: &CallNote,
    recipients: &[Recipient],
    at: DateTime<Utc>,
) -> Result<()> {
    let same = |d: &Delivery, r: &Recipient| d.channel == r.channel && d.recipient == r.to;
    for delivery in &existing.deliveries {
        if delivery.status == DeliveryStatus::Queued
            && !recipients.iter().any(|r| same(delivery, r))
        {
            sqlx::query("DELETE FROM deliveries WHERE client_id = $1 AND id = $2 AND status = $3")
                .bind(existing.client_id.to_string())
                .bind(delivery.id.to_string())
                .bind(enum_text(&DeliveryStatus::Queued)?)
                .execute(&mut *conn)
                .await
                .map_err(storage)?;
        }
    }
    let new: Vec<&Recipient> = recipients
        .iter()
        .filter(|r| !existing.deliveries.iter().any(|d| same(d, r)))
        .collect();
    insert_deliveries(conn, existing.client_id, existing.id, &new, at).await
}

/// A stored note that must exist (it was just written in the same transaction).
fn written(note: Option<CallNote>) -> Result<CallNote> {
    note.ok_or_else(|| storage("a note just written cannot be read back"))
}

impl Db {
    /// Notes of `client` matching `filter` (SQL over `call_notes`, parameters from `$3`),
    /// newest first, older than the note `before` when given, with their deliveries.
    async fn select_notes(
        &self,
        client: ClientId,
        filter: &str,
        params: &[String],
        limit: u32,
        before: Option<NoteId>,
    ) -> Result<Vec<CallNote>> {
        let mut params = params.to_vec();
        let cursor = match before {
            Some(note) => {
                params.push(note.to_string());
                let at = format!(
                    "(SELECT c.created_at FROM call_notes c WHERE c.client_id = $1 AND c.id = ${})",
                    params.len() + 2
                );
                format!(
                    "AND (created_at < {at} OR (created_at = {at} AND id < ${}))",
                    params.len() + 2
                )
            }
            None => String::new(),
        };
        // One statement, so the notes and their deliveries are read from the same state.
        let sql = format!(
            "SELECT {COLUMNS} FROM (
               SELECT * FROM call_notes WHERE client_id = $1 {filter} {cursor}
               ORDER BY created_at DESC, id DESC LIMIT $2
             ) n {JOIN}
             ORDER BY n.created_at DESC, n.id DESC, {DELIVERY_ORDER}"
        );
        let mut query = sqlx::query(&sql)
            .bind(client.to_string())
            .bind(i64::from(limit));
        for param in &params {
            query = query.bind(param.as_str());
        }
        let rows = query.fetch_all(&self.pool).await.map_err(storage)?;
        notes_from_rows(&rows)
    }

    /// One note of `client`, read outside any transaction.
    async fn find_note(&self, client: ClientId, by: By<'_>) -> Result<Option<CallNote>> {
        let mut conn = self.pool.acquire().await.map_err(storage)?;
        fetch_note(&mut conn, client, by).await
    }
}

#[async_trait]
impl NoteStore for Db {
    async fn save_call_note(
        &self,
        client: ClientId,
        call: CallId,
        idempotency_key: &str,
        draft: &NoteDraft,
        actor: &Actor,
        recipients: &[Recipient],
    ) -> Result<CallNote> {
        let mut tx = self.begin().await?;
        // Touching the call checks it is this client's and, on PostgreSQL, locks it until
        // the commit: a second save of the same call waits and then finds the note.
        let done =
            sqlx::query("UPDATE calls SET client_id = client_id WHERE client_id = $1 AND id = $2")
                .bind(client.to_string())
                .bind(call.to_string())
                .execute(&mut *tx)
                .await
                .map_err(storage)?;
        if done.rows_affected() == 0 {
            return Err(Error::NotFound("call"));
        }
        let at = now();
        if let Some(existing) = fetch_note(&mut tx, client, By::Call(call)).await? {
            if existing.draft == *draft {
                // A retry of the save that made it, or nothing changed.
                return Ok(existing);
            }
            crate::note_versions::keep(&mut tx, &existing, actor, at).await?;
            update_note(&mut tx, client, existing.id, draft, at).await?;
            replace_deliveries(&mut tx, &existing, recipients, at).await?;
        } else {
            let note = CallNote {
                id: NoteId::new(),
                client_id: client,
                call_id: Some(call),
                draft: draft.clone(),
                created_by: actor.clone(),
                created_at: at,
                updated_at: at,
                deliveries: Vec::new(),
            };
            // The key is taken by another note: a note outside a call, or another call's.
            insert_note(&mut tx, &note, idempotency_key)
                .await
                .map_err(|e| match e {
                    Error::Conflict { field, message } => Error::Invalid { field, message },
                    other => other,
                })?;
            let all: Vec<&Recipient> = recipients.iter().collect();
            insert_deliveries(&mut tx, client, note.id, &all, at).await?;
        }
        let note = written(fetch_note(&mut tx, client, By::Call(call)).await?)?;
        tx.commit().await.map_err(storage)?;
        Ok(note)
    }

    async fn create_note(
        &self,
        client: ClientId,
        idempotency_key: &str,
        draft: &NoteDraft,
        actor: &Actor,
        recipients: &[Recipient],
    ) -> Result<CallNote> {
        let mut tx = self.begin().await?;
        if let Some(existing) = fetch_note(&mut tx, client, By::Key(idempotency_key)).await? {
            return replay(existing, None, draft);
        }
        let at = now();
        let note = CallNote {
            id: NoteId::new(),
            client_id: client,
            call_id: None,
            draft: draft.clone(),
            created_by: actor.clone(),
            created_at: at,
            updated_at: at,
            deliveries: Vec::new(),
        };
        match insert_note(&mut tx, &note, idempotency_key).await {
            Ok(()) => {}
            // The same request, running at the same time, made the note first (PostgreSQL;
            // SQLite's write lock orders them before the lookup above).
            Err(Error::Conflict { .. }) => {
                drop(tx);
                let existing = self.find_note(client, By::Key(idempotency_key)).await?;
                return replay(written(existing)?, None, draft);
            }
            Err(e) => return Err(e),
        }
        let all: Vec<&Recipient> = recipients.iter().collect();
        insert_deliveries(&mut tx, client, note.id, &all, at).await?;
        let note = written(fetch_note(&mut tx, client, By::Id(note.id)).await?)?;
        tx.commit().await.map_err(storage)?;
        Ok(note)
    }

    async fn note(&self, client: ClientId, id: NoteId) -> Result<CallNote> {
        self.find_note(client, By::Id(id))
            .await?
            .ok_or(Error::NotFound("note"))
    }

    async fn call_note(&self, client: ClientId, call: CallId) -> Result<CallNote> {
        self.find_note(client, By::Call(call))
            .await?
            .ok_or(Error::NotFound("note"))
    }

    async fn list_notes(
        &self,
        client: ClientId,
        limit: u32,
        before: Option<NoteId>,
    ) -> Result<Vec<CallNote>> {
        self.select_notes(client, "", &[], limit, before).await
    }

    async fn search_notes(
        &self,
        client: ClientId,
        query: &str,
        limit: u32,
        before: Option<NoteId>,
    ) -> Result<Vec<CallNote>> {
        let query = query.trim();
        if query.is_empty() {
            return self.list_notes(client, limit, before).await;
        }
        // A number typed the way people write it ("06 1234 5678") is also looked for as
        // stored (E.164).
        let as_typed = contains_pattern(&query.to_lowercase());
        let as_number = PhoneNumber::parse(query)
            .map(|number| contains_pattern(number.as_str()))
            .unwrap_or_else(|_| as_typed.clone());
        self.select_notes(
            client,
            "AND (search_text LIKE $3 ESCAPE '\\' OR search_text LIKE $4 ESCAPE '\\')",
            &[as_typed, as_number],
            limit,
            before,
        )
        .await
    }

    async fn notes_of_calls(&self, client: ClientId, calls: &[CallId]) -> Result<Vec<CallNote>> {
        let mut notes = Vec::with_capacity(calls.len());
        // In chunks: a statement takes a bounded number of parameters.
        for chunk in calls.chunks(500) {
            let places: Vec<String> = (0..chunk.len()).map(|i| format!("${}", i + 2)).collect();
            let sql = format!(
                "SELECT {COLUMNS} FROM (
                   SELECT * FROM call_notes WHERE client_id = $1 AND call_id IN ({})
                 ) n {JOIN}
                 ORDER BY n.created_at DESC, n.id DESC, {DELIVERY_ORDER}",
                places.join(", ")
            );
            let mut query = sqlx::query(&sql).bind(client.to_string());
            for call in chunk {
                query = query.bind(call.to_string());
            }
            let rows = query.fetch_all(&self.pool).await.map_err(storage)?;
            notes.extend(notes_from_rows(&rows)?);
        }
        Ok(notes)
    }

    async fn note_versions(&self, client: ClientId, note: NoteId) -> Result<Vec<NoteVersion>> {
        crate::note_versions::select(&self.pool, client, note).await
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn patterns_match_literally() {
        assert_eq!(contains_pattern("jan"), "%jan%");
        assert_eq!(contains_pattern("50%_a\\b"), "%50\\%\\_a\\\\b%");
    }

    #[test]
    fn search_text_is_folded() {
        let draft = NoteDraft {
            caller_name: "Émile ÖZTÜRK".into(),
            caller_company: "Molen BV".into(),
            caller_phone: Some(PhoneNumber::parse("06 12345678").unwrap()),
            ..NoteDraft::default()
        };
        assert_eq!(search_text(&draft), "émile öztürk molen bv +31612345678");
    }
}
