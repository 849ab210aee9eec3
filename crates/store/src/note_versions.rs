//! The texts an edited note had: one `note_versions` row per edit, written in the edit's
//! transaction, so no edit goes unrecorded.

use crate::convert::{from_json, get, instant, millis, storage, to_json};
use centrale_core::notes::{CallNote, NoteVersion};
use centrale_core::{Actor, ClientId, NoteId, Result};
use chrono::{DateTime, Utc};
use sqlx::{AnyConnection, AnyPool};

/// Keeps `existing`'s text as the version `actor` replaces at `at`. The caller holds the
/// call's row lock, so two edits of one note cannot pick the same number.
pub(crate) async fn keep(
    conn: &mut AnyConnection,
    existing: &CallNote,
    actor: &Actor,
    at: DateTime<Utc>,
) -> Result<()> {
    sqlx::query(
        "INSERT INTO note_versions (note_id, client_id, seq, edited_by, edited_at, previous)
         SELECT $1, $2, COALESCE(MAX(seq), 0) + 1, $3, $4, $5
         FROM note_versions WHERE note_id = $1",
    )
    .bind(existing.id.to_string())
    .bind(existing.client_id.to_string())
    .bind(actor.as_str())
    .bind(millis(at))
    .bind(to_json(&existing.draft)?)
    .execute(conn)
    .await
    .map_err(storage)?;
    Ok(())
}

/// A note's versions, oldest first; none for a note of another client.
pub(crate) async fn select(
    pool: &AnyPool,
    client: ClientId,
    note: NoteId,
) -> Result<Vec<NoteVersion>> {
    let rows = sqlx::query(
        "SELECT seq, edited_by, edited_at, previous FROM note_versions
         WHERE client_id = $1 AND note_id = $2 ORDER BY seq",
    )
    .bind(client.to_string())
    .bind(note.to_string())
    .fetch_all(pool)
    .await
    .map_err(storage)?;
    rows.iter()
        .map(|row| {
            Ok(NoteVersion {
                seq: get(row, "seq")?,
                edited_by: Actor::from_stored(get(row, "edited_by")?),
                edited_at: instant(get(row, "edited_at")?)?,
                previous: from_json(&get::<String>(row, "previous")?, "previous")?,
            })
        })
        .collect()
}
