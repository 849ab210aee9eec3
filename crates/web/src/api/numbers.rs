//! The forwarding-number pool: `/api/v1/numbers`, and a client's numbers.

use crate::access::ClientReader;
use crate::auth::Supervisor;
use crate::extract::{ApiJson, ApiPath};
use crate::{ApiResult, AppState};
use axum::Json;
use axum::extract::State;
use axum::http::StatusCode;
use centrale_core::number_pool::{self, ImportPlan, NumberState};
use centrale_core::ports::Imported;
use centrale_core::{ClientId, ForwardingNumber, NumberDraft, NumberId};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;
use utoipa_axum::{router::OpenApiRouter, routes};

pub(super) fn routes() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(list_numbers, create_number))
        .routes(routes!(get_number, update_number, delete_number))
        .routes(routes!(list_client_numbers))
        .routes(routes!(import_numbers))
}

/// A number of the pool with where it stands now.
#[derive(Serialize, ToSchema)]
struct PoolNumber {
    #[serde(flatten)]
    number: ForwardingNumber,
    #[serde(flatten)]
    state: NumberState,
}

/// An import: numbers and ranges, one per line or separated by commas.
#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
struct ImportRequest {
    /// E.g. `+31852001000-099` (a range: the end's last digits may stand for the whole end) or
    /// `085 200 1100`.
    numbers: String,
}

/// Adds numbers to the pool (free): what was added, what was in the pool already, and what
/// the text held that could not be taken (repeated, foreign or no number), each with why.
#[utoipa::path(post, path = "/api/v1/numbers/import", tag = "numbers", security(("bearer" = [])),
    request_body = ImportRequest, responses((status = 200, body = Imported)))]
async fn import_numbers(
    State(state): State<AppState>,
    _: Supervisor,
    ApiJson(request): ApiJson<ImportRequest>,
) -> ApiResult<Json<Imported>> {
    let plan = number_pool::parse_import(&request.numbers);
    let (added, already_in_pool) = state.store.import_numbers(&plan.numbers).await?;
    Ok(Json(Imported {
        added,
        already_in_pool,
        plan: ImportPlan {
            numbers: Vec::new(),
            ..plan
        },
    }))
}

/// Lists the whole pool: free, assigned, or in quarantine (given up by a client not long ago,
/// and not handed out again until then). Supervisors: which number is whose is no
/// operator's business.
#[utoipa::path(get, path = "/api/v1/numbers", tag = "numbers", security(("bearer" = [])),
    responses((status = 200, body = [PoolNumber])))]
async fn list_numbers(
    State(state): State<AppState>,
    _: Supervisor,
) -> ApiResult<Json<Vec<PoolNumber>>> {
    let quarantine = state.settings.number_quarantine();
    let now = chrono::Utc::now();
    Ok(Json(
        state
            .store
            .list_numbers()
            .await?
            .into_iter()
            .map(|number| PoolNumber {
                state: number.state(quarantine, now),
                number,
            })
            .collect(),
    ))
}

/// Adds a number to the pool, optionally assigned to a client at once.
#[utoipa::path(post, path = "/api/v1/numbers", tag = "numbers", security(("bearer" = [])),
    request_body = NumberDraft,
    responses((status = 201, body = ForwardingNumber), (status = 409, body = crate::error::ErrorBody)))]
async fn create_number(
    State(state): State<AppState>,
    _: Supervisor,
    ApiJson(draft): ApiJson<NumberDraft>,
) -> ApiResult<(StatusCode, Json<ForwardingNumber>)> {
    let number = state.store.create_number(&draft.validate()?).await?;
    Ok((StatusCode::CREATED, Json(number)))
}

/// Reads one number.
#[utoipa::path(get, path = "/api/v1/numbers/{number_id}", tag = "numbers", security(("bearer" = [])),
    params(("number_id" = String, Path)),
    responses((status = 200, body = ForwardingNumber), (status = 404, body = crate::error::ErrorBody)))]
async fn get_number(
    State(state): State<AppState>,
    _: Supervisor,
    ApiPath(number_id): ApiPath<NumberId>,
) -> ApiResult<Json<ForwardingNumber>> {
    Ok(Json(state.store.number(number_id).await?))
}

/// Relabels a number, or assigns it to a client (`client_id`) or back to the pool (`null`).
#[utoipa::path(put, path = "/api/v1/numbers/{number_id}", tag = "numbers", security(("bearer" = [])),
    params(("number_id" = String, Path)), request_body = NumberDraft,
    responses((status = 200, body = ForwardingNumber), (status = 404, body = crate::error::ErrorBody)))]
async fn update_number(
    State(state): State<AppState>,
    _: Supervisor,
    ApiPath(number_id): ApiPath<NumberId>,
    ApiJson(draft): ApiJson<NumberDraft>,
) -> ApiResult<Json<ForwardingNumber>> {
    Ok(Json(
        state
            .store
            .update_number(number_id, &draft.validate()?)
            .await?,
    ))
}

/// Removes a number from the pool.
#[utoipa::path(delete, path = "/api/v1/numbers/{number_id}", tag = "numbers", security(("bearer" = [])),
    params(("number_id" = String, Path)),
    responses((status = 204), (status = 404, body = crate::error::ErrorBody)))]
async fn delete_number(
    State(state): State<AppState>,
    _: Supervisor,
    ApiPath(number_id): ApiPath<NumberId>,
) -> ApiResult<StatusCode> {
    state.store.delete_number(number_id).await?;
    Ok(StatusCode::NO_CONTENT)
}

/// The forwarding numbers assigned to a client.
#[utoipa::path(get, path = "/api/v1/clients/{client_id}/numbers", tag = "numbers", security(("bearer" = [])),
    params(("client_id" = String, Path)),
    responses((status = 200, body = [ForwardingNumber]), (status = 404, body = crate::error::ErrorBody)))]
async fn list_client_numbers(
    State(state): State<AppState>,
    _: ClientReader,
    ApiPath(client_id): ApiPath<ClientId>,
) -> ApiResult<Json<Vec<ForwardingNumber>>> {
    state.store.client(client_id).await?;
    Ok(Json(state.store.client_numbers(client_id).await?))
}
