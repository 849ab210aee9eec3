//! A client's personal data (`core::privacy`), for supervisors: its own retention
//! (`/clients/{id}/retention`), all of it as one ZIP (`/clients/{id}/export`), and erasing one
//! caller on request (`/clients/{id}/callers/erase`).

use crate::auth::Supervisor;
use crate::extract::{ApiJson, ApiPath};
use crate::{ApiError, ApiResult, AppState};
use axum::Json;
use axum::extract::State;
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Response};
use centrale_core::audit::AuditAction;
use centrale_core::privacy::{Erased, Retention};
use centrale_core::{Actor, ClientId, PhoneNumber};
use serde::{Deserialize, Serialize};
use serde_json::{Value, json};
use std::io::Write as _;
use utoipa::ToSchema;
use utoipa_axum::{router::OpenApiRouter, routes};

pub(super) fn routes() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(get_retention, put_retention))
        .routes(routes!(export))
        .routes(routes!(erase_caller))
}

/// A client's own retention; `null` months: the bureau's (`retention_months`) applies.
#[derive(Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
struct ClientRetention {
    months: Option<u32>,
}

/// Reads a client's own retention.
#[utoipa::path(get, path = "/api/v1/clients/{client_id}/retention", tag = "privacy",
    security(("bearer" = [])), params(("client_id" = String, Path)),
    responses((status = 200, body = ClientRetention), (status = 404, body = crate::error::ErrorBody)))]
async fn get_retention(
    State(state): State<AppState>,
    _: Supervisor,
    ApiPath(client_id): ApiPath<ClientId>,
) -> ApiResult<Json<ClientRetention>> {
    state.store.client(client_id).await?;
    let own = state.store.client_retention(client_id).await?;
    Ok(Json(ClientRetention {
        months: own.map(|r| r.months),
    }))
}

/// Sets (or with `null` clears) a client's own retention, 1 to 120 months.
#[utoipa::path(put, path = "/api/v1/clients/{client_id}/retention", tag = "privacy",
    security(("bearer" = [])), params(("client_id" = String, Path)), request_body = ClientRetention,
    responses((status = 200, body = ClientRetention), (status = 404, body = crate::error::ErrorBody),
        (status = 422, body = crate::error::ErrorBody)))]
async fn put_retention(
    State(state): State<AppState>,
    _: Supervisor,
    ApiPath(client_id): ApiPath<ClientId>,
    ApiJson(asked): ApiJson<ClientRetention>,
) -> ApiResult<Json<ClientRetention>> {
    let retention = asked.months.map(Retention::new).transpose()?;
    state
        .store
        .set_client_retention(client_id, retention)
        .await?;
    Ok(Json(asked))
}

/// Whose data to erase.
#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
struct EraseCaller {
    /// The caller's number, in any usual spelling.
    number: String,
}

/// Erases a caller on request: every note, known-caller entry and call record of that number
/// within the client loses the number, the caller's name and company and the texts (earlier
/// versions of those notes go too). Recorded in the audit log (who, when, how much) without
/// the number.
#[utoipa::path(post, path = "/api/v1/clients/{client_id}/callers/erase", tag = "privacy",
    security(("bearer" = [])), params(("client_id" = String, Path)), request_body = EraseCaller,
    responses((status = 200, body = Erased), (status = 404, body = crate::error::ErrorBody),
        (status = 422, body = crate::error::ErrorBody)))]
async fn erase_caller(
    State(state): State<AppState>,
    Supervisor(staff): Supervisor,
    ApiPath(client_id): ApiPath<ClientId>,
    ApiJson(asked): ApiJson<EraseCaller>,
) -> ApiResult<Json<Erased>> {
    let number = PhoneNumber::parse(&asked.number)
        .map_err(|e| ApiError::invalid("number", e.to_string()))?;
    state.store.client(client_id).await?;
    let erased = state
        .store
        .erase_caller(client_id, &number, &Actor::staff(&staff))
        .await?;
    let detail = format!(
        "notes {}, known callers {}, calls {}",
        erased.notes, erased.contacts, erased.calls
    );
    super::audit::record(&state, &staff, client_id, AuditAction::CallerErased, detail).await?;
    Ok(Json(erased))
}

/// Everything kept for a client as one ZIP: JSON of each kind of record, and the calls and
/// notes as CSV too (for a spreadsheet).
#[utoipa::path(get, path = "/api/v1/clients/{client_id}/export", tag = "privacy",
    security(("bearer" = [])), params(("client_id" = String, Path)),
    responses((status = 200, content_type = "application/zip", body = Vec<u8>),
        (status = 404, body = crate::error::ErrorBody)))]
async fn export(
    State(state): State<AppState>,
    Supervisor(staff): Supervisor,
    ApiPath(client_id): ApiPath<ClientId>,
) -> ApiResult<Response> {
    let store = &state.store;
    let client = store.client(client_id).await?;
    let mut instructions = Vec::new();
    for set in store.list_instruction_sets(client_id).await? {
        let history = store.instruction_history(client_id, set.id).await?;
        instructions.push(json!({"set": set, "history": history}));
    }
    let calls = to_values(&store.all_calls(client_id).await?)?;
    let notes = to_values(&store.all_notes(client_id).await?)?;
    let files: Vec<(&str, Vec<u8>)> = vec![
        ("client.json", pretty(&client)?),
        (
            "forwarding_numbers.json",
            pretty(&store.client_numbers(client_id).await?)?,
        ),
        (
            "employees.json",
            pretty(&store.list_employees(client_id).await?)?,
        ),
        (
            "contacts.json",
            pretty(&store.list_contacts(client_id).await?)?,
        ),
        ("instructions.json", pretty(&instructions)?),
        ("calls.json", pretty(&calls)?),
        ("calls.csv", csv_of(&calls, CALL_COLUMNS)?),
        ("notes.json", pretty(&notes)?),
        ("notes.csv", csv_of(&notes, NOTE_COLUMNS)?),
    ];
    let zip = zip_of(&files).map_err(|e| internal(format!("cannot build the export: {e}")))?;
    let detail = format!("{} calls, {} notes", calls.len(), notes.len());
    super::audit::record(
        &state,
        &staff,
        client_id,
        AuditAction::ClientExported,
        detail,
    )
    .await?;
    let disposition = format!("attachment; filename=\"centrale-export-{client_id}.zip\"");
    Ok((
        StatusCode::OK,
        [
            (header::CONTENT_TYPE, "application/zip".to_owned()),
            (header::CONTENT_DISPOSITION, disposition),
        ],
        zip,
    )
        .into_response())
}

/// The call columns in `calls.csv`: JSON paths into a call record.
const CALL_COLUMNS: &[&str] = &[
    "id",
    "arrived_at",
    "dialled",
    "original",
    "caller.number",
    "caller.name",
    "answered_at",
    "ended_at",
    "operator_id",
    "ended_by",
    "outcome",
    "wait_ms",
];
/// The note columns in `notes.csv`.
const NOTE_COLUMNS: &[&str] = &[
    "id",
    "call_id",
    "created_at",
    "created_by",
    "caller_name",
    "caller_company",
    "caller_phone",
    "message",
    "urgent",
    "for_general",
    "callback_wish",
];

fn internal(message: String) -> ApiError {
    tracing::error!(%message);
    ApiError::new(StatusCode::INTERNAL_SERVER_ERROR, "cannot build the export")
}

fn to_values<T: Serialize>(items: &[T]) -> ApiResult<Vec<Value>> {
    items
        .iter()
        .map(|item| serde_json::to_value(item).map_err(|e| internal(e.to_string())))
        .collect()
}

fn pretty<T: Serialize + ?Sized>(value: &T) -> ApiResult<Vec<u8>> {
    serde_json::to_vec_pretty(value).map_err(|e| internal(e.to_string()))
}

/// One CSV row per record, the `columns` (dotted JSON paths) as its header.
fn csv_of(records: &[Value], columns: &[&str]) -> ApiResult<Vec<u8>> {
    let mut out = csv::Writer::from_writer(Vec::new());
    let failed = |e: csv::Error| internal(e.to_string());
    out.write_record(columns).map_err(failed)?;
    for record in records {
        let cells = columns.iter().map(|path| {
            let value = path.split('.').fold(record, |value, key| &value[key]);
            match value {
                Value::Null => String::new(),
                Value::String(text) => text.clone(),
                other => other.to_string(),
            }
        });
        out.write_record(cells).map_err(failed)?;
    }
    out.into_inner().map_err(|e| internal(e.to_string()))
}

fn zip_of(files: &[(&str, Vec<u8>)]) -> zip::result::ZipResult<Vec<u8>> {
    let mut zip = zip::ZipWriter::new(std::io::Cursor::new(Vec::new()));
    let options = zip::write::SimpleFileOptions::default()
        .compression_method(zip::CompressionMethod::Deflated);
    for (name, bytes) in files {
        zip.start_file(*name, options)?;
        zip.write_all(bytes)?;
    }
    Ok(zip.finish()?.into_inner())
}
