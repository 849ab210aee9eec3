//! Calls and notes: every call of the client with its note, transfers, callback and the
//! note's deliveries; filtered, searched, paged, and exported as CSV — one row shape for both.

use super::PortalState;
use super::pages::{Frame, failed};
use super::session::Portal;
use crate::console::{Shell, render};
use crate::i18n::Lang;
use askama::Template;
use axum::extract::{Query, State};
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Response};
use centrale_core::instructions::instant_of;
use centrale_core::portal::{CALLS_PER_PAGE, CallEntry, CallFilter};
use centrale_core::{Employee, EmployeeId, TimeZone};
use chrono::{DateTime, NaiveDate, Utc};
use serde::{Deserialize, Serialize};
use std::collections::HashMap;

/// Most rows one CSV export holds.
const CSV_LIMIT: u32 = 10_000;

/// The filter as typed: kept as text so the form shows it back, checked here.
#[derive(Clone, Debug, Default, Deserialize, Serialize)]
pub(super) struct FilterForm {
    #[serde(default)]
    from: String,
    #[serde(default)]
    to: String,
    #[serde(default)]
    employee: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    urgent: Option<String>,
    #[serde(default)]
    caller: String,
    #[serde(default)]
    q: String,
    #[serde(default)]
    page: u32,
}

impl FilterForm {
    /// The filter in the client's zone, or the label (its text key) of the field that is
    /// wrong; the employee must be one of `employees`.
    fn filter(&self, zone: TimeZone, employees: &[Employee]) -> Result<CallFilter, &'static str> {
        let day = |text: &str, field: &'static str| -> Result<Option<NaiveDate>, &'static str> {
            let text = text.trim();
            if text.is_empty() {
                return Ok(None);
            }
            NaiveDate::parse_from_str(text, "%Y-%m-%d")
                .map(Some)
                .map_err(|_| field)
        };
        let midnight = |day: NaiveDate| instant_of(day.and_time(chrono::NaiveTime::MIN), zone.tz());
        let from = day(&self.from, "portal.from")?;
        let to = day(&self.to, "portal.to")?;
        if let (Some(from), Some(to)) = (from, to)
            && to < from
        {
            return Err("portal.to");
        }
        let employee = match self.employee.trim() {
            "" => None,
            id => {
                let id = id.parse::<EmployeeId>().map_err(|_| "portal.employee")?;
                employees
                    .iter()
                    .find(|e| e.id == id)
                    .ok_or("portal.employee")?;
                Some(id)
            }
        };
        Ok(CallFilter {
            from: from.map(midnight),
            until: to.and_then(|to| to.succ_opt()).map(midnight),
            employee,
            urgent: self.urgent.is_some(),
            caller: self.caller.trim().chars().take(100).collect(),
            text: self.q.trim().chars().take(200).collect(),
        })
    }

    /// This filter's query string at `page`.
    fn at_page(&self, page: u32) -> String {
        let form = Self {
            page,
            ..self.clone()
        };
        serde_urlencoded::to_string(&form).unwrap_or_default()
    }
}

/// One call as the portal shows it, in the page and in the CSV.
pub(super) struct CallRow {
    arrived: String,
    waited: String,
    answered_by: String,
    outcome: &'static str,
    dialled: String,
    original: String,
    caller: String,
    note: Option<NoteRow>,
    transfers: Vec<String>,
}

pub(super) struct NoteRow {
    caller: String,
    message: String,
    urgent: bool,
    for_whom: String,
    callback: String,
    deliveries: Vec<String>,
}

struct Names {
    employees: HashMap<EmployeeId, String>,
    operators: HashMap<centrale_core::StaffId, String>,
}

fn label(lang: Lang, prefix: &str, value: &impl Serialize) -> &'static str {
    let name = serde_json::to_value(value)
        .ok()
        .and_then(|v| v.as_str().map(str::to_owned))
        .unwrap_or_default();
    lang.t(&format!("{prefix}.{name}"))
}

fn local(at: DateTime<Utc>, zone: TimeZone) -> String {
    at.with_timezone(&zone.tz())
        .format("%d-%m-%Y %H:%M")
        .to_string()
}

fn row(entry: &CallEntry, names: &Names, lang: Lang, zone: TimeZone) -> CallRow {
    let call = &entry.call;
    let today = Utc::now().with_timezone(&zone.tz()).date_naive();
    let language = lang.language();
    let note = entry.note.as_ref().map(|note| {
        let d = &note.draft;
        let mut for_whom: Vec<String> = d
            .for_employees
            .iter()
            .filter_map(|id| names.employees.get(id).cloned())
            .collect();
        if d.for_general || for_whom.is_empty() {
            for_whom.push(lang.t("portal.general").to_owned());
        }
        let callback = d.callback.as_ref().map_or_else(
            || d.callback_wish.clone().unwrap_or_default(),
            |callback| {
                let with = callback
                    .with
                    .and_then(|id| names.employees.get(&id))
                    .map(String::as_str);
                callback.describe(language, zone, today, with)
            },
        );
        NoteRow {
            caller: [
                d.caller_name.as_str(),
                d.caller_company.as_str(),
                d.caller_phone.as_ref().map_or("", |p| p.as_str()),
            ]
            .into_iter()
            .filter(|part| !part.is_empty())
            .collect::<Vec<_>>()
            .join(" · "),
            message: d.message.clone(),
            urgent: d.urgent,
            for_whom: for_whom.join(", "),
            callback,
            deliveries: note
                .deliveries
                .iter()
                .map(|delivery| {
                    format!(
                        "{} {}: {}",
                        label(lang, "channel", &delivery.channel),
                        delivery.recipient,
                        label(lang, "delivery", &delivery.status)
                    )
                })
                .collect(),
        }
    });
    CallRow {
        arrived: local(call.call.arrived_at, zone),
        waited: call
            .wait_ms
            .map_or_else(String::new, |ms| format!("{} s", (ms + 500) / 1000)),
        answered_by: call
            .operator_id
            .and_then(|id| names.operators.get(&id).cloned())
            .unwrap_or_default(),
        outcome: call.outcome.map_or(lang.t("outcome.in_progress"), |o| {
            label(lang, "outcome", &o)
        }),
        dialled: call.call.dialled.to_string(),
        original: call.call.original.clone().unwrap_or_default(),
        caller: [
            call.call.caller.name.clone(),
            call.call.caller.number.as_ref().map(ToString::to_string),
        ]
        .into_iter()
        .flatten()
        .collect::<Vec<_>>()
        .join(" · "),
        note,
        transfers: call
            .transfers
            .iter()
            .map(|t| {
                let result = t.result.map_or(lang.t("transfer.ringing"), |r| {
                    label(lang, "transfer_result", &r)
                });
                format!(
                    "{} {} ({}): {}",
                    t.name.clone().unwrap_or_default(),
                    t.number,
                    label(lang, "line", &t.line),
                    result
                )
                .trim()
                .to_owned()
            })
            .collect(),
    }
}

#[derive(Template)]
#[template(path = "portal/calls.html")]
struct CallsPage {
    shell: Shell,
    frame: Frame,
    form: FilterForm,
    employees: Vec<Employee>,
    error: Option<&'static str>,
    rows: Vec<CallRow>,
    previous: Option<String>,
    next: Option<String>,
    csv: String,
}

/// What both the page and the CSV need: the rows of a filter's page, or the wrong field.
async fn rows(
    state: &PortalState,
    portal: &Portal,
    form: &FilterForm,
    zone: TimeZone,
    limit: u32,
) -> Result<(Result<Vec<CallRow>, &'static str>, Vec<Employee>), Response> {
    let employees = state.data.employees(&portal.scope).await.map_err(failed)?;
    let operators = state
        .data
        .operator_names(&portal.scope)
        .await
        .map_err(failed)?;
    let names = Names {
        employees: employees
            .iter()
            .map(|e| (e.id, e.draft.name.clone()))
            .collect(),
        operators,
    };
    let filter = match form.filter(zone, &employees) {
        Ok(filter) => filter,
        Err(field) => return Ok((Err(field), employees)),
    };
    let entries = state
        .data
        .calls(&portal.scope, &filter, limit, form.page)
        .await
        .map_err(failed)?;
    let rows = entries
        .iter()
        .map(|e| row(e, &names, portal.lang, zone))
        .collect();
    Ok((Ok(rows), employees))
}

pub(super) async fn list(
    State(state): State<PortalState>,
    portal: Portal,
    Query(form): Query<FilterForm>,
) -> Response {
    let (shell, frame) =
        match Frame::new(&state, &portal, "portal.calls_title", "/portal/calls").await {
            Ok(page) => page,
            Err(response) => return response,
        };
    let (found, employees) = match rows(&state, &portal, &form, frame.zone, CALLS_PER_PAGE).await {
        Ok(found) => found,
        Err(response) => return response,
    };
    let (rows, error) = match found {
        Ok(rows) => (rows, None),
        Err(field) => (Vec::new(), Some(field)),
    };
    // Links carry only a filter that was accepted.
    let valid = error.is_none();
    let next =
        (valid && rows.len() == CALLS_PER_PAGE as usize).then(|| form.at_page(form.page + 1));
    let previous = form
        .page
        .checked_sub(1)
        .filter(|_| valid)
        .map(|page| form.at_page(page));
    let csv = if valid {
        form.at_page(0)
    } else {
        String::new()
    };
    let status = if error.is_some() {
        StatusCode::UNPROCESSABLE_ENTITY
    } else {
        StatusCode::OK
    };
    (
        status,
        render(&CallsPage {
            shell,
            frame,
            form,
            employees,
            error,
            rows,
            previous,
            next,
            csv,
        }),
    )
        .into_response()
}

/// A CSV cell that a spreadsheet will not read as a formula: one that starts (after any
/// white space) with a formula's first character gets a `'` before it. Every cell is also
/// quoted (see [`csv`]), so a spreadsheet that splits on `;` (Dutch Excel) keeps it whole.
fn cell(text: &str) -> String {
    if text.trim_start().starts_with(['=', '+', '-', '@']) || text.starts_with(['\t', '\r']) {
        format!("'{text}")
    } else {
        text.to_owned()
    }
}

pub(super) async fn csv(
    State(state): State<PortalState>,
    portal: Portal,
    Query(form): Query<FilterForm>,
) -> Response {
    let zone = match state.data.client(&portal.scope).await {
        Ok(client) => client.draft.time_zone,
        Err(e) => return failed(e),
    };
    let form = FilterForm { page: 0, ..form };
    let rows = match rows(&state, &portal, &form, zone, CSV_LIMIT).await {
        Ok((Ok(rows), _)) => rows,
        Ok((Err(field), _)) => {
            return (
                StatusCode::UNPROCESSABLE_ENTITY,
                format!("the filter's {} is wrong", portal.lang.t(field)),
            )
                .into_response();
        }
        Err(response) => return response,
    };
    let lang = portal.lang;
    let mut out = csv::WriterBuilder::new()
        .quote_style(csv::QuoteStyle::Always)
        .from_writer(Vec::new());
    let header = [
        "arrived",
        "waited",
        "answered_by",
        "outcome",
        "dialled",
        "original",
        "caller",
        "note_caller",
        "message",
        "urgent",
        "for",
        "callback",
        "transfers",
        "deliveries",
    ];
    let mut written = out.write_record(header.map(|h| lang.t(&format!("csv.{h}"))));
    for row in &rows {
        if written.is_err() {
            break;
        }
        let note = row.note.as_ref();
        let text = |f: fn(&NoteRow) -> String| note.map(f).unwrap_or_default();
        let cells = [
            row.arrived.clone(),
            row.waited.clone(),
            row.answered_by.clone(),
            row.outcome.to_owned(),
            row.dialled.clone(),
            row.original.clone(),
            row.caller.clone(),
            text(|n| n.caller.clone()),
            text(|n| n.message.clone()),
            text(|n| if n.urgent { "1".into() } else { String::new() }),
            text(|n| n.for_whom.clone()),
            text(|n| n.callback.clone()),
            row.transfers.join("; "),
            text(|n| n.deliveries.join("; ")),
        ];
        written = out.write_record(cells.iter().map(|c| cell(c)));
    }
    match written
        .map_err(|e| e.to_string())
        .and_then(|()| out.into_inner().map_err(|e| e.to_string()))
    {
        Ok(bytes) => (
            [
                (header::CONTENT_TYPE, "text/csv; charset=utf-8"),
                (
                    header::CONTENT_DISPOSITION,
                    "attachment; filename=\"calls.csv\"",
                ),
            ],
            bytes,
        )
            .into_response(),
        Err(e) => {
            tracing::error!(error = %e, "cannot write the calls' CSV");
            (StatusCode::INTERNAL_SERVER_ERROR, "cannot build the export").into_response()
        }
    }
}

#[cfg(test)]
mod tests {
    use super::cell;

    #[test]
    fn cells_a_spreadsheet_would_run_are_defused() {
        for formula in [
            "=1+1",
            "+31 6",
            "-2",
            "@SUM(A1)",
            "  =HYPERLINK(\"x\")",
            "\t=1",
            "\r=1",
        ] {
            assert!(cell(formula).starts_with('\''), "{formula:?}");
        }
        assert_eq!(cell("Storing cv-ketel"), "Storing cv-ketel");
        assert_eq!(
            cell("x;=HYPERLINK(1)"),
            "x;=HYPERLINK(1)",
            "kept whole by the quotes"
        );
    }
}
