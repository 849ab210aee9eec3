//! Callbacks in employees' agendas: supervisors open a calendar feed of a client's callbacks
//! (or one employee's) and revoke it; the feed itself (`callbacks.ics`) is read by calendar
//! programs with its token in the URL — the token, of which only the SHA-256 is kept, is the
//! only thing it opens, and only for the client in the path.

use crate::auth::{Supervisor, new_token, token_hash};
use crate::extract::{ApiJson, ApiPath, ApiQuery};
use crate::{ApiResult, AppState};
use axum::Json;
use axum::extract::State;
use axum::http::{StatusCode, header};
use axum::response::IntoResponse;
use centrale_core::calendar::{self, CalendarEvent};
use centrale_core::notes::CallNote;
use centrale_core::ports::CallbackFeed;
use centrale_core::{CallbackFeedId, ClientId, EmployeeId, Language, PhoneNumber};
use chrono::Utc;
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};
use utoipa_axum::{router::OpenApiRouter, routes};

/// The callbacks a feed lists at most (the latest).
const FEED_LIMIT: u32 = 500;

pub(super) fn routes() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(create_feed))
        .routes(routes!(revoke_feed))
        .routes(routes!(feed))
}

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
struct NewFeed {
    /// Only this employee's callbacks; none: all of the client's.
    #[serde(default)]
    employee_id: Option<EmployeeId>,
}

#[derive(Serialize, ToSchema)]
struct CreatedFeed {
    #[serde(flatten)]
    feed: CallbackFeed,
    /// The feed's address with its token: shown once, to subscribe to in an agenda.
    url: String,
}

/// Opens a calendar feed of the client's callbacks (or one employee's). The URL with its
/// token is in this answer only. Supervisors only.
#[utoipa::path(post, path = "/api/v1/clients/{client_id}/callback-feeds", tag = "notes",
    security(("bearer" = [])), params(("client_id" = String, Path)), request_body = NewFeed,
    responses((status = 201, body = CreatedFeed), (status = 404, body = crate::error::ErrorBody),
        (status = 422, body = crate::error::ErrorBody)))]
async fn create_feed(
    State(state): State<AppState>,
    _: Supervisor,
    ApiPath(client_id): ApiPath<ClientId>,
    ApiJson(new): ApiJson<NewFeed>,
) -> ApiResult<(StatusCode, Json<CreatedFeed>)> {
    let token = new_token();
    let feed = state
        .store
        .create_callback_feed(client_id, new.employee_id, &token_hash(&token), Utc::now())
        .await?;
    let url = format!("/api/v1/clients/{client_id}/callbacks.ics?token={token}");
    Ok((StatusCode::CREATED, Json(CreatedFeed { feed, url })))
}

/// Revokes a feed: its URL opens nothing from now on. Supervisors only.
#[utoipa::path(delete, path = "/api/v1/clients/{client_id}/callback-feeds/{feed_id}", tag = "notes",
    security(("bearer" = [])), params(("client_id" = String, Path), ("feed_id" = String, Path)),
    responses((status = 204), (status = 404, body = crate::error::ErrorBody)))]
async fn revoke_feed(
    State(state): State<AppState>,
    _: Supervisor,
    ApiPath((client_id, feed_id)): ApiPath<(ClientId, CallbackFeedId)>,
) -> ApiResult<StatusCode> {
    state
        .store
        .revoke_callback_feed(client_id, feed_id, Utc::now())
        .await?;
    Ok(StatusCode::NO_CONTENT)
}

#[derive(Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
struct FeedToken {
    /// The token of the feed's URL.
    token: String,
}

/// The callbacks as an iCalendar feed (RFC 5545) for the employee's own agenda: one entry per
/// callback, at its time (a quarter of an hour), in its window, or — as soon as possible —
/// from when the note was taken. Opened by the feed's token; 404 for any other.
#[utoipa::path(get, path = "/api/v1/clients/{client_id}/callbacks.ics", tag = "notes",
    params(("client_id" = String, Path), FeedToken),
    responses((status = 200, content_type = "text/calendar", body = String),
        (status = 404, body = crate::error::ErrorBody)))]
async fn feed(
    State(state): State<AppState>,
    ApiPath(client_id): ApiPath<ClientId>,
    ApiQuery(query): ApiQuery<FeedToken>,
) -> ApiResult<impl IntoResponse> {
    let feed = state
        .store
        .callback_feed(client_id, &token_hash(&query.token))
        .await?;
    let client = state.store.client(client_id).await?;
    let notes = state
        .store
        .callback_notes(client_id, feed.employee_id, FEED_LIMIT)
        .await?;
    let language = client.draft.language;
    let events: Vec<CalendarEvent> = notes.iter().filter_map(|n| event(n, language)).collect();
    let name = match language {
        Language::Nl => format!("Terugbellen — {}", client.draft.name),
        Language::En => format!("Callbacks — {}", client.draft.name),
    };
    Ok((
        [(header::CONTENT_TYPE, "text/calendar; charset=utf-8")],
        calendar::feed(&name, &events),
    ))
}

/// A note's callback as a calendar entry.
fn event(note: &CallNote, language: Language) -> Option<CalendarEvent> {
    let callback = note.draft.callback.as_ref()?;
    let (start, end) = callback.interval(note.created_at);
    let number = callback.number.as_ref().map_or("", PhoneNumber::as_str);
    let caller = [
        note.draft.caller_name.as_str(),
        note.draft.caller_company.as_str(),
    ]
    .into_iter()
    .filter(|part| !part.is_empty())
    .collect::<Vec<_>>()
    .join(", ");
    let who = if caller.is_empty() { number } else { &caller };
    let summary = match language {
        Language::Nl => format!("Terugbellen: {who} {number}"),
        Language::En => format!("Call back: {who} {number}"),
    };
    Some(CalendarEvent {
        uid: format!("{}@centrale", note.id),
        start,
        end,
        stamp: note.updated_at,
        summary: summary.trim().to_owned(),
        description: note.draft.message.clone(),
    })
}
