//! A client's instructions: `/api/v1/clients/{client_id}/instructions`, their history, and
//! the set in force at a moment.

use crate::access::ClientReader;
use crate::auth::Supervisor;
use crate::extract::{ApiJson, ApiPath, ApiQuery};
use crate::{ApiError, ApiResult, AppState};
use axum::Json;
use axum::extract::State;
use axum::http::StatusCode;
use centrale_core::instructions::{InstructionVersion, in_force};
use centrale_core::{Actor, ClientId, InstructionSet, InstructionSetDraft, InstructionSetId};
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};
use utoipa_axum::{router::OpenApiRouter, routes};

pub(super) fn routes() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(list_sets, create_set))
        .routes(routes!(get_in_force))
        .routes(routes!(get_set, update_set, delete_set))
        .routes(routes!(get_history))
}

/// Lists the live sets: the standard one first, then temporary ones by start.
#[utoipa::path(get, path = "/api/v1/clients/{client_id}/instructions", tag = "instructions",
    security(("bearer" = [])), params(("client_id" = String, Path)),
    responses((status = 200, body = [InstructionSet]), (status = 404, body = crate::error::ErrorBody)))]
async fn list_sets(
    State(state): State<AppState>,
    _: ClientReader,
    ApiPath(client_id): ApiPath<ClientId>,
) -> ApiResult<Json<Vec<InstructionSet>>> {
    state.store.client(client_id).await?;
    Ok(Json(state.store.list_instruction_sets(client_id).await?))
}

/// Adds a temporary set; `period` is required.
#[utoipa::path(post, path = "/api/v1/clients/{client_id}/instructions", tag = "instructions",
    security(("bearer" = [])), params(("client_id" = String, Path)), request_body = InstructionSetDraft,
    responses((status = 201, body = InstructionSet), (status = 422, body = crate::error::ErrorBody)))]
async fn create_set(
    State(state): State<AppState>,
    Supervisor(staff): Supervisor,
    ApiPath(client_id): ApiPath<ClientId>,
    ApiJson(draft): ApiJson<InstructionSetDraft>,
) -> ApiResult<(StatusCode, Json<InstructionSet>)> {
    let set = state
        .store
        .create_instruction_set(client_id, &draft.validate()?, &Actor::staff(&staff))
        .await?;
    Ok((StatusCode::CREATED, Json(set)))
}

/// Reads one set.
#[utoipa::path(get, path = "/api/v1/clients/{client_id}/instructions/{set_id}", tag = "instructions",
    security(("bearer" = [])), params(("client_id" = String, Path), ("set_id" = String, Path)),
    responses((status = 200, body = InstructionSet), (status = 404, body = crate::error::ErrorBody)))]
async fn get_set(
    State(state): State<AppState>,
    _: ClientReader,
    ApiPath((client_id, set_id)): ApiPath<(ClientId, InstructionSetId)>,
) -> ApiResult<Json<InstructionSet>> {
    Ok(Json(state.store.instruction_set(client_id, set_id).await?))
}

/// Replaces a set's content (and a temporary set's period); the old version is kept.
#[utoipa::path(put, path = "/api/v1/clients/{client_id}/instructions/{set_id}", tag = "instructions",
    security(("bearer" = [])), params(("client_id" = String, Path), ("set_id" = String, Path)),
    request_body = InstructionSetDraft,
    responses((status = 200, body = InstructionSet), (status = 404, body = crate::error::ErrorBody)))]
async fn update_set(
    State(state): State<AppState>,
    Supervisor(staff): Supervisor,
    ApiPath((client_id, set_id)): ApiPath<(ClientId, InstructionSetId)>,
    ApiJson(draft): ApiJson<InstructionSetDraft>,
) -> ApiResult<Json<InstructionSet>> {
    let actor = Actor::staff(&staff);
    Ok(Json(
        state
            .store
            .update_instruction_set(client_id, set_id, &draft.validate()?, &actor, None)
            .await?,
    ))
}

/// Deletes a temporary set; its history stays readable.
#[utoipa::path(delete, path = "/api/v1/clients/{client_id}/instructions/{set_id}", tag = "instructions",
    security(("bearer" = [])), params(("client_id" = String, Path), ("set_id" = String, Path)),
    responses((status = 204), (status = 404, body = crate::error::ErrorBody)))]
async fn delete_set(
    State(state): State<AppState>,
    Supervisor(staff): Supervisor,
    ApiPath((client_id, set_id)): ApiPath<(ClientId, InstructionSetId)>,
) -> ApiResult<StatusCode> {
    state
        .store
        .delete_instruction_set(client_id, set_id, &Actor::staff(&staff))
        .await?;
    Ok(StatusCode::NO_CONTENT)
}

/// Every version of a set, oldest first, with who changed it and when.
#[utoipa::path(get, path = "/api/v1/clients/{client_id}/instructions/{set_id}/history",
    tag = "instructions", security(("bearer" = [])),
    params(("client_id" = String, Path), ("set_id" = String, Path)),
    responses((status = 200, body = [InstructionVersion]), (status = 404, body = crate::error::ErrorBody)))]
async fn get_history(
    State(state): State<AppState>,
    _: ClientReader,
    ApiPath((client_id, set_id)): ApiPath<(ClientId, InstructionSetId)>,
) -> ApiResult<Json<Vec<InstructionVersion>>> {
    Ok(Json(
        state.store.instruction_history(client_id, set_id).await?,
    ))
}

#[derive(Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
struct AtQuery {
    /// The moment asked about (RFC 3339); now when left out.
    at: Option<String>,
}

#[derive(Serialize, ToSchema)]
#[serde(rename_all = "snake_case")]
enum SetKind {
    Standard,
    Temporary,
}

#[derive(Serialize, ToSchema)]
struct InForce {
    at: DateTime<Utc>,
    kind: SetKind,
    /// What the operator says: the set's greeting override, else the client's greeting.
    greeting: String,
    set: InstructionSet,
}

/// The set in force at `at`: a temporary set whose period holds it, else the standard set.
#[utoipa::path(get, path = "/api/v1/clients/{client_id}/instructions/in-force", tag = "instructions",
    security(("bearer" = [])), params(("client_id" = String, Path), AtQuery),
    responses((status = 200, body = InForce), (status = 404, body = crate::error::ErrorBody),
        (status = 422, body = crate::error::ErrorBody)))]
async fn get_in_force(
    State(state): State<AppState>,
    _: ClientReader,
    ApiPath(client_id): ApiPath<ClientId>,
    ApiQuery(query): ApiQuery<AtQuery>,
) -> ApiResult<Json<InForce>> {
    let at = match query.at {
        Some(text) => DateTime::parse_from_rfc3339(text.trim())
            .map_err(|e| {
                ApiError::invalid("at", format!("'{text}' is not an RFC 3339 instant: {e}"))
            })?
            .with_timezone(&Utc),
        None => Utc::now(),
    };
    let client = state.store.client(client_id).await?;
    let sets = state.store.list_instruction_sets(client_id).await?;
    let set = in_force(&sets, client.draft.time_zone.tz(), at)
        .cloned()
        .ok_or(centrale_core::Error::NotFound("standard instruction set"))?;
    let kind = if set.is_standard() {
        SetKind::Standard
    } else {
        SetKind::Temporary
    };
    let greeting = set.greeting(&client.draft.greeting);
    Ok(Json(InForce {
        at,
        kind,
        greeting,
        set,
    }))
}
