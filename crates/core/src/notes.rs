//! Call notes as the screen pop shows them (the full note arrives with the console).

use crate::{CallId, NoteId};
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

/// An earlier note about a caller, in short.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct NoteSummary {
    pub id: NoteId,
    pub call_id: Option<CallId>,
    pub created_at: DateTime<Utc>,
    pub caller_name: String,
    pub message: String,
    pub urgent: bool,
}
