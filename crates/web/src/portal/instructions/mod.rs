//! Instructions: the client edits its standard set and creates, edits, ends or deletes
//! temporary sets, with a live preview as the operator will see it (the pop component), a
//! timeline of what is in force when, and every change with who made it and what changed.
//! An edit made on an older version is refused with both versions shown; a period that
//! overlaps another set's is explained and saved only when confirmed.

mod form;
mod views;

use super::PortalState;
use super::pages::{Frame, PathId, failed, pop_of_a_call_now};
use super::session::{Fields, Portal, Posted};
use crate::console::{Shell, render};
use crate::i18n::Lang;
use askama::Template;
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use centrale_core::directory::ClientCard;
use centrale_core::instructions::Period;
use centrale_core::timeline::overlapping;
use centrale_core::{Employee, InstructionSet, InstructionSetDraft, InstructionSetId};
use chrono::{NaiveDateTime, Utc};
use form::{FormErrors, SetForm};
use views::{
    SetView, SpanView, VersionView, local, period_text, set_views, spans, title_of, versions, who,
};

#[derive(Template)]
#[template(path = "portal/instructions.html")]
struct InstructionsPage {
    shell: Shell,
    frame: Frame,
    /// The new set's form is for a temporary set.
    temporary: bool,
    sets: Vec<SetView>,
    spans: Vec<SpanView>,
    form: SetForm,
    employees: Vec<Employee>,
    errors: FormErrors,
    overlaps: Vec<String>,
    pop: Option<String>,
    client_greeting: String,
}

#[derive(Template)]
#[template(path = "portal/instruction.html")]
struct InstructionPage {
    shell: Shell,
    frame: Frame,
    id: String,
    temporary: bool,
    title: String,
    form: SetForm,
    employees: Vec<Employee>,
    errors: FormErrors,
    overlaps: Vec<String>,
    /// The stored set when an edit lost a race with another one.
    theirs: Option<(SetForm, String)>,
    saved: bool,
    history: Vec<VersionView>,
    pop: Option<String>,
    client_greeting: String,
}

/// The list: every set, the timeline, and a form for a new temporary set.
pub(super) async fn list(State(state): State<PortalState>, portal: Portal) -> Response {
    list_page(
        &state,
        &portal,
        SetForm::default().padded(),
        Vec::new(),
        Vec::new(),
    )
    .await
}

async fn list_page(
    state: &PortalState,
    portal: &Portal,
    form: SetForm,
    errors: Vec<(String, String)>,
    overlaps: Vec<String>,
) -> Response {
    let (shell, frame) = match Frame::new(
        state,
        portal,
        "portal.instructions_title",
        "/portal/instructions",
    )
    .await
    {
        Ok(page) => page,
        Err(response) => return response,
    };
    let card = match state.data.card(&portal.scope).await {
        Ok(card) => card,
        Err(e) => return failed(e),
    };
    let pop = match pop_of_a_call_now(state, portal, &card).await {
        Ok(pop) => pop,
        Err(response) => return response,
    };
    let zone = frame.zone;
    let status = if errors.is_empty() && overlaps.is_empty() {
        StatusCode::OK
    } else {
        StatusCode::UNPROCESSABLE_ENTITY
    };
    let page = InstructionsPage {
        temporary: true,
        sets: set_views(&card.sets, zone, portal.lang),
        spans: spans(&card.sets, zone, portal.lang),
        shell,
        frame,
        form,
        employees: card.employees,
        errors: FormErrors(errors),
        overlaps,
        pop,
        client_greeting: card.client.draft.greeting,
    };
    (status, render(&page)).into_response()
}

/// The sets `draft`'s period overlaps (other than `except`), described; empty when none or
/// when the user confirmed them.
fn overlaps_of(
    form: &SetForm,
    draft: &InstructionSetDraft,
    card: &ClientCard,
    except: Option<InstructionSetId>,
    lang: Lang,
) -> Vec<String> {
    let Some(period) = &draft.period else {
        return Vec::new();
    };
    if form.confirm_overlap {
        return Vec::new();
    }
    overlapping(&card.sets, card.client.draft.time_zone.tz(), period, except)
        .into_iter()
        .map(|set| {
            format!(
                "{} ({})",
                title_of(set, lang),
                set.draft
                    .period
                    .as_ref()
                    .map(period_text)
                    .unwrap_or_default()
            )
        })
        .collect()
}

/// Creates a temporary set.
pub(super) async fn create(State(state): State<PortalState>, posted: Posted<Fields>) -> Response {
    let Posted { portal, form } = posted;
    let form = SetForm::read(&form);
    let card = match state.data.card(&portal.scope).await {
        Ok(card) => card,
        Err(e) => return failed(e),
    };
    let draft = match form.draft(true, &card.employees, portal.lang) {
        Ok(draft) => draft,
        Err(errors) => return list_page(&state, &portal, form, errors, Vec::new()).await,
    };
    let overlaps = overlaps_of(&form, &draft, &card, None, portal.lang);
    if !overlaps.is_empty() {
        return list_page(&state, &portal, form, Vec::new(), overlaps).await;
    }
    match state
        .data
        .create_instruction_set(&portal.scope, &draft)
        .await
    {
        Ok(set) => Redirect::to(&format!("/portal/instructions/{}", set.id)).into_response(),
        Err(centrale_core::Error::Invalid { field, message }) => {
            list_page(&state, &portal, form, vec![(field, message)], Vec::new()).await
        }
        Err(e) => failed(e),
    }
}

#[derive(serde::Deserialize)]
pub(super) struct Shown {
    saved: Option<String>,
}

/// One set: its form with the live preview, and its history.
pub(super) async fn show(
    State(state): State<PortalState>,
    portal: Portal,
    PathId(id): PathId<InstructionSetId>,
    axum::extract::Query(shown): axum::extract::Query<Shown>,
) -> Response {
    match state.data.instruction_set(&portal.scope, id).await {
        Ok(set) => {
            let showing = Showing {
                saved: shown.saved.is_some(),
                ..Showing::of(SetForm::of(&set))
            };
            set_page(&state, &portal, &set, showing).await
        }
        Err(e) => failed(e),
    }
}

/// What a set's page shows besides the set: the form as typed and how saving it went.
struct Showing {
    form: SetForm,
    errors: Vec<(String, String)>,
    overlaps: Vec<String>,
    /// The stored set and who changed it when, when an edit lost a race with another one.
    theirs: Option<(SetForm, String)>,
    saved: bool,
}

impl Showing {
    fn of(form: SetForm) -> Self {
        Self {
            form,
            errors: Vec::new(),
            overlaps: Vec::new(),
            theirs: None,
            saved: false,
        }
    }

    fn wrong(form: SetForm, errors: Vec<(String, String)>) -> Self {
        Self {
            errors,
            ..Self::of(form)
        }
    }
}

async fn set_page(
    state: &PortalState,
    portal: &Portal,
    set: &InstructionSet,
    showing: Showing,
) -> Response {
    let Showing {
        form,
        errors,
        overlaps,
        theirs,
        saved,
    } = showing;
    let (shell, frame) = match Frame::new(
        state,
        portal,
        "portal.instructions_title",
        "/portal/instructions",
    )
    .await
    {
        Ok(page) => page,
        Err(response) => return response,
    };
    let (card, history) = match (
        state.data.card(&portal.scope).await,
        state.data.instruction_history(&portal.scope, set.id).await,
    ) {
        (Ok(card), Ok(history)) => (card, history),
        (Err(e), _) | (_, Err(e)) => return failed(e),
    };
    let pop = match pop_of_a_call_now(state, portal, &card).await {
        Ok(pop) => pop,
        Err(response) => return response,
    };
    let status = if theirs.is_some() {
        StatusCode::CONFLICT
    } else if errors.is_empty() && overlaps.is_empty() {
        StatusCode::OK
    } else {
        StatusCode::UNPROCESSABLE_ENTITY
    };
    let page = InstructionPage {
        history: versions(&history, &card.employees, frame.zone, portal.lang),
        shell,
        frame,
        id: set.id.to_string(),
        temporary: !set.is_standard(),
        title: title_of(set, portal.lang),
        form,
        employees: card.employees,
        errors: FormErrors(errors),
        overlaps,
        theirs,
        saved,
        pop,
        client_greeting: card.client.draft.greeting,
    };
    (status, render(&page)).into_response()
}

/// Saves a set, only on the version the form was made from.
pub(super) async fn update(
    State(state): State<PortalState>,
    PathId(id): PathId<InstructionSetId>,
    posted: Posted<Fields>,
) -> Response {
    let Posted { portal, form } = posted;
    let set = match state.data.instruction_set(&portal.scope, id).await {
        Ok(set) => set,
        Err(e) => return failed(e),
    };
    let form = SetForm::read(&form);
    let card = match state.data.card(&portal.scope).await {
        Ok(card) => card,
        Err(e) => return failed(e),
    };
    let mut draft = match form.draft(!set.is_standard(), &card.employees, portal.lang) {
        Ok(draft) => draft,
        Err(errors) => return set_page(&state, &portal, &set, Showing::wrong(form, errors)).await,
    };
    if set.is_standard() {
        // The standard set's form has no name field: its name stays.
        draft.title.clone_from(&set.draft.title);
    }
    let overlaps = overlaps_of(&form, &draft, &card, Some(set.id), portal.lang);
    if !overlaps.is_empty() {
        return set_page(
            &state,
            &portal,
            &set,
            Showing {
                overlaps,
                ..Showing::of(form)
            },
        )
        .await;
    }
    let Ok(expected) = form.version.parse::<i64>() else {
        let message = portal.lang.t("instr.changed_meanwhile").to_owned();
        return set_page(
            &state,
            &portal,
            &set,
            Showing::wrong(form, vec![("version".into(), message)]),
        )
        .await;
    };
    match state
        .data
        .update_instruction_set(&portal.scope, id, &draft, expected)
        .await
    {
        Ok(_) => Redirect::to(&format!("/portal/instructions/{id}?saved=1")).into_response(),
        Err(centrale_core::Error::Conflict { .. }) => {
            // Someone saved first: show theirs beside what was typed; saving again overwrites.
            let current = match state.data.instruction_set(&portal.scope, id).await {
                Ok(current) => current,
                Err(e) => return failed(e),
            };
            let changed = format!(
                "{} · {}",
                local(current.updated_at, card.client.draft.time_zone),
                who(&current.updated_by, portal.lang)
            );
            let mut yours = form;
            yours.version = current.version.to_string();
            let theirs = Some((SetForm::of(&current), changed));
            set_page(
                &state,
                &portal,
                &current,
                Showing {
                    theirs,
                    ..Showing::of(yours)
                },
            )
            .await
        }
        Err(centrale_core::Error::Invalid { field, message }) => {
            set_page(
                &state,
                &portal,
                &set,
                Showing::wrong(form, vec![(field, message)]),
            )
            .await
        }
        Err(e) => failed(e),
    }
}

/// Ends a temporary set in force now: its period ends at this minute.
pub(super) async fn end(
    State(state): State<PortalState>,
    PathId(id): PathId<InstructionSetId>,
    posted: Posted<Fields>,
) -> Response {
    let Posted { portal, form } = posted;
    let set = match state.data.instruction_set(&portal.scope, id).await {
        Ok(set) => set,
        Err(e) => return failed(e),
    };
    let client = match state.data.client(&portal.scope).await {
        Ok(client) => client,
        Err(e) => return failed(e),
    };
    let tz = client.draft.time_zone.tz();
    let now = Utc::now();
    let Some(period) = set.draft.period.filter(|p| p.contains(tz, now)) else {
        let message = portal.lang.t("instr.end_not_in_force").to_owned();
        return set_page(
            &state,
            &portal,
            &set,
            Showing::wrong(SetForm::of(&set), vec![("end".into(), message)]),
        )
        .await;
    };
    let minute = now
        .with_timezone(&tz)
        .naive_local()
        .format("%Y-%m-%dT%H:%M")
        .to_string();
    let mut draft = set.draft.clone();
    let end = NaiveDateTime::parse_from_str(&minute, "%Y-%m-%dT%H:%M").unwrap_or(period.end);
    // Ended this minute; a set that started this very minute ends a minute later.
    draft.period = Some(Period {
        start: period.start,
        end: end.max(period.start + chrono::Duration::minutes(1)),
    });
    let expected = form.one("version").parse().unwrap_or(set.version);
    match state
        .data
        .update_instruction_set(&portal.scope, id, &draft, expected)
        .await
    {
        Ok(_) => Redirect::to(&format!("/portal/instructions/{id}?saved=1")).into_response(),
        Err(centrale_core::Error::Conflict { .. }) => show_again(&state, &portal, id).await,
        Err(e) => failed(e),
    }
}

async fn show_again(state: &PortalState, portal: &Portal, id: InstructionSetId) -> Response {
    match state.data.instruction_set(&portal.scope, id).await {
        Ok(set) => {
            let message = portal.lang.t("instr.changed_meanwhile").to_owned();
            set_page(
                state,
                portal,
                &set,
                Showing::wrong(SetForm::of(&set), vec![("version".into(), message)]),
            )
            .await
        }
        Err(e) => failed(e),
    }
}

/// Deletes a temporary set (its history stays).
pub(super) async fn delete(
    State(state): State<PortalState>,
    PathId(id): PathId<InstructionSetId>,
    posted: Posted<Fields>,
) -> Response {
    let portal = posted.portal;
    match state.data.delete_instruction_set(&portal.scope, id).await {
        Ok(()) => Redirect::to("/portal/instructions").into_response(),
        Err(centrale_core::Error::Invalid { message, .. }) => {
            (StatusCode::UNPROCESSABLE_ENTITY, message).into_response()
        }
        Err(e) => failed(e),
    }
}
