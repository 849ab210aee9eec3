//! Call notes: `/api/v1/clients/{client_id}/notes` and the note of a call.
//!
//! Operators write notes, so every route here takes [`AnyStaff`]. Saving is idempotent: a
//! call has one note (saving it again edits it), and a note outside a call needs an
//! `Idempotency-Key` header, so a retried request never makes a second note. Whom a note
//! goes to is computed here with [`notes::recipients`], under the instructions in force when
//! the call arrived (for a note without a call: when it is saved), and queued with the note.
//! An edit recomputes them under the same instructions (the call's arrival does not move).

use crate::auth::AnyStaff;
use crate::extract::{ApiJson, ApiPath, ApiQuery};
use crate::{ApiError, ApiResult, AppState};
use axum::Json;
use axum::extract::State;
use axum::http::{HeaderMap, StatusCode};
use centrale_core::instructions::in_force;
use centrale_core::notes::{self, CallNote, NoteDraft, Recipient};
use centrale_core::{Actor, CallId, ClientId, NoteId, Staff};
use chrono::{DateTime, Utc};
use serde::Deserialize;
use utoipa::IntoParams;
use utoipa_axum::{router::OpenApiRouter, routes};

/// The header that makes a write idempotent.
const IDEMPOTENCY_KEY: &str = "Idempotency-Key";
/// Longest idempotency key accepted.
const MAX_KEY_LEN: usize = 255;

pub(super) fn routes() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(get_call_note, save_call_note))
        .routes(routes!(save_note_of_call))
        .routes(routes!(list_notes, create_note))
        .routes(routes!(get_note))
}

#[derive(Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
struct Search {
    /// Only notes whose caller name, company or phone contains this (any case).
    q: Option<String>,
    /// At most this many (default 50, at most 500).
    limit: Option<u32>,
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
/// call's arrival, or now for a note without a call).
async fn prepare(
    state: &AppState,
    client_id: ClientId,
    draft: NoteDraft,
    at: DateTime<Utc>,
) -> ApiResult<(NoteDraft, Vec<Recipient>)> {
    let client = state.store.client(client_id).await?;
    let draft = draft.validate()?;
    let employees = state.store.list_employees(client_id).await?;
    draft.check_employees(&employees)?;
    let sets = state.store.list_instruction_sets(client_id).await?;
    let content = in_force(&sets, client.draft.time_zone.tz(), at)
        .map(|set| set.draft.content.clone())
        .unwrap_or_default();
    let recipients = notes::recipients(&draft, &client, &employees, &content);
    Ok((draft, recipients))
}

/// Saves the note of a call of `client_id` (see [`save_call_note`]).
async fn save_on_call(
    state: &AppState,
    staff: &Staff,
    client_id: ClientId,
    call_id: CallId,
    headers: &HeaderMap,
    draft: NoteDraft,
) -> ApiResult<Json<CallNote>> {
    // The call is the natural key: without a header, the call's note is saved or edited.
    let key = idempotency_key(headers)?.unwrap_or_else(|| format!("call:{call_id}"));
    if state.store.call_client(call_id).await? != client_id {
        return Err(centrale_core::Error::NotFound("call").into());
    }
    let arrived_at = state
        .store
        .call_record(client_id, call_id)
        .await?
        .call
        .arrived_at;
    let (draft, recipients) = prepare(state, client_id, draft, arrived_at).await?;
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
    _: AnyStaff,
    ApiPath((client_id, call_id)): ApiPath<(ClientId, CallId)>,
) -> ApiResult<Json<CallNote>> {
    Ok(Json(state.store.call_note(client_id, call_id).await?))
}

/// Saves the note of a call: creates it, or replaces it when the call has one (during
/// wrap-up). Its deliveries are queued with it; queued ones follow an edit.
#[utoipa::path(put, path = "/api/v1/clients/{client_id}/calls/{call_id}/note", tag = "notes",
    security(("bearer" = [])),
    params(("client_id" = String, Path), ("call_id" = String, Path),
        ("Idempotency-Key" = Option<String>, Header, description = "optional; the call is the note's key")),
    request_body = NoteDraft,
    responses((status = 200, body = CallNote), (status = 404, body = crate::error::ErrorBody),
        (status = 422, body = crate::error::ErrorBody)))]
async fn save_call_note(
    State(state): State<AppState>,
    AnyStaff(staff): AnyStaff,
    ApiPath((client_id, call_id)): ApiPath<(ClientId, CallId)>,
    headers: HeaderMap,
    ApiJson(draft): ApiJson<NoteDraft>,
) -> ApiResult<Json<CallNote>> {
    save_on_call(&state, &staff, client_id, call_id, &headers, draft).await
}

/// Saves the note of a call known only by its id (the console's wrap-up); as
/// `PUT /api/v1/clients/{client_id}/calls/{call_id}/note` for the call's client.
#[utoipa::path(put, path = "/api/v1/calls/{call_id}/note", tag = "notes",
    security(("bearer" = [])),
    params(("call_id" = String, Path),
        ("Idempotency-Key" = Option<String>, Header, description = "optional; the call is the note's key")),
    request_body = NoteDraft,
    responses((status = 200, body = CallNote), (status = 404, body = crate::error::ErrorBody),
        (status = 422, body = crate::error::ErrorBody)))]
async fn save_note_of_call(
    State(state): State<AppState>,
    AnyStaff(staff): AnyStaff,
    ApiPath(call_id): ApiPath<CallId>,
    headers: HeaderMap,
    ApiJson(draft): ApiJson<NoteDraft>,
) -> ApiResult<Json<CallNote>> {
    let client_id = state.store.call_client(call_id).await?;
    save_on_call(&state, &staff, client_id, call_id, &headers, draft).await
}

/// A client's notes, newest first; with `q`, only those whose caller matches.
#[utoipa::path(get, path = "/api/v1/clients/{client_id}/notes", tag = "notes",
    security(("bearer" = [])), params(("client_id" = String, Path), Search),
    responses((status = 200, body = [CallNote]), (status = 404, body = crate::error::ErrorBody)))]
async fn list_notes(
    State(state): State<AppState>,
    _: AnyStaff,
    ApiPath(client_id): ApiPath<ClientId>,
    ApiQuery(search): ApiQuery<Search>,
) -> ApiResult<Json<Vec<CallNote>>> {
    state.store.client(client_id).await?;
    let limit = search.limit.unwrap_or(50).min(500);
    let notes = match search.q.as_deref().map(str::trim) {
        Some(q) if !q.is_empty() => state.store.search_notes(client_id, q, limit).await?,
        _ => state.store.list_notes(client_id, limit).await?,
    };
    Ok(Json(notes))
}

/// Writes a note about a call taken outside Centrale. Send an `Idempotency-Key`: the same
/// key again returns the note made the first time.
#[utoipa::path(post, path = "/api/v1/clients/{client_id}/notes", tag = "notes",
    security(("bearer" = [])),
    params(("client_id" = String, Path),
        ("Idempotency-Key" = String, Header, description = "a unique key per note, e.g. a UUID")),
    request_body = NoteDraft,
    responses((status = 201, body = CallNote), (status = 400, body = crate::error::ErrorBody),
        (status = 404, body = crate::error::ErrorBody), (status = 422, body = crate::error::ErrorBody)))]
async fn create_note(
    State(state): State<AppState>,
    AnyStaff(staff): AnyStaff,
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
    let (draft, recipients) = prepare(&state, client_id, draft, Utc::now()).await?;
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
    _: AnyStaff,
    ApiPath((client_id, note_id)): ApiPath<(ClientId, NoteId)>,
) -> ApiResult<Json<CallNote>> {
    Ok(Json(state.store.note(client_id, note_id).await?))
}
