//! The audit log of reads of notes: written by the notes routes ([`record`]), read by
//! supervisors at `/api/v1/audit`.

use crate::auth::Supervisor;
use crate::extract::ApiQuery;
use crate::{ApiResult, AppState};
use axum::Json;
use axum::extract::State;
use centrale_core::audit::{AuditAction, AuditEntry, AuditQuery};
use centrale_core::{Actor, AuditId, ClientId, Staff};
use chrono::{DateTime, Utc};
use serde::Deserialize;
use utoipa::IntoParams;
use utoipa_axum::{router::OpenApiRouter, routes};

/// Entries returned by default, and at most.
const DEFAULT_LIMIT: u32 = 100;
const MAX_LIMIT: u32 = 1000;

pub(super) fn routes() -> OpenApiRouter<AppState> {
    OpenApiRouter::new().routes(routes!(audit_log))
}

/// Writes down that `staff` read `client`'s notes. A read that cannot be logged fails
/// (the caller returns the error, not the notes).
pub(super) async fn record(
    state: &AppState,
    staff: &Staff,
    client: ClientId,
    action: AuditAction,
    detail: impl Into<String>,
) -> ApiResult<()> {
    let entry = AuditEntry {
        id: AuditId::new(),
        at: Utc::now(),
        staff_id: staff.id,
        actor: Actor::staff(staff),
        client_id: client,
        action,
        detail: detail.into(),
    };
    Ok(state.store.record_audit(&entry).await?)
}

#[derive(Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
struct Filter {
    /// Only reads of this client's notes.
    client_id: Option<ClientId>,
    /// From this instant (inclusive, RFC 3339).
    from: Option<DateTime<Utc>>,
    /// Until this instant (exclusive, RFC 3339).
    to: Option<DateTime<Utc>>,
    /// At most this many (default 100, at most 1000).
    limit: Option<u32>,
}

/// Who of the staff read which client's notes, and when; newest first. Supervisors only.
#[utoipa::path(get, path = "/api/v1/audit", tag = "audit", security(("bearer" = [])),
    params(Filter),
    responses((status = 200, body = [AuditEntry]), (status = 403, body = crate::error::ErrorBody),
        (status = 422, body = crate::error::ErrorBody)))]
async fn audit_log(
    State(state): State<AppState>,
    _: Supervisor,
    ApiQuery(filter): ApiQuery<Filter>,
) -> ApiResult<Json<Vec<AuditEntry>>> {
    let query = AuditQuery {
        client_id: filter.client_id,
        from: filter.from,
        to: filter.to,
        limit: filter.limit.unwrap_or(DEFAULT_LIMIT).min(MAX_LIMIT),
    };
    Ok(Json(state.store.audit_log(&query).await?))
}
