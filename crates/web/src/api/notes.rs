//! Call notes: `/api/v1/clients/{client_id}/notes` and the note of a call.
//!
//! Operators write notes, so the routes take [`ClientReader`] (or [`AnyStaff`] by a call
//! id). Saving is idempotent: a call has one note (saving it again edits it), and a note
//! outside a call needs an `Idempotency-Key` header, so a retried request never makes a
//! second note. Whom a note goes to is computed here with [`notes::recipients`], under the
//! instructions in force when the call arrived (for a note without a call: when it is
//! saved), and queued with the note.
//! An edit recomputes them under the same instructions (the call's arrival does not move);
//! only recipients the note had no delivery for get a new one.
//!
//! Least privilege: lists are pages of at most [`MAX_LIMIT`]; every read of notes is written
//! to the audit log; a call's note is written by the operator who took the call (until
//! `note_edit_window` after her wrap-up) or a supervisor, and every edit keeps the text it
//! replaces. Idempotency keys are scoped per staff member, so no one can take another's key.

use super::audit;
use crate::access::ClientReader;
use crate::auth::{AnyStaff, Supervisor};
use crate::extract::{ApiJson, ApiPath, ApiQuery};
use crate::{ApiError, ApiResult, AppState};
use axum::Json;
use axum::extract::State;
use axum::http::{HeaderMap, StatusCode};
use centrale_core::audit::AuditAction;
use centrale_core::calls::CallRecord;
use centrale_core::instructions::in_force;
use centrale_core::notes::{self, CallNote, NoteDraft, NoteVersion, Recipient};
use centrale_core::{Actor, CallId, ClientId, NoteId, Role, Staff};
use chrono::{DateTime, Utc};
use serde::Deserialize;
use utoipa::IntoParams;
use utoipa_axum::{router::OpenApiRouter, routes};

/// The header that makes a write idempotent.
const IDEMPOTENCY_KEY: &str = "Idempotency-Key";
/// Longest idempotency key accepted.
const MAX_KEY_LEN: usize = 255;
/// Notes in a page by default, and at most: reading is for the work, not a bulk export.
const DEFAULT_LIMIT: u32 = 50;
pub(crate) const MAX_LIMIT: u32 = 200;

pub(super) fn routes() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(get_call_note, save_call_note))
        .routes(routes!(save_note_of_call))
        .routes(routes!(list_notes, create_note))
        .routes(routes!(get_note))
        .routes(routes!(note_versions))
}

#[derive(Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
struct Search {
    /// Only notes whose caller name, company or phone contains this (any case).
    q: Option<String>,
    /// At most this many (default 50, at most 200).
    limit: Option<u32>,
    /// The next page: notes older than this one (the last note of the page before).
    before: Option<NoteId>,
}

/// The request's idempotency key, if it sent one that is usable.
fn idempotency_key(headers: &HeaderMap) -> ApiResult<Option<String>> {
    let Some(value) = headers.get(IDEMPOTENCY_KEY) else {
        return Ok(None);
    };
    let key = value.to_str().map(str::trim).unwrap_or_default();
    if key.is_empty() || key.len() > MAX_KEY_LEN {
        return Err(ApiError::new(
            StatusCode::BAD_REQUEST,
            format!("the {IDEMPOTENCY_KEY} header must be 1 to {MAX_KEY_LEN} visible characters"),
        )
        .with_field(IDEMPOTENCY_KEY));
    }
    Ok(Some(key.to_owned()))
}

/// The key as stored: the member's own, so nobody can take a key (such as a call's
/// `call:{id}`) that another member's save needs.
fn scoped_key(staff: &Staff, key: &str) -> String {
    format!("staff:{}:{key}", staff.id)
}

/// Supervisors may write any call's note; the operator who took the call may while it
/// lasts, during her wrap-up and `note_edit_window` after — and while it still rings at her
/// phone (she starts typing from the screen pop); nobody else.
fn check_may_write(
    state: &AppState,
    staff: &Staff,
    record: &CallRecord,
    now: DateTime<Utc>,
) -> ApiResult<()> {
    if staff.draft.role >= Role::Supervisor {
        return Ok(());
    }
    let ringing_for_her = record.operator_id.is_none()
        && record
            .offers
            .last()
            .is_some_and(|offer| offer.operator_id == staff.id && offer.result.is_none());
    if record.operator_id != Some(staff.id) && !ringing_for_her {
        return Err(ApiError::forbidden(
            "only the operator who took this call, or a supervisor, may write its note",
        ));
    }
    let window = state.settings.wrap_up + state.settings.note_edit_window;
    let window = chrono::Duration::from_std(window).unwrap_or(chrono::Duration::MAX);
    match record.ended_at {
        Some(ended) if now > ended + window => Err(ApiError::forbidden(
            "the time to edit this note has passed; ask a supervisor",
        )),
        _ => Ok(()),
    }
}

/// The store speaks of `idempotency_key`; the user sent a header.
fn key_error(error: centrale_core::Error) -> ApiError {
    match error {
        centrale_core::Error::Invalid { field, message } if field == "idempotency_key" => {
            ApiError::invalid(IDEMPOTENCY_KEY, message)
        }
        other => other.into(),
    }
}

/// The draft checked, and whom it goes to under the instructions in force at `at` (the
/// call's arrival, or now for a note without a call); emergency steps it took are those of
/// that procedure, and `by` took the ones not yet signed.
async fn prepare(
    state: &AppState,
    client_id: ClientId,
    draft: NoteDraft,
    at: DateTime<Utc>,
    by: &Actor,
) -> ApiResult<(NoteDraft, Vec<Recipient>)> {
    let client = state.store.client(client_id).await?;
    let draft = draft.validate()?;
    let employees = state.store.list_employees(client_id).await?;
    draft.check_employees(&employees)?;
    let sets = state.store.list_instruction_sets(client_id).await?;
    let content = in_force(&sets, client.draft.time_zone.tz(), at)
        .map(|set| set.draft.content.clone())
        .unwrap_or_default();
    let draft = draft.check_emergency(&content.emergency, by)?;
    let recipients = notes::recipients(&draft, &client, &employees, &content);
    Ok((draft, recipients))
}

/// The telephony writes a call's record behind the call: a note saved at once (from the screen
/// pop, during the call) waits for what is known of its call to be written.
async fn wait_for_record(state: &AppState, call: CallId) {
    if !state.switchboard.call_recorded(call).await {
        tracing::warn!(%call, "the call's record is not written yet; saving its note anyway");
    }
}

/// Saves the note of a call of `client_id` (see [`save_call_note`]); another client's call
/// is not found.
async fn save_on_call(
    state: &AppState,
    staff: &Staff,
    client_id: ClientId,
    call_id: CallId,
    headers: &HeaderMap,
    draft: NoteDraft,
) -> ApiResult<Json<CallNote>> {
    // The call is the natural key: without a header, the call's note is saved or edited.
    let key = match idempotency_key(headers)? {
        Some(key) => scoped_key(staff, &key),
        None => format!("call:{call_id}"),
    };
    let record = state.store.call_record(client_id, call_id).await?;
    check_may_write(state, staff, &record, Utc::now())?;
    let (draft, recipients) = prepare(
        state,
        client_id,
        draft,
        record.call.arrived_at,
        &Actor::staff(staff),
    )
    .await?;
    let note = state
        .store
        .save_call_note(
            client_id,
            call_id,
            &key,
            &draft,
            &Actor::staff(staff),
            &recipients,
        )
        .await
        .map_err(key_error)?;
    Ok(Json(note))
}

/// The note of a call, while it has one.
#[utoipa::path(get, path = "/api/v1/clients/{client_id}/calls/{call_id}/note", tag = "notes",
    security(("bearer" = [])), params(("client_id" = String, Path), ("call_id" = String, Path)),
    responses((status = 200, body = CallNote), (status = 404, body = crate::error::ErrorBody)))]
async fn get_call_note(
    State(state): State<AppState>,
    ClientReader(staff): ClientReader,
    ApiPath((client_id, call_id)): ApiPath<(ClientId, CallId)>,
) -> ApiResult<Json<CallNote>> {
    let note = state.store.call_note(client_id, call_id).await?;
    audit::record(
        &state,
        &staff,
        client_id,
        AuditAction::CallNoteRead,
        call_id.to_string(),
    )
    .await?;
    Ok(Json(note))
}

/// Saves the note of a call: creates it, or replaces it when the call has one. Allowed to
/// the operator who took the call (until `note_edit_minutes` after her wrap-up) and to
/// supervisors. Its deliveries are queued with it; an edit keeps the text it replaces and
/// queues deliveries only to new recipients.
#[utoipa::path(put, path = "/api/v1/clients/{client_id}/calls/{call_id}/note", tag = "notes",
    security(("bearer" = [])),
    params(("client_id" = String, Path), ("call_id" = String, Path),
        ("Idempotency-Key" = Option<String>, Header, description = "optional; the call is the note's key")),
    request_body = NoteDraft,
    responses((status = 200, body = CallNote), (status = 403, body = crate::error::ErrorBody),
        (status = 404, body = crate::error::ErrorBody), (status = 422, body = crate::error::ErrorBody)))]
async fn save_call_note(
    State(state): State<AppState>,
    ClientReader(staff): ClientReader,
    ApiPath((client_id, call_id)): ApiPath<(ClientId, CallId)>,
    headers: HeaderMap,
    ApiJson(draft): ApiJson<NoteDraft>,
) -> ApiResult<Json<CallNote>> {
    wait_for_record(&state, call_id).await;
    save_on_call(&state, &staff, client_id, call_id, &headers, draft).await
}

/// Saves the note of a call known only by its id (the console's wrap-up); as
/// `PUT /api/v1/clients/{client_id}/calls/{call_id}/note` for the call's client.
#[utoipa::path(put, path = "/api/v1/calls/{call_id}/note", tag = "notes",
    security(("bearer" = [])),
    params(("call_id" = String, Path),
        ("Idempotency-Key" = Option<String>, Header, description = "optional; the call is the note's key")),
    request_body = NoteDraft,
    responses((status = 200, body = CallNote), (status = 403, body = crate::error::ErrorBody),
        (status = 404, body = crate::error::ErrorBody), (status = 422, body = crate::error::ErrorBody)))]
async fn save_note_of_call(
    State(state): State<AppState>,
    AnyStaff(staff): AnyStaff,
    ApiPath(call_id): ApiPath<CallId>,
    headers: HeaderMap,
    ApiJson(draft): ApiJson<NoteDraft>,
) -> ApiResult<Json<CallNote>> {
    wait_for_record(&state, call_id).await;
    let client_id = state.store.call_client(call_id).await?;
    save_on_call(&state, &staff, client_id, call_id, &headers, draft).await
}

/// A page of a client's notes, newest first; with `q`, only those whose caller matches;
/// with `before`, the page after that note. Every read is written to the audit log.
#[utoipa::path(get, path = "/api/v1/clients/{client_id}/notes", tag = "notes",
    security(("bearer" = [])), params(("client_id" = String, Path), Search),
    responses((status = 200, body = [CallNote]), (status = 404, body = crate::error::ErrorBody)))]
async fn list_notes(
    State(state): State<AppState>,
    ClientReader(staff): ClientReader,
    ApiPath(client_id): ApiPath<ClientId>,
    ApiQuery(search): ApiQuery<Search>,
) -> ApiResult<Json<Vec<CallNote>>> {
    state.store.client(client_id).await?;
    let limit = search.limit.unwrap_or(DEFAULT_LIMIT).min(MAX_LIMIT);
    let before = search.before;
    let (notes, action, detail) = match search.q.as_deref().map(str::trim) {
        Some(q) if !q.is_empty() => (
            state
                .store
                .search_notes(client_id, q, limit, before)
                .await?,
            AuditAction::NotesSearch,
            q.to_owned(),
        ),
        _ => (
            state.store.list_notes(client_id, limit, before).await?,
            AuditAction::NotesList,
            String::new(),
        ),
    };
    audit::record(&state, &staff, client_id, action, detail).await?;
    Ok(Json(notes))
}

/// Writes a note about a call taken outside Centrale. Send an `Idempotency-Key`: the same
/// key again (from the same staff member) returns the note made the first time.
#[utoipa::path(post, path = "/api/v1/clients/{client_id}/notes", tag = "notes",
    security(("bearer" = [])),
    params(("client_id" = String, Path),
        ("Idempotency-Key" = String, Header, description = "a unique key per note, e.g. a UUID")),
    request_body = NoteDraft,
    responses((status = 201, body = CallNote), (status = 400, body = crate::error::ErrorBody),
        (status = 404, body = crate::error::ErrorBody), (status = 422, body = crate::error::ErrorBody)))]
async fn create_note(
    State(state): State<AppState>,
    ClientReader(staff): ClientReader,
    ApiPath(client_id): ApiPath<ClientId>,
    headers: HeaderMap,
    ApiJson(draft): ApiJson<NoteDraft>,
) -> ApiResult<(StatusCode, Json<CallNote>)> {
    let key = idempotency_key(&headers)?.ok_or_else(|| {
        ApiError::new(
            StatusCode::BAD_REQUEST,
            format!("send an {IDEMPOTENCY_KEY} header (e.g. a UUID) so a retry cannot make a second note"),
        )
        .with_field(IDEMPOTENCY_KEY)
    })?;
    let (draft, recipients) =
        prepare(&state, client_id, draft, Utc::now(), &Actor::staff(&staff)).await?;
    let key = scoped_key(&staff, &key);
    let note = state
        .store
        .create_note(client_id, &key, &draft, &Actor::staff(&staff), &recipients)
        .await
        .map_err(key_error)?;
    Ok((StatusCode::CREATED, Json(note)))
}

/// Reads one note with its deliveries.
#[utoipa::path(get, path = "/api/v1/clients/{client_id}/notes/{note_id}", tag = "notes",
    security(("bearer" = [])), params(("client_id" = String, Path), ("note_id" = String, Path)),
    responses((status = 200, body = CallNote), (status = 404, body = crate::error::ErrorBody)))]
async fn get_note(
    State(state): State<AppState>,
    ClientReader(staff): ClientReader,
    ApiPath((client_id, note_id)): ApiPath<(ClientId, NoteId)>,
) -> ApiResult<Json<CallNote>> {
    let note = state.store.note(client_id, note_id).await?;
    audit::record(
        &state,
        &staff,
        client_id,
        AuditAction::NoteRead,
        note_id.to_string(),
    )
    .await?;
    Ok(Json(note))
}

/// The texts a note had before each edit (who, when, what it said), oldest first.
/// Supervisors only.
#[utoipa::path(get, path = "/api/v1/clients/{client_id}/notes/{note_id}/versions", tag = "notes",
    security(("bearer" = [])), params(("client_id" = String, Path), ("note_id" = String, Path)),
    responses((status = 200, body = [NoteVersion]), (status = 403, body = crate::error::ErrorBody),
        (status = 404, body = crate::error::ErrorBody)))]
async fn note_versions(
    State(state): State<AppState>,
    Supervisor(staff): Supervisor,
    ApiPath((client_id, note_id)): ApiPath<(ClientId, NoteId)>,
) -> ApiResult<Json<Vec<NoteVersion>>> {
    // The note must be this client's: an empty list would not tell "none" from "not yours".
    state.store.note(client_id, note_id).await?;
    let versions = state.store.note_versions(client_id, note_id).await?;
    let detail = note_id.to_string();
    audit::record(
        &state,
        &staff,
        client_id,
        AuditAction::NoteVersionsRead,
        detail,
    )
    .await?;
    Ok(Json(versions))
}
