//! A client's instruction sets, with every change kept in `instruction_versions`.
//!
//! Each change (create, update, delete) bumps the set's `version` and writes a version row
//! in the same transaction: a JSON snapshot of the set after the change, or NULL when the
//! change deleted it. Deleting is soft (`deleted_at`) so the history keeps its subject.

use crate::Db;
use crate::convert::{
    from_json, get, instant, is_foreign_key_violation, millis, now, parsed, storage, to_json,
    wall_clock, wall_clock_text, whole_seconds,
};
use async_trait::async_trait;
use centrale_core::instructions::InstructionVersion;
use centrale_core::ports::{self, InstructionStore};
use centrale_core::{
    Actor, ClientId, Error, InstructionSet, InstructionSetDraft, InstructionSetId, Period, Result,
};
use chrono::{DateTime, Utc};
use sqlx::any::AnyRow;
use sqlx::{Any, AnyConnection, Executor};

const COLUMNS: &str = "id, client_id, title, period_start, period_end, content, version, created_at, updated_at, updated_by";

fn set_from_row(row: &AnyRow) -> Result<InstructionSet> {
    let start: Option<String> = get(row, "period_start")?;
    let end: Option<String> = get(row, "period_end")?;
    let period = match (start, end) {
        (Some(start), Some(end)) => Some(Period {
            start: wall_clock(&start)?,
            end: wall_clock(&end)?,
        }),
        (None, None) => None,
        _ => return Err(storage("an instruction set has half a period")),
    };
    Ok(InstructionSet {
        id: parsed(get(row, "id")?, "id")?,
        client_id: parsed(get(row, "client_id")?, "client_id")?,
        draft: InstructionSetDraft {
            period,
            title: get(row, "title")?,
            content: from_json(&get::<String>(row, "content")?, "content")?,
        },
        version: get(row, "version")?,
        created_at: instant(get(row, "created_at")?)?,
        updated_at: instant(get(row, "updated_at")?)?,
        updated_by: Actor::from_stored(get(row, "updated_by")?),
    })
}

/// The draft as it will read back: periods are kept to the second.
fn stored_form(draft: &InstructionSetDraft) -> InstructionSetDraft {
    let period = draft.period.map(|p| Period {
        start: whole_seconds(p.start),
        end: whole_seconds(p.end),
    });
    InstructionSetDraft {
        period,
        ..draft.clone()
    }
}

fn period_texts(draft: &InstructionSetDraft) -> (Option<String>, Option<String>) {
    match draft.period {
        Some(p) => (Some(wall_clock_text(p.start)), Some(wall_clock_text(p.end))),
        None => (None, None),
    }
}

/// Inserts a new set at its version 1, with its first history row.
pub(crate) async fn insert_set(conn: &mut AnyConnection, set: &InstructionSet) -> Result<()> {
    let (start, end) = period_texts(&set.draft);
    sqlx::query(
        "INSERT INTO instruction_sets
           (id, client_id, title, period_start, period_end, content, version, created_at, updated_at, updated_by)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)",
    )
    .bind(set.id.to_string())
    .bind(set.client_id.to_string())
    .bind(&set.draft.title)
    .bind(start)
    .bind(end)
    .bind(to_json(&set.draft.content)?)
    .bind(set.version)
    .bind(millis(set.created_at))
    .bind(millis(set.updated_at))
    .bind(set.updated_by.as_str())
    .execute(&mut *conn)
    .await
    .map_err(|e| if is_foreign_key_violation(&e) { Error::NotFound("client") } else { storage(e) })?;
    let change = Change {
        client: set.client_id,
        id: set.id,
        version: set.version,
        actor: &set.updated_by,
        at: set.updated_at,
    };
    insert_version(conn, &change, Some(set)).await
}

/// Who changed which set to which version, and when.
struct Change<'a> {
    client: ClientId,
    id: InstructionSetId,
    version: i64,
    actor: &'a Actor,
    at: DateTime<Utc>,
}

async fn insert_version(
    conn: &mut AnyConnection,
    change: &Change<'_>,
    snapshot: Option<&InstructionSet>,
) -> Result<()> {
    let snapshot = snapshot.map(to_json).transpose()?;
    sqlx::query(
        "INSERT INTO instruction_versions (set_id, client_id, version, snapshot, changed_by, changed_at)
         VALUES ($1, $2, $3, $4, $5, $6)",
    )
    .bind(change.id.to_string())
    .bind(change.client.to_string())
    .bind(change.version)
    .bind(snapshot)
    .bind(change.actor.as_str())
    .bind(millis(change.at))
    .execute(conn)
    .await
    .map_err(storage)?;
    Ok(())
}

/// The live set, if the client has it.
async fn live_set<'e>(
    executor: impl Executor<'e, Database = Any>,
    client: ClientId,
    id: InstructionSetId,
) -> Result<Option<InstructionSet>> {
    let sql = format!(
        "SELECT {COLUMNS} FROM instruction_sets WHERE client_id = $1 AND id = $2 AND deleted_at IS NULL"
    );
    let row = sqlx::query(&sql)
        .bind(client.to_string())
        .bind(id.to_string())
        .fetch_optional(executor)
        .await
        .map_err(storage)?;
    row.as_ref().map(set_from_row).transpose()
}

#[async_trait]
impl InstructionStore for Db {
    async fn create_instruction_set(
        &self,
        client: ClientId,
        draft: &InstructionSetDraft,
        actor: &Actor,
    ) -> Result<InstructionSet> {
        if draft.period.is_none() {
            return Err(Error::invalid("period", "a temporary set needs a period"));
        }
        let at = now();
        let set = InstructionSet {
            id: InstructionSetId::new(),
            client_id: client,
            draft: stored_form(draft),
            version: 1,
            created_at: at,
            updated_at: at,
            updated_by: actor.clone(),
        };
        let mut tx = self.begin().await?;
        insert_set(&mut tx, &set).await?;
        tx.commit().await.map_err(storage)?;
        self.changed(ports::Change::Client(client)).await;
        Ok(set)
    }

    async fn list_instruction_sets(&self, client: ClientId) -> Result<Vec<InstructionSet>> {
        let sql = format!(
            "SELECT {COLUMNS} FROM instruction_sets WHERE client_id = $1 AND deleted_at IS NULL
             ORDER BY CASE WHEN period_start IS NULL THEN 0 ELSE 1 END, period_start, created_at, id"
        );
        let rows = sqlx::query(&sql)
            .bind(client.to_string())
            .fetch_all(&self.pool)
            .await
            .map_err(storage)?;
        rows.iter().map(set_from_row).collect()
    }

    async fn instruction_set(
        &self,
        client: ClientId,
        id: InstructionSetId,
    ) -> Result<InstructionSet> {
        live_set(&self.pool, client, id)
            .await?
            .ok_or(Error::NotFound("instruction set"))
    }

    async fn update_instruction_set(
        &self,
        client: ClientId,
        id: InstructionSetId,
        draft: &InstructionSetDraft,
        actor: &Actor,
        expected_version: Option<i64>,
    ) -> Result<InstructionSet> {
        let draft = stored_form(draft);
        let (start, end) = period_texts(&draft);
        // An edit made on an older version loses: the caller shows both.
        let version = match expected_version {
            Some(_) => "AND version = $9",
            None => "",
        };
        // The kind of set is part of the match: a standard set stays standard, a temporary one temporary.
        let kind = if draft.period.is_some() {
            "period_start IS NOT NULL"
        } else {
            "period_start IS NULL"
        };
        let sql = format!(
            "UPDATE instruction_sets SET title = $3, period_start = $4, period_end = $5, content = $6,
               version = version + 1, updated_at = $7, updated_by = $8
             WHERE client_id = $1 AND id = $2 AND deleted_at IS NULL AND {kind} {version}"
        );
        let at = now();
        let mut tx = self.begin().await?;
        let mut update = sqlx::query(&sql)
            .bind(client.to_string())
            .bind(id.to_string())
            .bind(&draft.title)
            .bind(start)
            .bind(end)
            .bind(to_json(&draft.content)?)
            .bind(millis(at))
            .bind(actor.as_str());
        if let Some(expected) = expected_version {
            update = update.bind(expected);
        }
        let done = update.execute(&mut *tx).await.map_err(storage)?;
        if done.rows_affected() == 0 {
            return Err(match live_set(&mut *tx, client, id).await? {
                Some(set)
                    if expected_version.is_some_and(|v| v != set.version)
                        && set.is_standard() == draft.period.is_none() =>
                {
                    Error::conflict(
                        "version",
                        format!(
                            "the set was changed meanwhile (now version {})",
                            set.version
                        ),
                    )
                }
                Some(set) if set.is_standard() => {
                    Error::invalid("period", "the standard set cannot have a period")
                }
                Some(_) => Error::invalid("period", "a temporary set needs a period"),
                None => Error::NotFound("instruction set"),
            });
        }
        let set = live_set(&mut *tx, client, id)
            .await?
            .ok_or(Error::NotFound("instruction set"))?;
        let change = Change {
            client,
            id,
            version: set.version,
            actor,
            at,
        };
        insert_version(&mut tx, &change, Some(&set)).await?;
        tx.commit().await.map_err(storage)?;
        self.changed(ports::Change::Client(client)).await;
        Ok(set)
    }

    async fn delete_instruction_set(
        &self,
        client: ClientId,
        id: InstructionSetId,
        actor: &Actor,
    ) -> Result<()> {
        let at = now();
        let mut tx = self.begin().await?;
        let done = sqlx::query(
            "UPDATE instruction_sets SET deleted_at = $3, version = version + 1, updated_at = $3, updated_by = $4
             WHERE client_id = $1 AND id = $2 AND deleted_at IS NULL AND period_start IS NOT NULL",
        )
        .bind(client.to_string())
        .bind(id.to_string())
        .bind(millis(at))
        .bind(actor.as_str())
        .execute(&mut *tx)
        .await
        .map_err(storage)?;
        if done.rows_affected() == 0 {
            return Err(match live_set(&mut *tx, client, id).await? {
                Some(_) => Error::invalid("id", "the standard set cannot be deleted"),
                None => Error::NotFound("instruction set"),
            });
        }
        let row =
            sqlx::query("SELECT version FROM instruction_sets WHERE client_id = $1 AND id = $2")
                .bind(client.to_string())
                .bind(id.to_string())
                .fetch_one(&mut *tx)
                .await
                .map_err(storage)?;
        let change = Change {
            client,
            id,
            version: get(&row, "version")?,
            actor,
            at,
        };
        insert_version(&mut tx, &change, None).await?;
        tx.commit().await.map_err(storage)?;
        self.changed(ports::Change::Client(client)).await;
        Ok(())
    }

    async fn instruction_history(
        &self,
        client: ClientId,
        id: InstructionSetId,
    ) -> Result<Vec<InstructionVersion>> {
        let rows = sqlx::query(
            "SELECT version, snapshot, changed_by, changed_at FROM instruction_versions
             WHERE client_id = $1 AND set_id = $2 ORDER BY version",
        )
        .bind(client.to_string())
        .bind(id.to_string())
        .fetch_all(&self.pool)
        .await
        .map_err(storage)?;
        if rows.is_empty() {
            return Err(Error::NotFound("instruction set"));
        }
        rows.iter()
            .map(|row| {
                let snapshot: Option<String> = get(row, "snapshot")?;
                Ok(InstructionVersion {
                    version: get(row, "version")?,
                    set: snapshot
                        .map(|json| from_json(&json, "snapshot"))
                        .transpose()?,
                    changed_by: Actor::from_stored(get(row, "changed_by")?),
                    changed_at: instant(get(row, "changed_at")?)?,
                })
            })
            .collect()
    }
}
