//! What the operator's screen shows when a call is offered: gathered once per call.

use super::admission::Admitted;
use crate::telephony::Telephony;
use centrale_core::events::{InstructionsKind, ScreenPop};
use centrale_core::instructions::in_force;
use chrono::Utc;

/// How many earlier notes of a known caller the pop shows.
const LAST_NOTES: u32 = 5;

/// Builds the screen pop for an admitted call; missing parts stay empty rather than fail.
pub async fn gather(telephony: &Telephony, call: &Admitted) -> Option<ScreenPop> {
    let client = &call.client;
    let store = &telephony.store;
    let sets = store.list_instruction_sets(client.id).await.ok()?;
    let set = in_force(&sets, client.draft.time_zone.tz(), Utc::now())?.clone();
    let instructions_kind = if set.is_standard() {
        InstructionsKind::Standard
    } else {
        InstructionsKind::Temporary
    };
    let greeting = set
        .draft
        .content
        .greeting_override
        .clone()
        .unwrap_or_else(|| client.draft.greeting.clone());
    let (contact, last_notes) = match &call.caller.number {
        Some(number) => {
            let contacts = store.list_contacts(client.id).await.unwrap_or_default();
            let contact = contacts.into_iter().find(|c| &c.draft.number == number);
            let notes = store
                .last_notes(client.id, number, LAST_NOTES)
                .await
                .unwrap_or_default();
            (contact, notes)
        }
        None => (None, Vec::new()),
    };
    Some(ScreenPop {
        client_id: client.id,
        client_name: client.draft.name.clone(),
        greeting,
        instructions_kind,
        instructions: set,
        dialled: call.number.draft.number.clone(),
        dialled_label: call.number.draft.label.clone(),
        original: call.original.clone(),
        caller: call.caller.clone(),
        contact,
        last_notes,
        employees: store.list_employees(client.id).await.unwrap_or_default(),
    })
}
