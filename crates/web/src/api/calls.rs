//! A client's call records: `/api/v1/clients/{client_id}/calls`.

use crate::access::ClientReader;
use crate::extract::{ApiPath, ApiQuery};
use crate::{ApiResult, AppState};
use axum::Json;
use axum::extract::State;
use centrale_core::calls::CallRecord;
use centrale_core::{CallId, ClientId};
use serde::Deserialize;
use utoipa::IntoParams;
use utoipa_axum::{router::OpenApiRouter, routes};

pub(super) fn routes() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(list_calls))
        .routes(routes!(get_call))
}

#[derive(Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
struct Page {
    /// At most this many (default 50, at most 500).
    limit: Option<u32>,
}

/// A client's latest calls, newest first, with their offers.
#[utoipa::path(get, path = "/api/v1/clients/{client_id}/calls", tag = "calls", security(("bearer" = [])),
    params(("client_id" = String, Path), Page),
    responses((status = 200, body = [CallRecord]), (status = 404, body = crate::error::ErrorBody)))]
async fn list_calls(
    State(state): State<AppState>,
    _: ClientReader,
    ApiPath(client_id): ApiPath<ClientId>,
    ApiQuery(page): ApiQuery<Page>,
) -> ApiResult<Json<Vec<CallRecord>>> {
    state.store.client(client_id).await?;
    let limit = page.limit.unwrap_or(50).min(500);
    Ok(Json(state.store.list_calls(client_id, limit).await?))
}

/// One call with its offers.
#[utoipa::path(get, path = "/api/v1/clients/{client_id}/calls/{call_id}", tag = "calls", security(("bearer" = [])),
    params(("client_id" = String, Path), ("call_id" = String, Path)),
    responses((status = 200, body = CallRecord), (status = 404, body = crate::error::ErrorBody)))]
async fn get_call(
    State(state): State<AppState>,
    _: ClientReader,
    ApiPath((client_id, call_id)): ApiPath<(ClientId, CallId)>,
) -> ApiResult<Json<CallRecord>> {
    Ok(Json(state.store.call_record(client_id, call_id).await?))
}
