//! The audit log: who of the staff read which client's notes, exported its data or erased a
//! caller, and when.
//!
//! Notes hold personal data of callers; an operator reads them for her work, and a
//! supervisor can see afterwards who read what ([`AuditEntry`], asked for by [`AuditQuery`]).

use crate::{Actor, AuditId, ClientId, StaffId};
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

/// What was read.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum AuditAction {
    /// A page of a client's notes.
    NotesList,
    /// A search through a client's notes.
    NotesSearch,
    /// One note.
    NoteRead,
    /// The note of a call.
    CallNoteRead,
    /// The earlier texts of an edited note.
    NoteVersionsRead,
    /// All of a client's data, exported.
    ClientExported,
    /// A caller erased on request (the detail says how much changed, not the number).
    CallerErased,
}

/// One read of notes by a staff member.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct AuditEntry {
    pub id: AuditId,
    pub at: DateTime<Utc>,
    pub staff_id: StaffId,
    /// The staff member as they were named at the time ("staff:anna@bureau.nl").
    #[schema(value_type = String)]
    pub actor: Actor,
    pub client_id: ClientId,
    pub action: AuditAction,
    /// What exactly: the note or call id, or the search text.
    pub detail: String,
}

/// Which entries a supervisor asks for: newest first, `from` inclusive, `to` exclusive.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct AuditQuery {
    pub client_id: Option<ClientId>,
    pub from: Option<DateTime<Utc>>,
    pub to: Option<DateTime<Utc>>,
    pub limit: u32,
}
