//! Clients: `/api/v1/clients` and `/api/v1/clients/{client_id}`.

use crate::access::{ClientReader, OPERATOR_SEARCH_RESULTS};
use crate::auth::{AnyStaff, Supervisor};
use crate::extract::{ApiJson, ApiPath, ApiQuery};
use crate::{ApiError, ApiResult, AppState};
use axum::Json;
use axum::extract::State;
use axum::http::StatusCode;
use centrale_core::{Actor, Client, ClientDraft, ClientId, Role};
use chrono::Utc;
use serde::Deserialize;
use utoipa::IntoParams;
use utoipa_axum::{router::OpenApiRouter, routes};

/// The shortest search text.
const MIN_SEARCH: usize = 2;

pub(super) fn routes() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(list_clients, create_client))
        .routes(routes!(get_client, update_client, delete_client))
}

#[derive(Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
struct Search {
    /// Part of the company name, or digits of one of its forwarding numbers; at least two
    /// characters. Operators must send it.
    q: Option<String>,
}

/// Lists the clients (supervisors), or finds them by name or forwarding number (to handle a
/// call by hand). An operator must search: she gets at most
/// [`OPERATOR_SEARCH_RESULTS`] matches, and may read those clients for a while
/// ([`crate::access`]).
#[utoipa::path(get, path = "/api/v1/clients", tag = "clients", security(("bearer" = [])),
    params(Search), responses((status = 200, body = [Client]), (status = 403, body = crate::error::ErrorBody)))]
async fn list_clients(
    State(state): State<AppState>,
    AnyStaff(staff): AnyStaff,
    ApiQuery(search): ApiQuery<Search>,
) -> ApiResult<Json<Vec<Client>>> {
    let supervises = staff.draft.role >= Role::Supervisor;
    let query = search
        .q
        .map(|q| q.trim().to_lowercase())
        .filter(|q| q.chars().count() >= MIN_SEARCH);
    let Some(query) = query else {
        return if supervises {
            Ok(Json(state.store.list_clients().await?))
        } else {
            Err(ApiError::forbidden(format!(
                "operators find a client by searching: send q with at least {MIN_SEARCH} characters of its name or number"
            ))
            .with_field("q"))
        };
    };
    let mut found = find_clients(&state, &query).await?;
    if !supervises {
        found.truncate(OPERATOR_SEARCH_RESULTS);
        let ids: Vec<ClientId> = found.iter().map(|client| client.id).collect();
        state
            .store
            .grant_client_access(staff.id, &ids, Utc::now())
            .await?;
    }
    Ok(Json(found))
}

/// The clients whose name contains `query` (lower case) or one of whose forwarding numbers
/// contains its digits.
async fn find_clients(state: &AppState, query: &str) -> ApiResult<Vec<Client>> {
    let clients = state.store.list_clients().await?;
    let digits: String = query.chars().filter(char::is_ascii_digit).collect();
    // A national number (085…) is searched without its leading zero, as E.164 holds it.
    let digits = digits.trim_start_matches('0').to_owned();
    let numbers = if digits.len() >= 3 {
        state.store.list_numbers().await?
    } else {
        Vec::new()
    };
    let matches = |client: &Client| {
        client.draft.name.to_lowercase().contains(query)
            || numbers.iter().any(|n| {
                n.draft.client_id == Some(client.id) && n.draft.number.as_str().contains(&digits)
            })
    };
    Ok(clients.into_iter().filter(matches).collect())
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
    _: ClientReader,
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
