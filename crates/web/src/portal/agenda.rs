//! Agendas: the client shares an employee's calendar — a URL the server reads on a schedule,
//! or an uploaded .ics file — so the operator's pop shows who is busy now and until when.
//! Only busy times are kept.

use super::PortalState;
use super::pages::{Frame, PathId, failed};
use super::session::{Fields, Portal, Posted};
use crate::console::{Shell, render};
use askama::Template;
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use centrale_core::{EmployeeId, TimeZone};
use chrono::{DateTime, Utc};

/// Upcoming busy times listed per employee.
const SHOWN: usize = 5;

struct AgendaRow {
    id: String,
    name: String,
    url: String,
    /// "none", "url" or "upload".
    source: &'static str,
    fetched: String,
    error: String,
    upcoming: Vec<String>,
}

#[derive(Template)]
#[template(path = "portal/agenda.html")]
struct AgendaPage {
    shell: Shell,
    frame: Frame,
    rows: Vec<AgendaRow>,
    /// The employee the error is about, and the message.
    error: Option<(String, String)>,
}

fn local(at: DateTime<Utc>, zone: TimeZone) -> String {
    at.with_timezone(&zone.tz())
        .format("%d-%m-%Y %H:%M")
        .to_string()
}

async fn page(state: &PortalState, portal: &Portal, error: Option<(String, String)>) -> Response {
    let (shell, frame) =
        match Frame::new(state, portal, "portal.agenda_title", "/portal/agenda").await {
            Ok(page) => page,
            Err(response) => return response,
        };
    let (employees, agendas) = match (
        state.data.employees(&portal.scope).await,
        state.data.agendas(&portal.scope).await,
    ) {
        (Ok(e), Ok(a)) => (e, a),
        (Err(e), _) | (_, Err(e)) => return failed(e),
    };
    let zone = frame.zone;
    let now = Utc::now();
    let rows = employees
        .iter()
        .map(|employee| {
            let agenda = agendas.iter().find(|a| a.employee_id == employee.id);
            AgendaRow {
                id: employee.id.to_string(),
                name: employee.draft.name.clone(),
                url: agenda.and_then(|a| a.url.clone()).unwrap_or_default(),
                source: match agenda {
                    None => "agenda.none",
                    Some(a) if a.url.is_some() => "agenda.by_url",
                    Some(_) => "agenda.by_upload",
                },
                fetched: agenda
                    .and_then(|a| a.fetched_at)
                    .map(|at| local(at, zone))
                    .unwrap_or_default(),
                error: agenda
                    .and_then(|a| a.last_error.clone())
                    .unwrap_or_default(),
                upcoming: agenda
                    .map(|a| {
                        a.busy
                            .iter()
                            .filter(|b| b.until > now)
                            .take(SHOWN)
                            .map(|b| format!("{} – {}", local(b.from, zone), local(b.until, zone)))
                            .collect()
                    })
                    .unwrap_or_default(),
            }
        })
        .collect();
    let status = if error.is_some() {
        StatusCode::UNPROCESSABLE_ENTITY
    } else {
        StatusCode::OK
    };
    (
        status,
        render(&AgendaPage {
            shell,
            frame,
            rows,
            error,
        }),
    )
        .into_response()
}

pub(super) async fn show(State(state): State<PortalState>, portal: Portal) -> Response {
    page(&state, &portal, None).await
}

/// After a change: back to the page, or the refusal said beside that employee.
async fn done(
    state: &PortalState,
    portal: &Portal,
    id: EmployeeId,
    outcome: centrale_core::Result<()>,
) -> Response {
    match outcome {
        Ok(()) => Redirect::to("/portal/agenda").into_response(),
        Err(centrale_core::Error::Invalid { message, .. }) => {
            page(state, portal, Some((id.to_string(), message))).await
        }
        Err(e) => failed(e),
    }
}

pub(super) async fn set_url(
    State(state): State<PortalState>,
    PathId(id): PathId<EmployeeId>,
    posted: Posted<Fields>,
) -> Response {
    let Posted { portal, form } = posted;
    let outcome = state
        .data
        .set_agenda_url(&portal.scope, id, form.one("url"))
        .await;
    done(&state, &portal, id, outcome).await
}

pub(super) async fn upload(
    State(state): State<PortalState>,
    PathId(id): PathId<EmployeeId>,
    posted: Posted<Fields>,
) -> Response {
    let Posted { portal, form } = posted;
    let outcome = state
        .data
        .upload_agenda(&portal.scope, id, form.one("ics"), Utc::now())
        .await
        .map(|_| ());
    done(&state, &portal, id, outcome).await
}

pub(super) async fn remove(
    State(state): State<PortalState>,
    PathId(id): PathId<EmployeeId>,
    posted: Posted<Fields>,
) -> Response {
    let outcome = state.data.remove_agenda(&posted.portal.scope, id).await;
    done(&state, &posted.portal, id, outcome).await
}
