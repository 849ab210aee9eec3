//! Clients: `/api/v1/clients` and `/api/v1/clients/{client_id}`.

use crate::auth::{AnyStaff, Supervisor};
use crate::extract::{ApiJson, ApiPath};
use crate::{ApiResult, AppState};
use axum::Json;
use axum::extract::State;
use axum::http::StatusCode;
use centrale_core::{Actor, Client, ClientDraft, ClientId};
use utoipa_axum::{router::OpenApiRouter, routes};

pub(super) fn routes() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(list_clients, create_client))
        .routes(routes!(get_client, update_client, delete_client))
}

/// Lists all clients.
#[utoipa::path(get, path = "/api/v1/clients", tag = "clients", security(("bearer" = [])),
    responses((status = 200, body = [Client])))]
async fn list_clients(State(state): State<AppState>, _: AnyStaff) -> ApiResult<Json<Vec<Client>>> {
    Ok(Json(state.store.list_clients().await?))
}

/// Creates a client with an empty standard instruction set.
#[utoipa::path(post, path = "/api/v1/clients", tag = "clients", security(("bearer" = [])),
    request_body = ClientDraft,
    responses((status = 201, body = Client), (status = 422, body = crate::error::ErrorBody)))]
async fn create_client(
    State(state): State<AppState>,
    Supervisor(staff): Supervisor,
    ApiJson(draft): ApiJson<ClientDraft>,
) -> ApiResult<(StatusCode, Json<Client>)> {
    let client = state
        .store
        .create_client(&draft.validate()?, &Actor::staff(&staff))
        .await?;
    Ok((StatusCode::CREATED, Json(client)))
}

/// Reads one client.
#[utoipa::path(get, path = "/api/v1/clients/{client_id}", tag = "clients", security(("bearer" = [])),
    params(("client_id" = String, Path)),
    responses((status = 200, body = Client), (status = 404, body = crate::error::ErrorBody)))]
async fn get_client(
    State(state): State<AppState>,
    _: AnyStaff,
    ApiPath(client_id): ApiPath<ClientId>,
) -> ApiResult<Json<Client>> {
    Ok(Json(state.store.client(client_id).await?))
}

/// Replaces a client's data.
#[utoipa::path(put, path = "/api/v1/clients/{client_id}", tag = "clients", security(("bearer" = [])),
    params(("client_id" = String, Path)), request_body = ClientDraft,
    responses((status = 200, body = Client), (status = 404, body = crate::error::ErrorBody)))]
async fn update_client(
    State(state): State<AppState>,
    _: Supervisor,
    ApiPath(client_id): ApiPath<ClientId>,
    ApiJson(draft): ApiJson<ClientDraft>,
) -> ApiResult<Json<Client>> {
    Ok(Json(
        state
            .store
            .update_client(client_id, &draft.validate()?)
            .await?,
    ))
}

/// Deletes a client and all its data; its numbers return to the pool.
#[utoipa::path(delete, path = "/api/v1/clients/{client_id}", tag = "clients", security(("bearer" = [])),
    params(("client_id" = String, Path)),
    responses((status = 204), (status = 404, body = crate::error::ErrorBody)))]
async fn delete_client(
    State(state): State<AppState>,
    _: Supervisor,
    ApiPath(client_id): ApiPath<ClientId>,
) -> ApiResult<StatusCode> {
    state.store.delete_client(client_id).await?;
    Ok(StatusCode::NO_CONTENT)
}
