//! A client's known callers (contacts): `/api/v1/clients/{client_id}/contacts`.

use crate::access::ClientReader;
use crate::auth::Supervisor;
use crate::extract::{ApiJson, ApiPath};
use crate::{ApiResult, AppState};
use axum::Json;
use axum::extract::State;
use axum::http::StatusCode;
use centrale_core::{ClientId, Contact, ContactDraft, ContactId};
use utoipa_axum::{router::OpenApiRouter, routes};

pub(super) fn routes() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(list_contacts, create_contact))
        .routes(routes!(get_contact, update_contact, delete_contact))
}

/// Lists a client's known callers.
#[utoipa::path(get, path = "/api/v1/clients/{client_id}/contacts", tag = "contacts",
    security(("bearer" = [])), params(("client_id" = String, Path)),
    responses((status = 200, body = [Contact]), (status = 404, body = crate::error::ErrorBody)))]
async fn list_contacts(
    State(state): State<AppState>,
    _: ClientReader,
    ApiPath(client_id): ApiPath<ClientId>,
) -> ApiResult<Json<Vec<Contact>>> {
    state.store.client(client_id).await?;
    Ok(Json(state.store.list_contacts(client_id).await?))
}

/// Adds a known caller.
#[utoipa::path(post, path = "/api/v1/clients/{client_id}/contacts", tag = "contacts",
    security(("bearer" = [])), params(("client_id" = String, Path)), request_body = ContactDraft,
    responses((status = 201, body = Contact), (status = 422, body = crate::error::ErrorBody)))]
async fn create_contact(
    State(state): State<AppState>,
    _: Supervisor,
    ApiPath(client_id): ApiPath<ClientId>,
    ApiJson(draft): ApiJson<ContactDraft>,
) -> ApiResult<(StatusCode, Json<Contact>)> {
    let contact = state
        .store
        .create_contact(client_id, &draft.validate()?)
        .await?;
    Ok((StatusCode::CREATED, Json(contact)))
}

/// Reads one known caller.
#[utoipa::path(get, path = "/api/v1/clients/{client_id}/contacts/{contact_id}", tag = "contacts",
    security(("bearer" = [])), params(("client_id" = String, Path), ("contact_id" = String, Path)),
    responses((status = 200, body = Contact), (status = 404, body = crate::error::ErrorBody)))]
async fn get_contact(
    State(state): State<AppState>,
    _: ClientReader,
    ApiPath((client_id, contact_id)): ApiPath<(ClientId, ContactId)>,
) -> ApiResult<Json<Contact>> {
    Ok(Json(state.store.contact(client_id, contact_id).await?))
}

/// Replaces a known caller's data.
#[utoipa::path(put, path = "/api/v1/clients/{client_id}/contacts/{contact_id}", tag = "contacts",
    security(("bearer" = [])), params(("client_id" = String, Path), ("contact_id" = String, Path)),
    request_body = ContactDraft,
    responses((status = 200, body = Contact), (status = 404, body = crate::error::ErrorBody)))]
async fn update_contact(
    State(state): State<AppState>,
    _: Supervisor,
    ApiPath((client_id, contact_id)): ApiPath<(ClientId, ContactId)>,
    ApiJson(draft): ApiJson<ContactDraft>,
) -> ApiResult<Json<Contact>> {
    Ok(Json(
        state
            .store
            .update_contact(client_id, contact_id, &draft.validate()?)
            .await?,
    ))
}

/// Removes a known caller.
#[utoipa::path(delete, path = "/api/v1/clients/{client_id}/contacts/{contact_id}", tag = "contacts",
    security(("bearer" = [])), params(("client_id" = String, Path), ("contact_id" = String, Path)),
    responses((status = 204), (status = 404, body = crate::error::ErrorBody)))]
async fn delete_contact(
    State(state): State<AppState>,
    _: Supervisor,
    ApiPath((client_id, contact_id)): ApiPath<(ClientId, ContactId)>,
) -> ApiResult<StatusCode> {
    state.store.delete_contact(client_id, contact_id).await?;
    Ok(StatusCode::NO_CONTENT)
}
