//! What the operator's screen shows when a call is offered: the pop, from the directory as it
//! was when the call arrived; then, once the database gives them, the caller's earlier notes
//! as an event of their own, so the call never waits for them.

use super::CallContext;
use super::admission::Admitted;
use centrale_core::events::{CallerHistory, ScreenPop};
use centrale_core::{CallId, StaffId};
use chrono::{DateTime, Utc};

/// How many earlier notes of a known caller the console shows.
const LAST_NOTES: u32 = 5;

/// The pop for an admitted call, with the instructions in force when it arrived.
pub fn pop(call: &Admitted, arrived: DateTime<Utc>) -> Option<ScreenPop> {
    call.card
        .pop(&call.number, &call.caller, call.original.clone(), arrived)
}

/// Sends the caller's latest notes to the operator the call is offered to, when there are any.
pub fn send_history(context: &CallContext, call: &Admitted, id: CallId, operator: StaffId) {
    let Some(number) = call.caller.number.clone() else {
        return;
    };
    let client = call.card.client.id;
    let history = context.history.clone();
    let journal = context.journal.clone();
    tokio::spawn(async move {
        match history.last_notes(client, &number, LAST_NOTES).await {
            Ok(last_notes) if !last_notes.is_empty() => journal.caller_history(CallerHistory {
                call_id: id,
                operator_id: operator,
                last_notes,
            }),
            Ok(_) => {}
            Err(e) => tracing::debug!(%id, error = %e, "caller's earlier notes not read"),
        }
    });
}
